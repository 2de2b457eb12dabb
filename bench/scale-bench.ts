// The scale benchmark (issue 21, point 5): the same job by this project's fleet program (as one
// stack and as S shard stacks) and by the Ansible playbook, side by side in one run, on N hosts that
// are N local accounts behind ONE sshd on 127.0.0.1, with Codex installed once machine-wide (so a
// first run writes entries only), from ONE Ansible INI inventory that both tools read, with the
// same bound on parallel target operations for every tool. For each N it times a no-op preview /
// `--check --diff`, a no-op `up` / playbook run, a one-host repair and the first run, and measures
// the controller's own CPU time (bench/rusage.py: the tool's processes and all they start, not
// sshd nor what runs under it) and Pulumi's checkpoint bytes. Each phase is checked on the hosts
// (bench/scale-checks.ts) and by the tool's own account of its changes.
//
//   npm run bench:scale -- [--sizes 20,200,1000] [--shards 1,10,50] [--parallel 50]
//        [--phases first,noop-preview,noop-up,drift] [--tools pulumi,ansible] [--runs 1]
//        [--shard-concurrency 5] [--shard-runner auto|cli|fleet] [--phase-timeout 7200]
//        [--out docs] [--append]
//
// --phases: the phases to time; a first run is always made (untimed when not listed), the others
// need it. --shards 1 is the one-stack deployment. --shard-concurrency K: at most K shard stacks at
// once, each with --parallel (--parallel / K): 5 × 10 = 50 (the fleet command's own default is 4).
// --shard-runner: `fleet` runs the shards with the fleet command (auto: when the checkout has it),
// `cli` one pulumi CLI per shard stack.
// --phase-timeout S (default 7200): a tool process still running after S seconds is stopped and
// its deployment counted as failed. A deployment that fails (a phase's check, a tool's error) is
// listed as such and the run goes on with the next; the exit code is then 1.
// --append keeps the samples already in docs/benchmarks/scale.json of other sizes and deployments.
// Writes docs/benchmarks/scale.json and the tables between the scale markers in docs/benchmarks.md.
// Everything it makes goes again at the end, on ^C or SIGTERM too, and a later run removes what a
// killed one left (bench/scale-cleanup.ts).
import * as fs from "fs";
import * as path from "path";
import { codexVersion } from "../tests/helpers/codex";
import { npmSeed } from "../tests/helpers/fleet";
import { projectRoot } from "../tests/helpers/toolchain";
import { log, machine, runMain, sleep } from "./common";
import { ansibleDriver } from "./scale-ansible";
import { drift, expectConverged, expectRestored, expectUnchanged, snapshot } from "./scale-checks";
import { startRun } from "./scale-cleanup";
import { SCALE_PHASES, ScaleDriver, ScalePhase } from "./scale-driver";
import { installSharedCodex, ScaleFleet, startScaleFleet } from "./scale-fleet";
import { EMAIL, hasFleetCommand, PAT, pulumiDriver, URL } from "./scale-pulumi";
import { ScaleFailure, ScaleResults, ScaleSample, StepTime, writeScaleResults } from "./scale-report";

const DRIFTED = "https://drifted.example/mcp";
const BASIC = Buffer.from(`${EMAIL}:${PAT}`).toString("base64");

function args() {
    const a = process.argv.slice(2);
    const known = [
        "--sizes",
        "--shards",
        "--parallel",
        "--phases",
        "--tools",
        "--runs",
        "--shard-concurrency",
        "--shard-runner",
        "--phase-timeout",
        "--out",
        "--append",
    ];
    for (const x of a.filter((x) => x.startsWith("--"))) if (!known.includes(x)) throw new Error(`unknown option ${x} (known: ${known.join(" ")})`);
    const get = (flag: string) => {
        const i = a.indexOf(flag);
        return i >= 0 ? a[i + 1] : undefined;
    };
    const list = (flag: string, dflt: string) => (get(flag) ?? dflt).split(",").filter(Boolean);
    const phases = list("--phases", SCALE_PHASES.join(",")) as ScalePhase[];
    for (const p of phases) if (!SCALE_PHASES.includes(p)) throw new Error(`--phases: ${p} is not one of ${SCALE_PHASES.join(", ")}`);
    const runner = get("--shard-runner") ?? "auto";
    if (!["auto", "cli", "fleet"].includes(runner)) throw new Error("--shard-runner: auto, cli or fleet");
    const opts = {
        sizes: list("--sizes", "20,200,1000").map(Number),
        shards: list("--shards", "1,10,50").map(Number),
        parallel: Number(get("--parallel") ?? 50),
        phases,
        tools: list("--tools", "pulumi,ansible"),
        runs: Number(get("--runs") ?? 1),
        shardConcurrency: Number(get("--shard-concurrency") ?? 5),
        shardRunner: (runner === "auto" ? (hasFleetCommand() ? "fleet" : "cli") : runner) as "cli" | "fleet",
        phaseTimeout: Number(get("--phase-timeout") ?? 7200),
        out: path.resolve(get("--out") ?? path.join(projectRoot, "docs")),
        append: a.includes("--append"),
    };
    for (const [k, v] of Object.entries({
        sizes: opts.sizes,
        shards: opts.shards,
        parallel: [opts.parallel],
        runs: [opts.runs],
        "shard-concurrency": [opts.shardConcurrency],
        "phase-timeout": [opts.phaseTimeout],
    })) {
        if (v.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`--${k}: positive integers, got ${v.join(",")}`);
    }
    if (runner === "fleet" && !hasFleetCommand()) throw new Error("--shard-runner fleet: this checkout has no `npm run fleet`");
    return opts;
}

type Opts = ReturnType<typeof args>;

/** Times one step of the set-up (not a phase), for planning. */
async function timed<T>(steps: StepTime[], n: number, what: string, body: () => Promise<T> | T): Promise<T> {
    const t0 = process.hrtime.bigint();
    const r = await body();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    steps.push({ n, what, seconds });
    log(`n=${n} ${what}: ${seconds.toFixed(1)} s`);
    return r;
}

/** One deployment through the phases: a first run, then the no-ops and the repair, each checked; samples go into `samples` as they come. */
async function runDeployment(driver: ScaleDriver, fleet: ScaleFleet, opts: Opts, run: number, steps: StepTime[], samples: ScaleSample[]): Promise<void> {
    const n = fleet.hosts.length;
    const phase = async (p: ScalePhase, check: () => void) => {
        const logins = fleet.logins();
        const targetCpu = fleet.sshd.sessionsCpuSeconds();
        const t0 = process.hrtime.bigint();
        const r = await driver.phase(p);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        // The sessions' CPU counts once they have ended: wait for the last connections to close.
        for (let i = 0; i < 100 && fleet.sshd.openConnections() > 0; i++) await sleep(100);
        const targetCpuSeconds = fleet.sshd.sessionsCpuSeconds() - targetCpu;
        check();
        driver.verify();
        const after = fleet.logins();
        const loginsPerHost = fleet.hosts.reduce((a, h) => a + (after.get(h.user.name) ?? 0) - (logins.get(h.user.name) ?? 0), 0) / n;
        const sample: ScaleSample = {
            label: driver.label,
            tool: driver.tool,
            shards: driver.shards,
            runner: driver.runner,
            concurrency: driver.concurrency,
            perStack: driver.perStack,
            n,
            phase: p,
            run,
            seconds,
            cpuSeconds: r.usage.user + r.usage.sys,
            cpuUser: r.usage.user,
            cpuSys: r.usage.sys,
            maxRssKb: r.usage.maxrssKb,
            processes: r.processes,
            lingering: r.usage.lingering,
            stateBytes: driver.stateBytes(),
            loginsPerHost,
            targetCpuSeconds,
        };
        log(
            `${driver.label} n=${n} run ${run} ${p}: ${seconds.toFixed(2)} s, controller CPU ${((1000 * sample.cpuSeconds) / n).toFixed(1)} ms/target, target side ${((1000 * targetCpuSeconds) / n).toFixed(1)} ms/target${sample.stateBytes !== undefined ? `, state ${Math.round(sample.stateBytes / n)} B/target` : ""}, ${loginsPerHost.toFixed(2)} login(s)/host`,
        );
        if (p === "first" && !opts.phases.includes("first")) return; // the set-up the others need, untimed
        samples.push(sample);
    };
    fleet.reset();
    await timed(steps, n, `${driver.label}: stacks made`, () => driver.begin());
    try {
        await phase("first", () => expectConverged(`${driver.label} first run`, fleet.hosts, URL, BASIC));
        for (const p of ["noop-preview", "noop-up"] as const) {
            if (!opts.phases.includes(p)) continue;
            const before = snapshot(fleet.hosts);
            await phase(p, () => expectUnchanged(`${driver.label} ${p}`, before, snapshot(fleet.hosts)));
        }
        if (opts.phases.includes("drift")) {
            const h0 = fleet.hosts[0];
            const before = snapshot(fleet.hosts);
            drift(h0, URL, DRIFTED);
            await phase("drift", () => {
                const after = snapshot(fleet.hosts);
                expectUnchanged(`${driver.label} repair`, before, after, h0.name);
                expectRestored(`${driver.label} repair`, h0, before, after);
                expectConverged(`${driver.label} repair`, fleet.hosts, URL, BASIC);
            });
        }
    } finally {
        await timed(steps, n, `${driver.label}: stacks removed`, () => driver.end());
    }
}

async function main() {
    const opts = args();
    const started = Date.now();
    const dir = startRun("the benchmark", projectRoot);
    const usageDir = path.join(dir, "usage");
    fs.mkdirSync(usageDir, { mode: 0o700 });
    const steps: StepTime[] = [];
    const codexPrefix = await timed(steps, 0, "Codex installed machine-wide", () =>
        installSharedCodex(path.join(dir, "codex"), codexVersion, npmSeed([codexVersion])),
    );
    const jsonFile = path.join(opts.out, "benchmarks", "scale.json");
    const previous: ScaleSample[] = opts.append && fs.existsSync(jsonFile) ? (JSON.parse(fs.readFileSync(jsonFile, "utf8")) as ScaleResults).samples : [];
    const samples: ScaleSample[] = [...previous];
    const failures: ScaleFailure[] = [];
    const save = () =>
        writeScaleResults(opts.out, {
            date: new Date().toISOString(),
            machine: machine("every host is a local account behind ONE sshd on 127.0.0.1; Codex installed once, machine-wide"),
            settings: { ...opts, out: undefined, codexVersion, wallSeconds: (Date.now() - started) / 1000 },
            samples,
            steps,
            failures,
        });
    for (const n of opts.sizes) {
        const fleet = await timed(steps, n, "accounts and sshd started", () => startScaleFleet(n, { dir, codexPrefix, parallel: opts.parallel }));
        try {
            const drivers: ScaleDriver[] = [];
            for (const tool of opts.tools) {
                const timeoutMs = opts.phaseTimeout * 1000;
                if (tool === "ansible") drivers.push(ansibleDriver(fleet, { parallel: opts.parallel, codexPrefix, usageDir, timeoutMs }));
                else if (tool === "pulumi")
                    for (const s of opts.shards)
                        drivers.push(
                            pulumiDriver(fleet, {
                                shards: s,
                                parallel: opts.parallel,
                                shardConcurrency: opts.shardConcurrency,
                                runner: opts.shardRunner,
                                codexPrefix,
                                usageDir,
                                timeoutMs,
                            }),
                        );
                else throw new Error(`--tools: pulumi or ansible, got ${tool}`);
            }
            // What this run measures again replaces the earlier samples of that size and deployment.
            const again = new Set(drivers.map((d) => d.label));
            for (let i = samples.length - 1; i >= 0; i--) if (samples[i].n === n && again.has(samples[i].label)) samples.splice(i, 1);
            for (let run = 1; run <= opts.runs; run++) {
                for (const d of drivers) {
                    const got: ScaleSample[] = [];
                    try {
                        await runDeployment(d, fleet, opts, run, steps, got);
                    } catch (e) {
                        const message = e instanceof Error ? e.message : String(e);
                        failures.push({ label: d.label, n, run, message });
                        log(`${d.label} n=${n} run ${run} FAILED: ${message}`);
                    }
                    samples.push(...got);
                    save(); // what is measured so far is kept if a later step is killed
                }
            }
        } finally {
            await timed(steps, n, "accounts and sshd removed", () => fleet.stop());
        }
        save();
    }
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${jsonFile} and the scale tables in ${path.join(opts.out, "benchmarks.md")}`);
    if (failures.length)
        throw new Error(`${failures.length} deployment(s) failed:\n${failures.map((f) => `  ${f.label} n=${f.n} run ${f.run}: ${f.message}`).join("\n")}`);
}

runMain(module, main);
