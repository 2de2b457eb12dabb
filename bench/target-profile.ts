// Where the controller's CPU per target goes in a no-op preview: the fleet program on N and on n
// ssh hosts (the scale benchmark's layout: local accounts behind one sshd, Codex machine-wide), each
// previewed once under the CPU wrapper (bench/rusage.py: the CLI and all it starts) and once with a
// V8 CPU profile of the program's process (bench/cpu-profile-hook.js). The program's samples are
// summed by where their code lives (the SSH client, the SDK's gRPC, the SDK, the package, Node's
// own, the garbage collector); what one more target costs is the difference between the two sizes
// divided by N - n, which takes the fixed cost of a run out.
//
//   npm run bench:target-profile -- [--sizes 10,100] [--parallel 16] [--out docs]
//
// Writes docs/benchmarks/target-profile.json and the table between the target-profile markers in
// docs/benchmarks.md. Cleans up as the scale benchmark does (bench/scale-cleanup.ts).
import * as fs from "fs";
import * as path from "path";
import { codexVersion } from "../tests/helpers/codex";
import { npmSeed } from "../tests/helpers/fleet";
import { projectRoot } from "../tests/helpers/toolchain";
import { log, machine, runMain, writeMarked } from "./common";
import { startRun } from "./scale-cleanup";
import { installSharedCodex, startScaleFleet } from "./scale-fleet";
import { pulumiDriver } from "./scale-pulumi";

interface ProfileNode {
    id: number;
    callFrame: { url: string; functionName: string };
}

/** Where a sample's code lives, first match wins. */
const PLACES: Array<[string, (url: string, fn: string) => boolean]> = [
    ["the SSH client (ssh2)", (u) => u.includes("/node_modules/ssh2/")],
    ["the SDK's RPC (@grpc/grpc-js, google-protobuf)", (u) => /\/node_modules\/(@grpc|google-protobuf|@protobufjs|protobufjs)\//.test(u)],
    ["the SDK (@pulumi/pulumi)", (u) => u.includes("/@pulumi/pulumi/")],
    ["@pulumi/command", (u) => u.includes("/@pulumi/command/")],
    ["the package (dist/components, the program)", (u) => u.includes("/dist/") && !u.includes("/node_modules/")],
    ["other npm packages", (u) => u.includes("/node_modules/")],
    ["Node's own JavaScript (streams, timers, crypto, net)", (u) => u.startsWith("node:")],
    ["the garbage collector", (_u, f) => f === "(garbage collector)"],
    ["native code and V8 (no JavaScript frame)", (u, f) => f === "(program)" || u === ""],
];

/** The program's sampled CPU ms by place (idle left out). */
export function byPlace(file: string): Record<string, number> {
    const p = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const out: Record<string, number> = Object.fromEntries(PLACES.map(([name]) => [name, 0]));
    p.samples.forEach((id, i) => {
        const { url, functionName } = nodes.get(id)!.callFrame;
        if (functionName === "(idle)") return;
        const place = PLACES.find(([, test]) => test(url, functionName));
        if (place) out[place[0]] += p.timeDeltas[i] / 1000;
    });
    return out;
}

/** Where a script lives, finer: its npm package (the last node_modules/ in its path) or Node's module. */
export function packageOf(url: string): string | undefined {
    if (url.startsWith("node:"))
        return url
            .replace(/^node:(internal\/)?/, "node:")
            .split("/")
            .slice(0, 2)
            .join("/");
    const m = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    return m ? m[1] : undefined;
}

/** The program's sampled CPU ms by npm package and by Node module (idle left out). */
export function byPackage(file: string): Record<string, number> {
    const p = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const out: Record<string, number> = {};
    p.samples.forEach((id, i) => {
        const name = packageOf(nodes.get(id)!.callFrame.url);
        if (name) out[name] = (out[name] ?? 0) + p.timeDeltas[i] / 1000;
    });
    return out;
}

function args() {
    const a = process.argv.slice(2);
    const get = (flag: string) => {
        const i = a.indexOf(flag);
        return i >= 0 ? a[i + 1] : undefined;
    };
    const sizes = (get("--sizes") ?? "10,100").split(",").map(Number);
    if (sizes.length !== 2 || !(sizes[0] < sizes[1])) throw new Error("--sizes: two sizes, the smaller first (e.g. 10,100)");
    return { sizes, parallel: Number(get("--parallel") ?? 16), out: path.resolve(get("--out") ?? path.join(projectRoot, "docs")) };
}

interface SizeResult {
    n: number;
    /** The CLI and all it starts, from bench/rusage.py. */
    cpuSeconds: number;
    wallSeconds: number;
    /** The program's process, sampled. */
    programMs: Record<string, number>;
    /** The same samples by npm package and Node module. */
    packageMs: Record<string, number>;
}

/** One size: a fleet of n, its first run, then a no-op preview plain and one profiled. */
async function measure(n: number, parallel: number, codexPrefix: string, dir: string): Promise<SizeResult> {
    const usageDir = fs.mkdtempSync(path.join(dir, "usage-"));
    const fleetDir = fs.mkdtempSync(path.join(dir, `n${n}-`));
    fs.chmodSync(fleetDir, 0o755);
    const fleet = await startScaleFleet(n, { dir: fleetDir, codexPrefix, parallel });
    const driver = pulumiDriver(fleet, { shards: 1, parallel, shardConcurrency: 1, runner: "cli", codexPrefix, usageDir });
    const preview = ["preview", "--expect-no-changes", "--parallel", String(parallel)];
    try {
        await driver.begin();
        await driver.phase("first");
        driver.verify();
        await driver.cliOnFirstStack(preview); // warm
        const plain = await driver.cliOnFirstStack(preview);
        const profiles = fs.mkdtempSync(path.join(dir, "profiles-"));
        await driver.cliOnFirstStack(preview, {
            NODE_OPTIONS: `--require ${path.join(projectRoot, "bench", "cpu-profile-hook.js")}`,
            BENCH_CPU_PROFILE_DIR: profiles,
        });
        const [profile] = fs.readdirSync(profiles);
        if (!profile) throw new Error(`n=${n}: the program wrote no CPU profile`);
        const result = {
            n,
            cpuSeconds: plain.usage.user + plain.usage.sys,
            wallSeconds: plain.usage.wall,
            programMs: byPlace(path.join(profiles, profile)),
            packageMs: byPackage(path.join(profiles, profile)),
        };
        log(`n=${n}: no-op preview ${result.wallSeconds.toFixed(1)} s, controller CPU ${result.cpuSeconds.toFixed(2)} s`);
        return result;
    } finally {
        await driver.end();
        fleet.stop();
    }
}

/** The table: what one more target costs, and how the program's share of it divides by place and by package. */
function table(small: SizeResult, large: SizeResult): string {
    const d = large.n - small.n;
    const all = ((large.cpuSeconds - small.cpuSeconds) * 1000) / d;
    const marginal = (a: Record<string, number>, b: Record<string, number>) =>
        Object.fromEntries(Object.keys(b).map((k) => [k, Math.max(0, (b[k] - (a[k] ?? 0)) / d)]));
    const places = marginal(small.programMs, large.programMs);
    const packages = marginal(small.packageMs, large.packageMs);
    const sum = Object.values(places).reduce((x, y) => x + y, 0);
    const share = (ms: number) => `${((100 * ms) / sum).toFixed(0)} %`;
    const top = Object.entries(packages)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8);
    return [
        `One more target in a no-op preview costs the controller **${all.toFixed(1)} ms** of CPU (the CLI and all it starts, N = ${large.n}`,
        `against ${small.n}; bench/rusage.py). How the Pulumi program's part of it divides, from V8's samples of its process (shares`,
        "of the samples one more target adds; the profiler's own cost is in them too):",
        "",
        "| where the program's time per target goes | share |",
        "| --- | ---: |",
        ...Object.entries(places).map(([k, ms]) => `| ${k} | ${share(ms)} |`),
        "",
        "| the largest packages and Node modules in it | share |",
        "| --- | ---: |",
        ...top.map(([k, ms]) => `| \`${k}\` | ${share(ms)} |`),
    ].join("\n");
}

async function main() {
    const opts = args();
    const dir = startRun("the profile", projectRoot);
    const codexPrefix = installSharedCodex(path.join(dir, "codex"), codexVersion, npmSeed([codexVersion]));
    const small = await measure(opts.sizes[0], opts.parallel, codexPrefix, dir);
    const large = await measure(opts.sizes[1], opts.parallel, codexPrefix, dir);
    const result = {
        date: new Date().toISOString(),
        machine: machine("local accounts behind one sshd on 127.0.0.1; Codex machine-wide"),
        parallel: opts.parallel,
        sizes: [small, large],
    };
    const json = path.join(opts.out, "benchmarks", "target-profile.json");
    fs.mkdirSync(path.dirname(json), { recursive: true });
    fs.writeFileSync(json, JSON.stringify(result, null, 1) + "\n");
    const doc = path.join(opts.out, "benchmarks.md");
    writeMarked(doc, "target-profile", "npm run bench:target-profile", table(small, large), "Where a target's controller CPU goes");
    log(`wrote ${json} and the target-profile table in ${doc}`);
}

runMain(module, main);
