// The fleet benchmark: this project's Pulumi program and the same job as an Ansible playbook, on
// the same N real sshd hosts (the end-to-end harness), with the same parallelism. For each N and
// each run it times a first run (Codex in every account's npm cache), a no-op preview / check, a
// no-op run and a drift repair on one host, and reads from the sshd logs how many SSH connections
// each host saw and how many bytes crossed them. Results: docs/benchmarks/fleet.json, the tables in
// docs/benchmarks.md (between markers) and docs/benchmarks/fleet.png (bench/plot.py).
//
//   npm run bench -- [--sizes 1,5,20,50] [--runs 3] [--tools pulumi,ansible] [--no-cold] [--append]
//                    [--install-parallel K]
// --install-parallel caps the parallelism of the first run (the one that installs Codex) for both
// tools: every "host" here is an account on this one machine, and 100 npm installs of Codex at once
// (about 400 MB of memory each) exhaust its 23 GB; on a real fleet each host has its own memory.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexVersion } from "../tests/helpers/codex";
import { FleetHost, npmSeed, setSecretConfig, setTargetsConfig, startFleet } from "../tests/helpers/fleet";
import { sandboxStack } from "../tests/helpers/stack";
import { projectRoot, pulumiSandbox, toolchainBin } from "../tests/helpers/toolchain";
import { runPlaybook } from "./ansible-run";
import { changesOf, log, machine as machineLines, median, pulumiCli, sleep, writeMarked } from "./common";

type Tool = "pulumi" | "ansible";
type Phase = "first" | "first-cold" | "noop-preview" | "noop-run" | "drift";

interface Sample {
    tool: Tool;
    n: number;
    phase: Phase;
    run: number;
    seconds: number;
    /** Per host, from the sshd logs: connections accepted, bytes the host received and sent. */
    connections: number[];
    bytesToHost: number[];
    bytesFromHost: number[];
}

/** --install-parallel: set in main(); the first run's parallelism cap (see the header). */
let INSTALL_PARALLEL = Infinity;

const EMAIL = "bench@example.com";
const PAT = "PAT-bench-0c9e11";
const URL = "https://mcp.cloud.cdata.com/mcp";
const DRIFTED = "https://drifted.example/mcp";

function args() {
    const a = process.argv.slice(2);
    const get = (flag: string) => {
        const i = a.indexOf(flag);
        return i >= 0 ? a[i + 1] : undefined;
    };
    return {
        sizes: (get("--sizes") ?? "1,5,20,50").split(",").map(Number),
        runs: Number(get("--runs") ?? 3),
        installParallel: Number(get("--install-parallel") ?? Infinity),
        tools: (get("--tools") ?? "pulumi,ansible").split(",") as Tool[],
        cold: !a.includes("--no-cold"),
        // Keep the samples already in docs/benchmarks/fleet.json (another N measured on another day or run).
        append: a.includes("--append"),
        out: get("--out") ?? path.join(projectRoot, "docs"),
    };
}

/**
 * A byte-counting TCP relay in front of each sshd (its logs hold no byte counts when the client
 * hangs up): both tools reach the host through it, so both are counted the same way.
 */
interface Meter {
    port: number;
    toHost: number;
    fromHost: number;
    close(): void;
}

function meter(targetPort: number): Promise<Meter> {
    return new Promise((resolve) => {
        const m: Meter = { port: 0, toHost: 0, fromHost: 0, close: () => server.close() };
        const server = net.createServer((client) => {
            const upstream = net.connect(targetPort, "127.0.0.1");
            client.on("data", (d) => (m.toHost += d.length));
            upstream.on("data", (d) => (m.fromHost += d.length));
            client.pipe(upstream);
            upstream.pipe(client);
            client.on("error", () => upstream.destroy());
            upstream.on("error", () => client.destroy());
        });
        server.listen(0, "127.0.0.1", () => {
            m.port = (server.address() as net.AddressInfo).port;
            resolve(m);
        });
    });
}

interface BenchHost extends FleetHost {
    meter: Meter;
}

const configOf = (h: BenchHost) => path.join(h.user.home, ".codex", "config.toml");

/** A fresh host again, with its npm cache kept: no config, no Codex. */
function reset(hosts: BenchHost[]) {
    for (const h of hosts) {
        fs.rmSync(path.join(h.user.home, ".codex"), { recursive: true, force: true });
        fs.rmSync(path.join(h.user.home, ".local"), { recursive: true, force: true });
        fs.rmSync(path.join(h.user.home, ".ansible"), { recursive: true, force: true });
    }
}

function drift(h: BenchHost) {
    const text = fs.readFileSync(configOf(h), "utf8");
    if (!text.includes(URL)) throw new Error(`${h.name}: no entry to drift`);
    fs.writeFileSync(configOf(h), text.replace(URL, DRIFTED));
}

function assertConverged(hosts: BenchHost[], tool: Tool) {
    for (const h of hosts) {
        const text = fs.readFileSync(configOf(h), "utf8");
        if (!text.includes(`url = "${URL}"`)) throw new Error(`${tool}: ${h.name} has no converged entry`);
        if (!fs.existsSync(path.join(h.user.home, ".local", "bin", "codex"))) throw new Error(`${tool}: ${h.name} has no codex`);
    }
}

type Step = Pick<Sample, "tool" | "n" | "run" | "phase">;

/** Times one phase and reads the sshd logs it added (after `settle`, which closes lingering connections). */
async function measure(hosts: BenchHost[], step: Step, body: () => Promise<void>, settle: () => void): Promise<Sample> {
    const offsets = hosts.map((h) => h.ssh.log().length);
    const bytes = hosts.map((h) => [h.meter.toHost, h.meter.fromHost]);
    const t0 = process.hrtime.bigint();
    await body();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    settle();
    await sleep(300); // the last log lines and bytes of connections that are closing
    const parts = hosts.map((h, i) => h.ssh.log().slice(offsets[i]));
    const sample: Sample = {
        ...step,
        seconds,
        connections: parts.map((p) => (p.match(/Accepted publickey for/g) ?? []).length),
        bytesToHost: hosts.map((h, i) => h.meter.toHost - bytes[i][0]),
        bytesFromHost: hosts.map((h, i) => h.meter.fromHost - bytes[i][1]),
    };
    log(
        `${step.tool} n=${step.n} run ${step.run} ${step.phase}: ${seconds.toFixed(2)} s, ${median(sample.connections)} connection(s)/host, ${median(sample.bytesToHost)} B to each host`,
    );
    return sample;
}

/** One tool's way of doing each phase; every phase checks its own outcome and throws when it is wrong. */
interface Driver {
    tool: Tool;
    /** Before a run: a fresh deployment (a new stack; nothing for Ansible). */
    begin(run: number): Promise<void>;
    phase(phase: Phase): Promise<void>;
    /** After a phase, before counting: close what the tool leaves open. */
    settle(): void;
    /** After a run, even a failed one. */
    end(): Promise<void>;
    close(): void;
}

/** The same sequence for every tool: fresh hosts, first run, no-op preview, no-op run, drift on host 0 repaired. */
async function runTool(driver: Driver, hosts: BenchHost[], runs: number, cold: boolean): Promise<Sample[]> {
    const samples: Sample[] = [];
    const step = async (run: number, phase: Phase) =>
        samples.push(
            await measure(
                hosts,
                { tool: driver.tool, n: hosts.length, run, phase },
                () => driver.phase(phase),
                () => driver.settle(),
            ),
        );
    try {
        for (let run = 1; run <= runs; run++) {
            reset(hosts);
            await driver.begin(run);
            try {
                await step(run, cold ? "first-cold" : "first");
                assertConverged(hosts, driver.tool);
                if (cold) continue;
                await step(run, "noop-preview");
                await step(run, "noop-run");
                drift(hosts[0]);
                await step(run, "drift");
                assertConverged(hosts, driver.tool);
            } finally {
                await driver.end();
            }
        }
    } finally {
        driver.close();
    }
    return samples;
}

// ---------------------------------------------------------------------------------------------
// Pulumi: the project's own program, run by the CLI as a pipeline runs it: `pulumi preview
// --expect-no-changes` and `pulumi up --yes --skip-preview --json` (the outcome is read from the
// JSON events of the same run, as Ansible's is from its recap), parallelism N. The stack is set up
// through the Automation API, outside the timed phases. (Until 2026-11-28 the phases ran through
// the Automation API too, whose `up` adds two CLI calls after the update, stack outputs and history:
// about 0.4 s that a pipeline does not spend.)

async function pulumiDriver(hosts: BenchHost[]): Promise<Driver> {
    const n = hosts.length;
    // One sandbox (backend) for all runs; each run's stack comes and goes in it.
    const sandbox = pulumiSandbox(`bench-pulumi-${n}-`);
    let stack: Stack | undefined;
    let removeStack: (() => Promise<void>) | undefined;
    const cli = (...args: string[]) => pulumiCli(sandbox.env, [...args, "--stack", stack!.name, "--non-interactive"]);
    const up = async (expect: (changes: Record<string, number>) => boolean, parallel = n) => {
        const changes = changesOf(await cli("up", "--yes", "--skip-preview", "--json", "--parallel", String(parallel)));
        if (!expect(changes)) throw new Error(`pulumi up: unexpected changes ${JSON.stringify(changes)}`);
    };
    return {
        tool: "pulumi",
        async begin(run) {
            ({ stack, remove: removeStack } = await sandboxStack({ name: `bench-${n}-${run}-`, sandbox }));
            await stack.setAllConfig({ auth: { value: "basic" }, email: { value: EMAIL }, url: { value: URL }, codexVersion: { value: codexVersion } });
            setSecretConfig(stack, sandbox.env, "pat", PAT);
            await setTargetsConfig(
                stack,
                hosts.map((h) => ({ ...h.target, port: h.meter.port })),
            );
        },
        async phase(phase) {
            if (phase === "noop-preview") return void (await cli("preview", "--expect-no-changes", "--parallel", String(n)));
            // A first up creates the stack, and per target one component and one command.
            if (phase === "first" || phase === "first-cold") return up((c) => c.create === 2 * n + 1, Math.min(n, INSTALL_PARALLEL));
            if (phase === "noop-run") return up((c) => !c.update && !c.create && !c.delete);
            return up((c) => c.update === 1);
        },
        settle: () => undefined, // every SSH session is closed when its operation ends
        async end() {
            if (!stack) return;
            await removeStack!();
            stack = undefined;
        },
        close: () => fs.rmSync(sandbox.dir, { recursive: true, force: true }),
    };
}

// ---------------------------------------------------------------------------------------------
// Ansible: bench/ansible/codex-connectai.yml, forks N, pipelining on, host keys checked against the
// same pinned keys. Each phase gets its own ControlPath directory; its persistent connections are
// closed after the phase so that they are counted (and not reused by the next phase).

function ansibleFiles(hosts: BenchHost[]): { dir: string; inventory: string; vars: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-ansible-"));
    const knownHosts = path.join(dir, "known_hosts");
    fs.writeFileSync(knownHosts, hosts.map((h) => `[127.0.0.1]:${h.meter.port} ${h.ssh.hostKey}\n`).join(""));
    const inventory = path.join(dir, "inventory.ini");
    fs.writeFileSync(
        inventory,
        [
            "[fleet]",
            ...hosts.map(
                (h) => `${h.name} ansible_host=127.0.0.1 ansible_port=${h.meter.port} ansible_user=${h.user.name} ansible_ssh_private_key_file=${h.keyFile}`,
            ),
            "[fleet:vars]",
            "ansible_python_interpreter=/usr/bin/python3",
            `ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes'`,
        ].join("\n") + "\n",
    );
    const vars = path.join(dir, "secrets.json");
    const npmGlobalConfig = execFileSync("npm", ["config", "get", "globalconfig"], { encoding: "utf8" }).trim();
    fs.writeFileSync(vars, JSON.stringify({ connect_ai_email: EMAIL, connect_ai_pat: PAT, npm_globalconfig: npmGlobalConfig }), { mode: 0o600 });
    return { dir, inventory, vars };
}

function ansibleDriver(hosts: BenchHost[]): Driver {
    const n = hosts.length;
    const files = ansibleFiles(hosts);
    let controlDir = "";
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    const play = async (extra: string[], expect: (changed: Record<string, number>) => boolean, forks = n) => {
        controlDir = fs.mkdtempSync(path.join(files.dir, "cp"));
        const { changed } = await runPlaybook({ inventory: files.inventory, varsFile: files.vars, forks, controlDir, extra });
        if (!expect(changed)) throw new Error(`ansible ${extra.join(" ") || "run"}: unexpected changes ${JSON.stringify(changed)}`);
    };
    return {
        tool: "ansible",
        begin: async () => undefined,
        phase(phase) {
            if (phase === "noop-preview") return play(["--check", "--diff"], (c) => total(c) === 0);
            if (phase === "first" || phase === "first-cold") return play([], (c) => hosts.every((h) => c[h.name] >= 2), Math.min(n, INSTALL_PARALLEL));
            if (phase === "noop-run") return play([], (c) => total(c) === 0);
            return play([], (c) => c[hosts[0].name] > 0 && total(c) === c[hosts[0].name]);
        },
        settle: () => spawnQuiet("pkill", ["-f", controlDir]),
        end: async () => undefined,
        close() {
            spawnQuiet("pkill", ["-f", files.dir]);
            fs.rmSync(files.dir, { recursive: true, force: true });
        },
    };
}

function spawnQuiet(cmd: string, argv: string[]) {
    try {
        execFileSync(cmd, argv, { stdio: "ignore" });
    } catch {
        /* nothing to stop */
    }
}

// ---------------------------------------------------------------------------------------------
// Results

const PHASES: Array<[Phase, string]> = [
    ["first", "first run, Codex in the npm cache"],
    ["first-cold", "first run, cold npm cache (downloads Codex)"],
    ["noop-preview", "no-op preview / `--check --diff`"],
    ["noop-run", "no-op `up` / playbook run"],
    ["drift", "drift repair on one host of N"],
];

function table(samples: Sample[]): string {
    const rows: string[] = [
        "| N | what | Pulumi (this project): median [min–max] s | Ansible: median [min–max] s | Pulumi / Ansible | SSH connections per host (Pulumi / Ansible) | bytes to each host (Pulumi / Ansible) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ];
    const sizes = [...new Set(samples.map((s) => s.n))].sort((a, b) => a - b);
    const stat = (xs: Sample[]) =>
        xs.length
            ? { med: median(xs.map((s) => s.seconds)), min: Math.min(...xs.map((s) => s.seconds)), max: Math.max(...xs.map((s) => s.seconds)), runs: xs.length }
            : undefined;
    const fmt = (s?: { med: number; min: number; max: number; runs: number }) =>
        s ? `${s.med.toFixed(1)} [${s.min.toFixed(1)}–${s.max.toFixed(1)}]${s.runs < 3 ? ` (${s.runs} run${s.runs > 1 ? "s" : ""})` : ""}` : "–";
    const perHost = (xs: Sample[], f: (s: Sample) => number[]) => (xs.length ? String(Math.round(median(xs.map((s) => median(f(s)))))) : "–");
    for (const n of sizes) {
        for (const [phase, what] of PHASES) {
            const p = samples.filter((s) => s.n === n && s.phase === phase && s.tool === "pulumi");
            const a = samples.filter((s) => s.n === n && s.phase === phase && s.tool === "ansible");
            if (!p.length && !a.length) continue;
            const sp = stat(p),
                sa = stat(a);
            const ratio = sp && sa ? (sp.med / sa.med).toFixed(2) : "–";
            rows.push(
                `| ${n} | ${what} | ${fmt(sp)} | ${fmt(sa)} | ${ratio} | ${perHost(p, (s) => s.connections)} / ${perHost(a, (s) => s.connections)} | ${perHost(p, (s) => s.bytesToHost)} / ${perHost(a, (s) => s.bytesToHost)} |`,
            );
        }
    }
    return rows.join("\n");
}

const machine = () => machineLines("every host is a local account behind its own sshd on 127.0.0.1");

function writeResults(out: string, samples: Sample[]) {
    fs.mkdirSync(out, { recursive: true });
    const json = path.join(out, "benchmarks", "fleet.json");
    fs.mkdirSync(path.dirname(json), { recursive: true });
    fs.writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), machine: machine(), samples }, null, 1) + "\n");
    const doc = path.join(out, "benchmarks.md");
    const body = `Measured ${new Date().toISOString().slice(0, 10)} on:  \n${machine()}\n\n${table(samples)}\n\n![time against N](benchmarks/fleet.png)`;
    writeMarked(doc, "results", "npm run bench", body, "Results");
    execFileSync("/usr/bin/python3", [path.join(projectRoot, "bench", "plot.py"), json, path.join(out, "benchmarks", "fleet.png")], { stdio: "inherit" });
    log(`wrote ${doc}, ${json} and benchmarks/fleet.png`);
}

async function benchFleet(names: string[], seed?: string): Promise<{ hosts: BenchHost[]; stop(): void }> {
    const fleet = await startFleet(names, { seed });
    const hosts: BenchHost[] = [];
    for (const h of fleet.hosts) hosts.push({ ...h, meter: await meter(h.ssh.port) });
    return {
        hosts,
        stop() {
            hosts.forEach((h) => h.meter.close());
            fleet.stop();
        },
    };
}

const driverFor = (tool: Tool, hosts: BenchHost[]) => (tool === "pulumi" ? pulumiDriver(hosts) : Promise.resolve(ansibleDriver(hosts)));

async function main() {
    const opts = args();
    INSTALL_PARALLEL = opts.installParallel;
    if (process.getuid?.() !== 0) throw new Error("the benchmark creates local accounts and sshd servers: run it as root");
    toolchainBin();
    const seed = npmSeed([codexVersion]);
    const previous = path.join(opts.out, "benchmarks", "fleet.json");
    const samples: Sample[] = opts.append && fs.existsSync(previous) ? JSON.parse(fs.readFileSync(previous, "utf8")).samples : [];
    const save = () => writeResults(opts.out, samples);
    for (const n of opts.sizes) {
        log(`starting ${n} host(s)`);
        const fleet = await benchFleet(
            Array.from({ length: n }, (_, i) => `h${i}`),
            seed,
        );
        try {
            for (const tool of opts.tools) samples.push(...(await runTool(await driverFor(tool, fleet.hosts), fleet.hosts, opts.runs, false)));
        } finally {
            fleet.stop();
        }
        save();
    }
    if (opts.cold) {
        // One host with an empty npm cache per tool: the first run downloads Codex from the registry.
        for (const tool of opts.tools) {
            const fleet = await benchFleet([`cold-${tool}`]);
            try {
                samples.push(...(await runTool(await driverFor(tool, fleet.hosts), fleet.hosts, 1, true)));
            } finally {
                fleet.stop();
            }
        }
        save();
    }
}

main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
