// Where the fixed cost of a run goes: a no-op `pulumi preview --expect-no-changes` of the fleet
// program on ONE ssh host (the scale benchmark's layout: an account behind the shared sshd, Codex
// machine-wide), phase by phase from Pulumi's own OpenTelemetry trace (`--otel-traces file://`):
// the CLI's start, the runtime metadata it waits for (a first language host's About), the stack,
// config, secrets and checkpoint, the program's language host, Node and @pulumi/pulumi, the
// program's own code, the probe over SSH, the command plugin, Check and Diff, the engine's finish.
// Also, each on its own: `pulumi version`, a bare Node, Node loading @pulumi/pulumi and the
// program's modules, `npm --version`; and, from a V8 CPU profile of the program's process
// (bench/cpu-profile-hook.js), what loading its modules costs, @pulumi/pulumi's index apart.
// Medians of --runs; untraced previews give the real total.
//
//   npm run bench:profile -- [--runs 5] [--out docs]
//
// Writes docs/benchmarks/noop-profile.json and the table between the profile markers in
// docs/benchmarks.md. Cleans up as the scale benchmark does (bench/scale-cleanup.ts).
import * as fs from "fs";
import * as path from "path";
import { codexVersion } from "../tests/helpers/codex";
import { npmSeed } from "../tests/helpers/fleet";
import { projectRoot, toolchainBin } from "../tests/helpers/toolchain";
import { log, machine, median, runMain, runTool, writeMarked } from "./common";
import { startRun } from "./scale-cleanup";
import { installSharedCodex, startScaleFleet } from "./scale-fleet";
import { pulumiDriver } from "./scale-pulumi";

interface Span {
    name: string;
    service: string;
    /** ms from the root span's start */
    start: number;
    end: number;
    attrs: Record<string, unknown>;
}

/** The spans of an OTLP JSON file (one export request per line), times relative to the CLI's root span. */
export function readSpans(file: string): Span[] {
    const raw: Array<Omit<Span, "start" | "end"> & { s: bigint; e: bigint }> = [];
    for (const line of fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim())) {
        for (const rs of JSON.parse(line).resourceSpans ?? []) {
            const service = (rs.resource?.attributes ?? []).find((a: { key: string }) => a.key === "service.name")?.value?.stringValue ?? "";
            for (const ss of rs.scopeSpans ?? []) {
                for (const sp of ss.spans ?? []) {
                    const attrs = Object.fromEntries(
                        (sp.attributes ?? [])
                            .filter((a: { key: string }) => a.key !== "code.stacktrace")
                            .map((a: { key: string; value: Record<string, unknown> }) => [a.key, Object.values(a.value)[0]]),
                    );
                    raw.push({ name: sp.name ?? "", service, attrs, s: BigInt(sp.startTimeUnixNano), e: BigInt(sp.endTimeUnixNano) });
                }
            }
        }
    }
    const root = raw.find((s) => s.name === "pulumi" && s.service === "pulumi-cli");
    if (!root) throw new Error(`${file}: no root span "pulumi"`);
    return raw.map(({ s, e, ...rest }) => ({ ...rest, start: Number(s - root.s) / 1e6, end: Number(e - root.s) / 1e6 })).sort((a, b) => a.start - b.start);
}

export const PHASES = [
    "CLI start (Go process, flags, project file)",
    "runtime metadata the preview waits for: a first language host and its About (`node --version`, `npm --version`)",
    "stack, config, secrets manager (passphrase), checkpoint read (the backend); the plan starts",
    "the program's language host: start, GetRequiredPackages",
    "Node starts, the SDK's run command loads (gRPC, its runtime modules)",
    "the SDK connects to the engine, registers the stack",
    "the program until the target's component registers: its modules (below), config, inventory, key",
    "the component's registration",
    "the probe over SSH (handshake, the runner on the target, Codex's verdict), until the command registers",
    "the command plugin: started, handshake, CheckConfig, Configure",
    "Check and Diff of the command",
    "outputs, shutdown, the engine's finish",
] as const;

/** The phases of one traced no-op preview at N = 1 (ms), contiguous from the root span's start to its end. */
export function phasesOf(spans: Span[]): number[] {
    const one = (pred: (s: Span) => boolean, what: string) => {
        const s = spans.find(pred);
        if (!s) throw new Error(`trace: no span for ${what}`);
        return s;
    };
    const cli = (name: string) => one((s) => s.service === "pulumi-cli" && s.name === name, name);
    const root = cli("pulumi");
    const hosts = spans.filter((s) => s.name === "newPlugin" && s.attrs.prefix === "nodejs");
    if (hosts.length < 2) throw new Error("trace: expected two nodejs language hosts (metadata, program)");
    const about = cli("pulumirpc.LanguageRuntime/About");
    const plan = cli("pulumi-plan");
    const run = cli("pulumirpc.LanguageRuntime/Run");
    const sdkRun = one((s) => s.name === "language-runtime.run", "language-runtime.run");
    const program = one((s) => s.name === "language-runtime.runProgram", "language-runtime.runProgram");
    const regs = spans.filter((s) => s.service === "pulumi-sdk-nodejs" && s.name.endsWith("ResourceMonitor/RegisterResource") && s.start >= program.start);
    if (regs.length < 2) throw new Error("trace: expected the component's and the command's RegisterResource after the program started");
    const configure = cli("pulumirpc.ResourceProvider/Configure");
    const diff = cli("pulumirpc.ResourceProvider/Diff");
    const aboutEnd = Math.min(about.end, plan.start);
    const marks = [
        0,
        hosts[0].start,
        aboutEnd,
        plan.start,
        run.start,
        sdkRun.start,
        program.start,
        regs[0].start,
        regs[0].end,
        regs[1].start,
        configure.end,
        diff.end,
        root.end,
    ];
    return marks.slice(1).map((m, i) => Math.max(0, m - marks[i]));
}

interface ProfileNode {
    id: number;
    callFrame: { url: string; functionName: string };
    children?: number[];
}

/**
 * From a V8 CPU profile of the program's process: the CPU ms (sampled, inclusive) of loading the
 * program's module and, within it, of the modules it requires first.
 */
export function moduleLoads(file: string): Record<string, number> {
    const p = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const self = new Map<number, number>();
    p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + p.timeDeltas[i] / 1000));
    const inclusive = (id: number): number => (self.get(id) ?? 0) + (nodes.get(id)!.children ?? []).reduce((a, c) => a + inclusive(c), 0);
    const ancestors = (id: number) => {
        const urls: string[] = [];
        for (let x = parent.get(id); x !== undefined; x = parent.get(x)) urls.push(nodes.get(x)!.callFrame.url);
        return urls;
    };
    /** Time in the top-level frames of modules whose URL ends so, under the program's module. */
    const entries = (suffix: string, under?: string) =>
        p.nodes
            .filter((n) => n.callFrame.url.endsWith(suffix) && !nodes.get(parent.get(n.id) ?? -1)?.callFrame.url.endsWith(suffix))
            .filter((n) => !under || ancestors(n.id).some((u) => u.endsWith(under)))
            .reduce((a, n) => a + inclusive(n.id), 0);
    const program = "/dist/program/index.js";
    return {
        "the program's module, all it requires and its top-level code": entries(program),
        'of which `require("@pulumi/pulumi")` (the SDK\'s full index)': entries("@pulumi/pulumi/index.js", program),
        "of which, within it, closure serialisation's @npmcli/arborist (for dynamic providers; the program has none)": entries(
            "@npmcli/arborist/lib/index.js",
            program,
        ),
        "of which, within it, closure serialisation's TypeScript": entries("@pulumi/pulumi/typescript-shim.js", program),
        "of which the package's components (`dist/components`, ssh2, TOML parsers)": entries("/dist/components/index.js", program),
        "of which the package's inventory reader (`dist/components/inventory`)": entries("/dist/components/inventory/index.js", program),
    };
}

function args() {
    const a = process.argv.slice(2);
    const get = (flag: string) => {
        const i = a.indexOf(flag);
        return i >= 0 ? a[i + 1] : undefined;
    };
    return { runs: Number(get("--runs") ?? 5), out: path.resolve(get("--out") ?? path.join(projectRoot, "docs")) };
}

/** Wall seconds of a command, median of `runs`. */
async function wall(cmd: string, argv: string[], runs: number, env: NodeJS.ProcessEnv = process.env): Promise<number> {
    const ts: number[] = [];
    for (let i = 0; i < runs; i++) {
        const t0 = process.hrtime.bigint();
        const r = await runTool(cmd, argv, { env });
        if (r.code !== 0) throw new Error(`${cmd} ${argv.join(" ")} exited ${r.code}: ${r.stderr.trim().slice(-300)}`);
        ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return median(ts);
}

async function main() {
    const opts = args();
    const dir = startRun("the profile", projectRoot);
    const usageDir = path.join(dir, "usage");
    fs.mkdirSync(usageDir, { mode: 0o700 });
    const codexPrefix = installSharedCodex(path.join(dir, "codex"), codexVersion, npmSeed([codexVersion]));
    const fleet = await startScaleFleet(1, { dir, codexPrefix, parallel: 1 });
    const driver = pulumiDriver(fleet, { shards: 1, parallel: 1, shardConcurrency: 1, runner: "cli", codexPrefix, usageDir });
    const preview = ["preview", "--expect-no-changes", "--parallel", "1"];
    const untraced: Array<{ wall: number; cpu: number }> = [];
    const traced: Array<{ wall: number; cpu: number; phases: number[] }> = [];
    const loads: Array<Record<string, number>> = [];
    try {
        await driver.begin();
        await driver.phase("first");
        driver.verify();
        await driver.cliOnFirstStack(preview); // warm: the first preview after an up reads caches in
        const plain = async () => {
            const t0 = process.hrtime.bigint();
            const r = await driver.cliOnFirstStack(preview);
            untraced.push({ wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: r.usage.user + r.usage.sys });
        };
        const withTrace = async (i: number) => {
            const file = path.join(dir, `trace-${i}.json`);
            const t1 = process.hrtime.bigint();
            const t = await driver.cliOnFirstStack([...preview, "--otel-traces", `file://${file}`]);
            traced.push({ wall: Number(process.hrtime.bigint() - t1) / 1e9, cpu: t.usage.user + t.usage.sys, phases: phasesOf(readSpans(file)) });
        };
        for (let i = 0; i < opts.runs; i++) {
            // In turns, so that neither kind is always the one after the other.
            if (i % 2) await withTrace(i).then(plain);
            else await plain().then(() => withTrace(i));
            const t = traced[traced.length - 1];
            log(
                `run ${i + 1}: untraced ${untraced[i].wall.toFixed(2)} s, traced ${t.wall.toFixed(2)} s (${t.phases.map((p) => (p / 1000).toFixed(2)).join(" + ")})`,
            );
        }
        // The program's process under V8's profiler: what its module loading spends, by module.
        const profiles = path.join(dir, "cpuprofiles");
        fs.mkdirSync(profiles);
        for (let i = 0; i < opts.runs; i++) {
            await driver.cliOnFirstStack(preview, {
                NODE_OPTIONS: `--require ${path.join(projectRoot, "bench", "cpu-profile-hook.js")}`,
                BENCH_CPU_PROFILE_DIR: profiles,
            });
        }
        for (const f of fs.readdirSync(profiles)) loads.push(moduleLoads(path.join(profiles, f)));
    } finally {
        await driver.end();
        fleet.stop();
    }
    const env = { ...process.env, PATH: `${toolchainBin()}:${process.env.PATH}` };
    const parts = {
        "`pulumi version` (the CLI starts and exits)": await wall(path.join(toolchainBin(), "pulumi"), ["version"], opts.runs, env),
        "a bare Node (`node -e 0`)": await wall("node", ["-e", "0"], opts.runs),
        "Node loading @pulumi/pulumi": await wall("node", ["-e", "require('@pulumi/pulumi')"], opts.runs),
        "Node loading @pulumi/pulumi, @pulumi/command and the package (dist/components, stack-config, inventory)": await wall(
            "node",
            [
                "-e",
                "require('@pulumi/pulumi');require('@pulumi/command');require('./dist/components');require('./dist/components/stack-config');require('./dist/components/inventory')",
            ],
            opts.runs,
        ),
        "`npm --version` (what the language host's About waits for)": await wall("npm", ["--version"], opts.runs),
    };
    const phases = PHASES.map((what, i) => ({ what, ms: median(traced.map((t) => t.phases[i])) }));
    const result = {
        date: new Date().toISOString(),
        machine: machine("one host: a local account behind the shared sshd on 127.0.0.1; Codex machine-wide"),
        runs: opts.runs,
        untraced: { wallSeconds: median(untraced.map((u) => u.wall)), cpuSeconds: median(untraced.map((u) => u.cpu)), samples: untraced },
        traced: { wallSeconds: median(traced.map((t) => t.wall)), cpuSeconds: median(traced.map((t) => t.cpu)), samples: traced },
        phases,
        moduleLoads: Object.fromEntries(Object.keys(loads[0] ?? {}).map((k) => [k, median(loads.map((l) => l[k]))])),
        parts,
    };
    const json = path.join(opts.out, "benchmarks", "noop-profile.json");
    fs.mkdirSync(path.dirname(json), { recursive: true });
    fs.writeFileSync(json, JSON.stringify(result, null, 1) + "\n");
    const rootSum = phases.reduce((a, p) => a + p.ms, 0);
    const table = [
        `A no-op \`pulumi preview --expect-no-changes\` of one ssh host: ${result.untraced.wallSeconds.toFixed(2)} s untraced (controller CPU ${result.untraced.cpuSeconds.toFixed(2)} s), ${result.traced.wallSeconds.toFixed(2)} s traced; medians of ${opts.runs}. The phases, from Pulumi's OpenTelemetry trace (median of each; they follow one another, so they add up to the CLI's root span, ${(rootSum / 1000).toFixed(2)} s of the traced run; the rest is the process's start and exit outside the span):`,
        "",
        "| phase | ms |",
        "|---|---:|",
        ...phases.map((p) => `| ${p.what} | ${Math.round(p.ms)} |`),
        "",
        `The program's module loading, from V8's CPU profile of the program's process (${loads.length} runs, medians, CPU ms sampled every 0.2 ms):`,
        "",
        "| module | CPU ms |",
        "|---|---:|",
        ...Object.entries(result.moduleLoads).map(([k, v]) => `| ${k} | ${Math.round(v)} |`),
        "",
        "Each on its own (medians):",
        "",
        "| part | s |",
        "|---|---:|",
        ...Object.entries(parts).map(([k, v]) => `| ${k} | ${v.toFixed(2)} |`),
    ].join("\n");
    const doc = path.join(opts.out, "benchmarks.md");
    writeMarked(
        doc,
        "profile",
        "npm run bench:profile",
        `Measured ${result.date.slice(0, 10)} on:  \n${result.machine}\n\n${table}`,
        "The fixed cost of a no-op preview, phase by phase",
    );
    log(`wrote ${json} and the profile table in ${doc}`);
}

runMain(module, main);
