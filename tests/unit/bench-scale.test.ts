// The scale benchmark's pure parts: the bound on parallel operations for shards, the pool that keeps
// to it, the tables it writes, and the phases it reads from a Pulumi OpenTelemetry trace.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { phasesOf, PHASES, readSpans } from "../../bench/noop-profile";
import { pool, sumUsage } from "../../bench/scale-driver";
import { shardPlan } from "../../bench/scale-pulumi";
import { ScaleSample, scaleTables } from "../../bench/scale-report";
import { byPlace, packageOf } from "../../bench/target-profile";
import { writeMarked } from "../../bench/common";

test("shards: K stacks at once × --parallel p never exceeds the bound", () => {
    expect(shardPlan(10, 50, 10)).toEqual({ concurrency: 10, perStack: 5 });
    expect(shardPlan(50, 50, 10)).toEqual({ concurrency: 10, perStack: 5 });
    expect(shardPlan(2, 10, 10)).toEqual({ concurrency: 2, perStack: 5 });
    expect(shardPlan(50, 50, 50)).toEqual({ concurrency: 50, perStack: 1 });
    expect(shardPlan(50, 8, 10)).toEqual({ concurrency: 8, perStack: 1 });
    for (const [s, p, k] of [
        [3, 50, 10],
        [7, 20, 4],
        [1000, 50, 10],
    ]) {
        const plan = shardPlan(s, p, k);
        expect(plan.concurrency * plan.perStack).toBeLessThanOrEqual(p);
    }
});

test("pool: at most `limit` tasks at once, results in order, the first error", async () => {
    let now = 0;
    let most = 0;
    const task = (i: number) => async () => {
        most = Math.max(most, ++now);
        await new Promise((r) => setTimeout(r, 5 + (i % 3)));
        now--;
        return i;
    };
    expect(
        await pool(
            3,
            Array.from({ length: 10 }, (_, i) => task(i)),
        ),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    await expect(pool(2, [task(0), async () => Promise.reject(new Error("shard 1 failed")), task(2)])).rejects.toThrow("shard 1 failed");
    expect(
        sumUsage([
            { wall: 2, user: 1, sys: 0.5, maxrssKb: 10, lingering: 0 },
            { wall: 3, user: 2, sys: 0.25, maxrssKb: 5, lingering: 1 },
        ]),
    ).toEqual({ wall: 3, user: 3, sys: 0.75, maxrssKb: 10, lingering: 1 });
});

const sample = (label: string, shards: number, phase: ScaleSample["phase"], seconds: number, extra: Partial<ScaleSample> = {}): ScaleSample => ({
    label,
    tool: label === "Ansible" ? "ansible" : "pulumi",
    shards,
    runner: label === "Ansible" ? "ansible-playbook" : shards === 1 ? "cli" : "cli+shard-key",
    concurrency: shards === 1 ? 1 : 10,
    perStack: shards === 1 ? 50 : 5,
    n: 200,
    phase,
    run: 1,
    seconds,
    cpuSeconds: 4,
    cpuUser: 3,
    cpuSys: 1,
    maxRssKb: 1,
    processes: 1,
    lingering: 0,
    loginsPerHost: 1,
    targetCpuSeconds: 10,
    ...extra,
});

test("tables: one row per N and phase, Pulumi's columns by shard count then Ansible, ratios to Ansible, CPU and state per target", () => {
    const t = scaleTables([
        sample("Ansible", 1, "noop-preview", 40),
        sample("Pulumi, 10 shards", 10, "noop-preview", 12, { stateBytes: 200 * 7000 }),
        sample("Pulumi, one stack", 1, "noop-preview", 10, { stateBytes: 200 * 7100 }),
        sample("Pulumi, one stack", 1, "noop-up", 11, { stateBytes: 200 * 7200 }),
        sample("Ansible", 1, "noop-up", 44),
    ]);
    const lines = t.split("\n");
    expect(lines[0]).toBe(
        "| N | what | Pulumi, one stack: s (÷ Ansible) | Pulumi, 10 shards: s (÷ Ansible) | Ansible: s | controller CPU ms per target (1 stack / 10 shards / Ansible) | target-side CPU ms per target (same order) |",
    );
    expect(lines[2]).toBe("| 200 | no-op preview / `--check --diff` | 10.0 (0.25) | 12.0 (0.30) | 40.0 | 20 / 20 / 20 | 50 / 50 / 50 |");
    expect(lines[3]).toBe("| 200 | no-op `up` / playbook run | 11.0 (0.25) | – | 44.0 | 20 / – / 20 | 50 / – / 50 |");
    // State: after the no-op up where there is one, else the phase there is.
    expect(t).toContain("| 200 | 7,200 / 7,000 |");
    expect(t).toContain("10 shards 10 stacks at a time × `--parallel 5` (cli+shard-key)");
});

test("trace: the phases of a no-op preview follow one another from the CLI's root span to its end", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otel-"));
    const ns = (ms: number) => String(BigInt(1_700_000_000_000_000_000n) + BigInt(Math.round(ms * 1e6)));
    const span = (service: string, name: string, start: number, end: number, attrs: Record<string, string> = {}) => ({
        resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
        scopeSpans: [
            {
                spans: [
                    {
                        name,
                        startTimeUnixNano: ns(start),
                        endTimeUnixNano: ns(end),
                        attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } })),
                    },
                ],
            },
        ],
    });
    const spans = [
        span("pulumi-cli", "pulumi", 0, 2000),
        span("pulumi-cli", "newPlugin", 30, 200, { prefix: "nodejs" }),
        span("pulumi-cli", "pulumirpc.LanguageRuntime/About", 210, 600),
        span("pulumi-cli", "pulumi-plan", 700, 1990),
        span("pulumi-cli", "newPlugin", 710, 760, { prefix: "nodejs" }),
        span("pulumi-cli", "pulumirpc.LanguageRuntime/Run", 800, 1980),
        span("pulumi-sdk-nodejs", "language-runtime.run", 1100, 1970),
        span("pulumi-sdk-nodejs", "grpc.pulumirpc.ResourceMonitor/RegisterResource", 1150, 1160),
        span("pulumi-sdk-nodejs", "language-runtime.runProgram", 1200, 1960),
        span("pulumi-sdk-nodejs", "grpc.pulumirpc.ResourceMonitor/RegisterResource", 1250, 1260),
        span("pulumi-sdk-nodejs", "grpc.pulumirpc.ResourceMonitor/RegisterResource", 1700, 1900),
        span("pulumi-cli", "newPlugin", 1710, 1750, { prefix: "command (resource)" }),
        span("pulumi-cli", "pulumirpc.ResourceProvider/Configure", 1800, 1810),
        span("pulumi-cli", "pulumirpc.ResourceProvider/Diff", 1850, 1860),
    ];
    const file = path.join(dir, "trace.json");
    // One export request per line, as the CLI writes them.
    fs.writeFileSync(file, [JSON.stringify({ resourceSpans: spans.slice(0, 7) }), JSON.stringify({ resourceSpans: spans.slice(7) }), ""].join("\n"));
    const phases = phasesOf(readSpans(file));
    expect(phases).toHaveLength(PHASES.length);
    expect(phases).toEqual([30, 570, 100, 100, 300, 100, 50, 10, 440, 110, 50, 140]);
    expect(phases.reduce((a, b) => a + b, 0)).toBe(2000);
    fs.rmSync(dir, { recursive: true, force: true });
});

test("the target profile sums a program's samples by where their code lives, idle left out", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "target-profile-")), "p.cpuprofile");
    const frame = (id: number, url: string, functionName = "f") => ({ id, callFrame: { url, functionName } });
    const nodes = [
        frame(1, "", "(root)"),
        frame(2, "/x/node_modules/ssh2/lib/client.js"),
        frame(3, "/x/node_modules/@grpc/grpc-js/build/src/call.js"),
        frame(4, "/x/node_modules/@pulumi/pulumi/output.js"),
        frame(5, "/x/dist/components/probe.js"),
        frame(6, "node:internal/streams/readable"),
        frame(7, "", "(garbage collector)"),
        frame(8, "", "(idle)"),
        frame(9, "/x/node_modules/smol-toml/dist/index.js"),
    ];
    fs.writeFileSync(file, JSON.stringify({ nodes, samples: [2, 2, 3, 4, 5, 6, 7, 8, 8, 9, 1], timeDeltas: Array(11).fill(1000) }));
    expect(byPlace(file)).toEqual({
        "the SSH client (ssh2)": 2,
        "the SDK's RPC (@grpc/grpc-js, google-protobuf)": 1,
        "the SDK (@pulumi/pulumi)": 1,
        "@pulumi/command": 0,
        "the package (dist/components, the program)": 1,
        "other npm packages": 1,
        "Node's own JavaScript (streams, timers, crypto, net)": 1,
        "the garbage collector": 1,
        "native code and V8 (no JavaScript frame)": 1,
    });
});

test("the target profile's finer places: the npm package a script is in (the innermost), or Node's module", () => {
    expect(packageOf("node:internal/streams/readable")).toBe("node:streams/readable");
    expect(packageOf("node:net")).toBe("node:net");
    expect(packageOf("file:///a/node_modules/@grpc/grpc-js/build/src/call.js")).toBe("@grpc/grpc-js");
    expect(packageOf("/a/node_modules/x/node_modules/semver/index.js")).toBe("semver");
    expect(packageOf("/a/dist/components/probe.js")).toBeUndefined();
    expect(packageOf("")).toBeUndefined();
});

test("a benchmark's section of benchmarks.md: replaced between its markers, appended under a heading when absent", () => {
    const doc = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "marked-")), "benchmarks.md");
    fs.writeFileSync(doc, "# Benchmarks\n\nintro\n<!-- x:start (old) -->\nold rows\n<!-- x:end -->\nafter\n");
    writeMarked(doc, "x", "npm run x", "new rows, $1 and $& kept", "X");
    expect(fs.readFileSync(doc, "utf8")).toBe(
        "# Benchmarks\n\nintro\n<!-- x:start (written by npm run x) -->\nnew rows, $1 and $& kept\n<!-- x:end -->\nafter\n",
    );
    writeMarked(doc, "y", "npm run y", "rows", "Why");
    expect(fs.readFileSync(doc, "utf8")).toMatch(/\nafter\n\n## Why\n\n<!-- y:start \(written by npm run y\) -->\nrows\n<!-- y:end -->\n$/);
});
