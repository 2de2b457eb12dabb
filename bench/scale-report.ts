// The scale benchmark's results: docs/benchmarks/scale.json (every sample, the machine, the
// settings, how long each step took) and the tables between `<!-- scale:start` and `<!-- scale:end
// -->` in docs/benchmarks.md.
import * as fs from "fs";
import * as path from "path";
import { median, writeMarked } from "./common";
import { ScalePhase } from "./scale-driver";

export interface ScaleSample {
    /** "Pulumi, one stack", "Pulumi, 10 shards", "Ansible". */
    label: string;
    tool: "pulumi" | "ansible";
    shards: number;
    runner: string;
    concurrency: number;
    perStack: number;
    n: number;
    phase: ScalePhase;
    run: number;
    seconds: number;
    /** The controller's CPU (user + system) over all the tool's processes, and its parts. */
    cpuSeconds: number;
    cpuUser: number;
    cpuSys: number;
    maxRssKb: number;
    processes: number;
    /** Descendants left running when a tool process ended (stopped and counted by the CPU wrapper). */
    lingering: number;
    /** Pulumi: the checkpoint bytes of all the deployment's stacks after the phase. */
    stateBytes?: number;
    /** SSH logins per host during the phase (sshd's Accepted publickey lines / N). */
    loginsPerHost: number;
    /** The target side's CPU (the sessions under sshd: the runner, Codex, Ansible's modules), not the controller's. */
    targetCpuSeconds?: number;
}

/** How long the steps around the phases took (accounts, sshd, stacks), for planning a run. */
export interface StepTime {
    n: number;
    what: string;
    seconds: number;
}

/** A deployment that did not get through its phases (its samples up to the failure are kept). */
export interface ScaleFailure {
    label: string;
    n: number;
    run: number;
    message: string;
}

export interface ScaleResults {
    date: string;
    machine: string;
    settings: Record<string, unknown>;
    samples: ScaleSample[];
    steps: StepTime[];
    failures: ScaleFailure[];
}

const WHAT: Record<ScalePhase, string> = {
    first: "first run (entries only: Codex is machine-wide)",
    "noop-preview": "no-op preview / `--check --diff`",
    "noop-up": "no-op `up` / playbook run",
    drift: "one-host repair (host h0 of N)",
};
const ORDER: ScalePhase[] = ["noop-preview", "noop-up", "drift", "first"];

/** Pulumi's deployments by their shard count, then Ansible. */
function labels(samples: ScaleSample[]): string[] {
    const l = [...new Map(samples.map((s) => [s.label, s])).values()].sort((a, b) => (a.tool === b.tool ? a.shards - b.shards : a.tool === "pulumi" ? -1 : 1));
    return l.map((s) => s.label);
}

const short = (label: string) => label.replace(/^Pulumi, /, "").replace("one stack", "1 stack");

export function scaleTables(samples: ScaleSample[], failures: ScaleFailure[] = []): string {
    const cols = labels(samples);
    const pulumiCols = cols.filter((c) => c !== "Ansible");
    const sizes = [...new Set(samples.map((s) => s.n))].sort((a, b) => a - b);
    const pick = (n: number, phase: ScalePhase, label: string) => samples.filter((s) => s.n === n && s.phase === phase && s.label === label);
    const med = (xs: ScaleSample[], f: (s: ScaleSample) => number) => (xs.length ? median(xs.map(f)) : undefined);
    const runs = new Set(samples.map((s) => s.run)).size;
    const out: string[] = [];
    out.push(
        `| N | what | ${cols.map((c) => `${c}: s${c === "Ansible" ? "" : " (÷ Ansible)"}`).join(" | ")} | controller CPU ms per target (${cols.map(short).join(" / ")}) | target-side CPU ms per target (same order) |`,
        `|---:|---|${cols.map(() => "---:").join("|")}|---:|---:|`,
    );
    for (const n of sizes) {
        for (const phase of ORDER) {
            if (!cols.some((c) => pick(n, phase, c).length)) continue;
            const ansible = med(pick(n, phase, "Ansible"), (s) => s.seconds);
            const cells = cols.map((c) => {
                const t = med(pick(n, phase, c), (s) => s.seconds);
                if (t === undefined) return "–";
                return c === "Ansible" || ansible === undefined ? t.toFixed(1) : `${t.toFixed(1)} (${(t / ansible).toFixed(2)})`;
            });
            const perTarget = (f: (s: ScaleSample) => number | undefined) =>
                cols.map((c) => {
                    const xs = pick(n, phase, c).filter((s) => f(s) !== undefined);
                    const v = med(xs, (s) => (1000 * f(s)!) / s.n);
                    return v === undefined ? "–" : v.toFixed(0);
                });
            out.push(
                `| ${n} | ${WHAT[phase]} | ${cells.join(" | ")} | ${perTarget((s) => s.cpuSeconds).join(" / ")} | ${perTarget((s) => s.targetCpuSeconds).join(" / ")} |`,
            );
        }
    }
    if (pulumiCols.length) {
        out.push(
            "",
            `| N | state bytes per target (${pulumiCols.join(" / ")}; every checkpoint of the deployment after the no-op \`up\`, ÷ N) |`,
            "|---:|---:|",
        );
        for (const n of sizes) {
            const bytes = pulumiCols.map((c) => {
                const s = samples.filter((x) => x.n === n && x.label === c && x.stateBytes !== undefined);
                const after = s.filter((x) => x.phase === "noop-up");
                const v = med(after.length ? after : s, (x) => x.stateBytes! / x.n);
                return v === undefined ? "–" : Math.round(v).toLocaleString("en-US");
            });
            if (bytes.some((b) => b !== "–")) out.push(`| ${n} | ${bytes.join(" / ")} |`);
        }
    }
    const bounds = [...new Map(samples.map((s) => [s.label, s])).values()]
        .sort((a, b) => cols.indexOf(a.label) - cols.indexOf(b.label))
        .map((s) =>
            s.tool === "ansible"
                ? `Ansible \`-f ${s.perStack}\``
                : s.shards === 1
                  ? `one stack \`--parallel ${s.perStack}\``
                  : `${s.shards} shards ${s.concurrency} stacks at a time × \`--parallel ${s.perStack}\` (${s.runner})`,
        );
    out.push(
        "",
        `Parallelism: ${bounds.join("; ")}. ${runs > 1 ? `Medians of ${runs} runs.` : "One run each."} Every phase checked on the hosts (bench/scale-checks.ts).`,
    );
    for (const f of failures) out.push("", `**Failed:** ${f.label}, N = ${f.n}, run ${f.run}: ${f.message.split("\n")[0].slice(0, 300)}`);
    return out.join("\n");
}

export function writeScaleResults(outDir: string, results: ScaleResults): void {
    const jsonFile = path.join(outDir, "benchmarks", "scale.json");
    fs.mkdirSync(path.dirname(jsonFile), { recursive: true });
    fs.writeFileSync(jsonFile, JSON.stringify(results, null, 1) + "\n");
    const doc = path.join(outDir, "benchmarks.md");
    writeMarked(
        doc,
        "scale",
        "npm run bench:scale",
        `Measured ${results.date.slice(0, 10)} on:  \n${results.machine}\n\n${scaleTables(results.samples, results.failures)}`,
        "At scale",
    );
}
