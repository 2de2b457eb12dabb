// The fleet command's parts that need no engine: its arguments, the base stack's checks and the
// left-over stacks' handling (over a stand-in for the Pulumi CLI), the shard plan, the engine
// events counted per target, the progress line, the table and the exit codes. The command itself
// runs in tests/e2e/fleet-command.test.ts.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_CONCURRENCY, FleetArgs, parseArgs } from "../../fleet/args";
import { readBase, secretsToMask, Usage } from "../../fleet/base";
import { anyChange, oneLine, ShardEvents, targetOfUrn } from "../../fleet/events";
import { LeftOverRun, settleLeftOver } from "../../fleet/left-over";
import { runPool } from "../../fleet/pool";
import { baseShardProblem, planShards, shardIndex, shardStack, shardValue } from "../../fleet/shards";
import { cliReason, ConfigEntry, projectName, PulumiCli, secretValues } from "../../fleet/stacks";
import { EXIT_CHANGES, EXIT_FAILED, EXIT_OK, exitCode, mask, progressLine, ShardResult, skipped, Summary, summaryLines } from "../../fleet/summary";

const error = (argv: string[]) => {
    const r = parseArgs(argv);
    return "error" in r ? r.error : undefined;
};
const args = (argv: string[]) => {
    const r = parseArgs(argv);
    if ("error" in r) throw new Error(r.error);
    return r.args;
};

describe("arguments", () => {
    test("a command, the shards and the defaults", () => {
        expect(args(["up", "--shards", "16"])).toEqual({
            command: "up",
            shards: 16,
            base: "fleet",
            concurrency: DEFAULT_CONCURRENCY,
            expectNoChanges: false,
            continueOnError: false,
            logDir: undefined,
            help: false,
        });
        expect(args(["preview", "--shards=2", "--base", "prod", "--concurrency=8", "--expect-no-changes"])).toMatchObject({
            command: "preview",
            shards: 2,
            base: "prod",
            concurrency: 8,
            expectNoChanges: true,
        });
        expect(args(["up", "--continue-on-error", "--shards", "3", "--log-dir", "/tmp/x"])).toMatchObject({ continueOnError: true, logDir: "/tmp/x" });
        expect(args(["destroy"])).toMatchObject({ command: "destroy", shards: undefined });
        expect(args(["--help"]).help).toBe(true);
        expect(args(["up", "-h"]).help).toBe(true);
    });

    test("an unknown option or command is refused with the closest known name", () => {
        expect(error(["up", "--shard", "2"])).toBe("--shard: unknown option; did you mean --shards?");
        expect(error(["up", "--shards", "2", "--expect-no-change"])).toBe("--expect-no-change: unknown option; did you mean --expect-no-changes?");
        expect(error(["up", "--shards", "2", "--concurency", "2"])).toBe("--concurency: unknown option; did you mean --concurrency?");
        expect(error(["up", "--shards", "2", "--yes"])).toMatch(/^--yes: unknown option; the options are --shards, --base/);
        expect(error(["upp", "--shards", "2"])).toBe("upp: unknown command; did you mean up?");
        expect(error(["prevew", "--shards", "2"])).toBe("prevew: unknown command; did you mean preview?");
    });

    test("bad values and combinations", () => {
        expect(error([])).toMatch(/^a command is needed/);
        expect(error(["up", "preview", "--shards", "2"])).toMatch(/^one command at a time/);
        expect(error(["up"])).toMatch(/^--shards N: required for up/);
        expect(error(["up", "--shards", "0"])).toBe("--shards: from 1 to 1000, got 0");
        expect(error(["up", "--shards", "two"])).toMatch(/^--shards: a whole number/);
        expect(error(["up", "--shards", "1.5"])).toMatch(/^--shards: a whole number/);
        expect(error(["up", "--shards"])).toBe("--shards: needs a value");
        expect(error(["up", "--shards", "--base", "x"])).toBe("--shards: needs a value");
        expect(error(["up", "--shards", "2", "--shards", "3"])).toBe("--shards: given twice");
        expect(error(["up", "--shards", "2", "--concurrency", "0"])).toMatch(/^--concurrency: from 1/);
        expect(error(["up", "--shards", "2", "--base", "a b"])).toMatch(/^--base: a stack name/);
        expect(error(["up", "--shards", "2", "--base", "fleet-shard-3"])).toMatch(/names a shard stack; the base is .* \(e\.g\. fleet\)/);
        expect(error(["destroy", "--expect-no-changes"])).toMatch(/^--expect-no-changes: for preview, refresh and up/);
        expect(error(["preview", "--shards", "2", "--continue-on-error"])).toMatch(/^--continue-on-error: for up and destroy only/);
        expect(error(["up", "--shards", "2", "--expect-no-changes=yes"])).toBe("--expect-no-changes: takes no value");
    });

    test("each problem in its exact words, the first one found; --help wins over all but a bad option", () => {
        expect(error([])).toBe("a command is needed: preview, up, refresh, destroy");
        expect(error(["up", "preview", "--shards", "2"])).toBe('one command at a time, got "up" "preview"');
        expect(error(["-", "--shards", "2"])).toBe("-: unknown command; the known commands are preview, up, refresh, destroy");
        expect(error(["up"])).toBe("--shards N: required for up (how many shards the fleet has)");
        expect(error(["up", "--shards", "two"])).toBe('--shards: a whole number from 1 to 1000, got "two"');
        expect(error(["up", "--shards", "1001"])).toBe("--shards: from 1 to 1000, got 1001");
        expect(error(["up", "--shards", "2", "--concurrency", "65"])).toBe("--concurrency: from 1 to 64, got 65");
        expect(error(["up", "--shards", "2", "--base", "a b"])).toBe(`--base: a stack name (letters, digits, '.', '-', '_'), got "a b"`);
        expect(error(["up", "--shards", "2", "--base", "fleet-shard-3"])).toBe(
            "--base fleet-shard-3: names a shard stack; the base is the stack the shards copy (e.g. fleet)",
        );
        expect(error(["destroy", "--expect-no-changes"])).toBe("--expect-no-changes: for preview, refresh and up (a destroy changes everything)");
        expect(error(["refresh", "--shards", "2", "--continue-on-error"])).toBe(
            "--continue-on-error: for up and destroy only (a refresh changes no target, so no failed change can stop it)",
        );
        expect(error(["up", "--shards", "2", "--log-dir="])).toBe("--log-dir: needs a directory");
        expect(error(["up", "--shards", "2", "--log-dir", ""])).toBe("--log-dir: needs a directory");
        // The first problem in the order the checks run: the command before --shards, --shards before --base.
        expect(error(["upp"])).toBe("upp: unknown command; did you mean up?");
        expect(error(["up", "--shards", "0", "--base", "a b"])).toBe("--shards: from 1 to 1000, got 0");
        expect(args(["destroy", "--continue-on-error", "--concurrency=2"])).toEqual({
            command: "destroy",
            shards: undefined,
            base: "fleet",
            concurrency: 2,
            expectNoChanges: false,
            continueOnError: true,
            logDir: undefined,
            help: false,
        });
        const help = { command: "preview", base: "fleet", concurrency: DEFAULT_CONCURRENCY, expectNoChanges: false, continueOnError: false, help: true };
        expect(args(["upp", "--shards", "0", "--help"])).toEqual(help);
        expect(error(["--help", "--yes"])).toBe(
            "--yes: unknown option; the options are --shards, --base, --concurrency, --expect-no-changes, --continue-on-error, --log-dir, --help",
        );
    });
});

describe("shards", () => {
    test("stack names and indexes", () => {
        expect(shardStack("fleet", 3)).toBe("fleet-shard-3");
        expect(shardIndex("fleet", "fleet-shard-3")).toBe(3);
        expect(shardIndex("fleet", "fleet-shard-03")).toBeUndefined();
        expect(shardIndex("fleet", "fleet-shard-x")).toBeUndefined();
        expect(shardIndex("fleet", "fleet")).toBeUndefined();
        expect(shardIndex("fleet", "other-shard-1")).toBeUndefined();
        expect(shardIndex("fleet", "fleet-shard-1-shard-2")).toBeUndefined();
    });

    test("the shard key: I/N, or a group's I/N", () => {
        expect(shardValue(2, 16)).toBe("2/16");
        expect(shardValue(0, 4, "group:web")).toBe("group:web 0/4");
        expect(baseShardProblem("fleet", undefined)).toBeUndefined();
        expect(baseShardProblem("fleet", "")).toBeUndefined();
        expect(baseShardProblem("fleet", "group:web")).toBeUndefined();
        expect(baseShardProblem("fleet", "0/16")).toMatch(/the base stack fleet sets shard "0\/16": the base is the template of every shard/);
        expect(baseShardProblem("fleet", "group:web 1/4")).toMatch(/sets shard/);
    });

    test("the plan: what each command runs, the stacks a larger count left", () => {
        expect(planShards("up", 2, [])).toEqual({ run: [0, 1], leftOver: [], absent: [] });
        expect(planShards("up", 2, [0, 1, 2])).toEqual({ run: [0, 1], leftOver: [2], absent: [] });
        expect(planShards("preview", 3, [0, 1])).toEqual({ run: [0, 1, 2], leftOver: [], absent: [] });
        expect(planShards("refresh", 3, [0, 2, 5])).toEqual({ run: [0, 2], leftOver: [5], absent: [1] });
        expect(planShards("destroy", 2, [0, 1, 2, 3])).toEqual({ run: [0, 1, 2, 3], leftOver: [2, 3], absent: [] });
        expect(planShards("destroy", 3, [0, 2])).toEqual({ run: [0, 2], leftOver: [], absent: [1] });
        expect(planShards("destroy", undefined, [0, 1, 4])).toEqual({ run: [0, 1, 4], leftOver: [], absent: [] });
        expect(planShards("destroy", undefined, [])).toEqual({ run: [], leftOver: [], absent: [] });
    });
});

describe("the stack's settings", () => {
    test("the project's name, the CLI's reason, the secrets to mask", () => {
        expect(projectName("# x\nname: codex-connect\ndescription: y\n")).toBe("codex-connect");
        expect(() => projectName("runtime: nodejs\n")).toThrow("no name");
        expect(cliReason("Warning: x\nerror: no stack named 'a' found\n")).toBe("no stack named 'a' found");
        expect(cliReason("just this\n")).toBe("just this");
        const values = secretValues({
            "p:pat": { value: "PAT-123456", secret: true },
            "p:email": { value: "ada@example.com", secret: false },
            "p:sshPrivateKey": { value: "-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\n-----END KEY-----\n", secret: true },
            "p:none": { secret: true },
        });
        expect(values).toEqual(expect.arrayContaining(["PAT-123456", "AAAAB3NzaC1yc2EAAAADAQABAAABAQ", "-----BEGIN KEY-----"]));
        expect(values).not.toContain("ada@example.com");
    });
});

describe("the base stack, read and checked before any shard stack is touched", () => {
    const BACKEND = "file:///srv/fleet/.pulumi-state";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-base-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    /** The CLI's two calls readBase makes, answered (or failed) as given. */
    const cli = (o: { stacks?: string[] | Error; config?: Record<string, ConfigEntry> | Error }) =>
        ({
            cwd: dir,
            stacks: async () => {
                if (o.stacks instanceof Error) throw o.stacks;
                return o.stacks ?? ["fleet", "fleet-shard-0"];
            },
            config: async () => {
                if (o.config instanceof Error) throw o.config;
                return o.config ?? {};
            },
        }) as unknown as PulumiCli;
    const problem = async (c: PulumiCli, a: FleetArgs = args(["up", "--shards", "2"])) => {
        const e = await readBase(c, a, "p", BACKEND).then(
            () => undefined,
            (x: unknown) => x,
        );
        expect(e).toBeInstanceOf(Usage);
        return (e as Usage).message;
    };
    const inventory = { "p:inventory": { value: "hosts.ini", secret: false } };

    test("the stacks listed, the base among them, its configuration read: each failure said as usage", async () => {
        expect(await problem(cli({ stacks: new Error("pulumi stack ls: no backend") }))).toBe(
            `cannot list the stacks on ${BACKEND}: pulumi stack ls: no backend`,
        );
        expect(await problem(cli({ stacks: ["other"] }))).toBe(
            `no stack fleet on ${BACKEND}: the base stack holds the fleet's configuration (README, "A fleet": export STACK=fleet, then pulumi config set ...), and every shard stack copies it; another base: --base NAME`,
        );
        expect(await problem(cli({ stacks: ["fleet"] }), args(["up", "--shards", "2", "--base", "prod"]))).toBe(
            `no stack prod on ${BACKEND}: the base stack holds the fleet's configuration (README, "A fleet": export STACK=prod, then pulumi config set ...), and every shard stack copies it`,
        );
        expect(await problem(cli({ config: new Error("pulumi config --json: bad passphrase") }))).toBe(
            "the base stack fleet: pulumi config --json: bad passphrase",
        );
    });

    test("a base without hosts, or with a shard of its own, is refused; a destroy needs no hosts", async () => {
        const noHosts = `the base stack fleet has neither targets nor inventory (there is no Pulumi.fleet.yaml here: the stack's configuration is in that file): every shard would provision this machine; see README, "A fleet"`;
        expect(await problem(cli({}))).toBe(noHosts);
        expect(await problem(cli({ config: { "p:targets": { objectValue: [], secret: false } } }))).toBe(noHosts);
        fs.writeFileSync(path.join(dir, "Pulumi.fleet.yaml"), "config: {}\n");
        expect(await problem(cli({}))).toBe(
            `the base stack fleet has neither targets nor inventory: every shard would provision this machine; see README, "A fleet"`,
        );
        expect(await problem(cli({ config: { ...inventory, "p:shard": { value: "1/2", secret: false } } }))).toBe(baseShardProblem("fleet", "1/2"));
        expect(await problem(cli({ config: { "p:shard": { value: "1/2", secret: false } } }), args(["destroy"]))).toBe(baseShardProblem("fleet", "1/2"));
        expect(await readBase(cli({}), args(["destroy"]), "p", BACKEND)).toEqual({ config: {}, stacks: ["fleet", "fleet-shard-0"] });
        const targets = { "p:targets": { objectValue: [{ name: "web1" }], secret: false }, "p:shard": { value: "group:web", secret: false } };
        expect(await readBase(cli({ config: targets }), args(["up", "--shards", "2"]), "p", BACKEND)).toEqual({
            config: targets,
            stacks: ["fleet", "fleet-shard-0"],
        });
    });

    test("what every printed line masks: the secrets, and the Basic header email and PAT make, longest first", () => {
        const b64 = Buffer.from("ada@example.com:PAT-123456").toString("base64");
        const config = { "p:email": { value: "ada@example.com", secret: false }, "p:pat": { value: "PAT-123456", secret: true } };
        expect(secretsToMask(config, "p")).toEqual([`Basic ${b64}`, b64, "ada@example.com:PAT-123456", "PAT-123456"]);
        expect(secretsToMask({ "p:pat": { value: "PAT-123456", secret: true } }, "p")).toEqual(["PAT-123456"]);
    });
});

const URN = (type: string, name: string) => `urn:pulumi:fleet-shard-0::codex-connect::${type}::${name}`;
const COMPONENT = "codex-connect-pulumi:index:ConnectAiCodex";
const FORMER = "codex-connect:index:ConnectAiCodex"; // a stack not yet updated to the tokens of 0.4
const COMMAND = `${COMPONENT}$command:local:Command`;
const STACK = "pulumi:pulumi:Stack";
let seq = 0;
const ev = (e: Partial<EngineEvent>): EngineEvent => ({ sequence: seq++, timestamp: 0, ...e });
const step = (
    kind: "resourcePreEvent" | "resOutputsEvent" | "resOpFailedEvent",
    op: string,
    type: string,
    name: string,
    outputs?: Record<string, unknown>,
): EngineEvent =>
    ev({
        [kind]: {
            metadata: { op, urn: URN(type, name), type: type.split("$").pop(), provider: "", ...(outputs ? { new: { outputs } } : {}) },
            status: 0,
            steps: 0,
        },
    } as Partial<EngineEvent>);
const diag = (severity: string, message: string, urn?: string): EngineEvent =>
    ev({ diagnosticEvent: { severity, message, urn, color: "never" } } as Partial<EngineEvent>);
/** Both steps of one target (its component, then its command), as the engine emits them. */
const target = (name: string, commandOp: string, componentOp = "same") => [
    step("resourcePreEvent", componentOp, COMPONENT, name),
    step("resourcePreEvent", commandOp, COMMAND, name),
    step("resOutputsEvent", commandOp, COMMAND, name),
    step("resOutputsEvent", componentOp, COMPONENT, name),
];

describe("engine events, per target", () => {
    test("a URN's target: the component's and its command's name; nothing else's", () => {
        expect(targetOfUrn(URN(COMPONENT, "web1"))).toBe("web1");
        expect(targetOfUrn(URN(COMMAND, "web1"))).toBe("web1");
        expect(targetOfUrn(URN(`${FORMER}$codex-connect:index:CodexMcpServer$command:local:Command`, "old1"))).toBe("old1");
        expect(targetOfUrn(URN(`${FORMER}$command:local:Command`, "old2"))).toBe("old2");
        expect(targetOfUrn(URN(STACK, "codex-connect-fleet-shard-0"))).toBeUndefined();
        expect(targetOfUrn(URN("pulumi:providers:command", "default_1_2_1"))).toBeUndefined();
        expect(targetOfUrn(URN("command:local:Command", "x"))).toBeUndefined();
        expect(targetOfUrn(undefined)).toBeUndefined();
        expect(targetOfUrn("not a urn")).toBeUndefined();
    });

    test("one line of a diagnostic: the engine's running-line goes, the target's own line stays", () => {
        expect(
            oneLine(
                'exit status 2: running "node dist/runner/codex-mcp-runner.js __feed ensure # drifted: unreachable (e7dc87130d4a)":\nssh a@127.0.0.1:41503: ssh: connect ECONNREFUSED 127.0.0.1:41503\n\n',
            ),
        ).toBe("ssh a@127.0.0.1:41503: ssh: connect ECONNREFUSED 127.0.0.1:41503");
        expect(oneLine("the stack configuration has 2 problem(s); nothing was changed:\n  - shard: bad\n  - auth: worse\n")).toBe(
            "the stack configuration has 2 problem(s); nothing was changed: shard: bad; auth: worse",
        );
        expect(oneLine("Running program '/x/program.js' failed with an unhandled exception:\nError: boom")).toBe("boom");
        expect(oneLine("x".repeat(400))).toHaveLength(300);
    });

    test("an up: targets, changed, drifted (warning and outputs), failed (error on the command), not ready; debug lines never read", () => {
        const e = new ShardEvents();
        const outputs = {
            auth: "basic",
            targets: {
                a: { ready: true, driftFoundByThisRun: [] },
                b: { ready: false, driftFoundByThisRun: ["entry.url"] },
                c: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // a failed target's outputs: unknown
                d: { ready: true, driftFoundByThisRun: [] },
            },
        };
        for (const x of [
            step("resourcePreEvent", "same", STACK, "codex-connect-fleet-shard-0"),
            diag("debug", "RegisterResource RPC finished: resp: Authorization Basic c2VjcmV0 error: nothing", URN(COMMAND, "a")),
            ...target("a", "same"),
            diag(
                "warning",
                'ssh x@h:22: drifted: entry.url "https://evil.example/mcp" (want https://mcp.example/mcp); pulumi up repairs it\n',
                URN(COMPONENT, "b"),
            ),
            ...target("b", "update"),
            diag("warning", "ssh y@h:22: could not be probed: ssh: connect ECONNREFUSED\n", URN(COMPONENT, "c")),
            step("resourcePreEvent", "same", COMPONENT, "c"),
            step("resourcePreEvent", "update", COMMAND, "c"),
            diag(
                "error",
                'exit status 2: running "node x __feed ensure # drifted: unreachable (1)":\nssh y@h:22: ssh: connect ECONNREFUSED 127.0.0.1:22\n\n',
                URN(COMMAND, "c"),
            ),
            step("resOpFailedEvent", "update", COMMAND, "c"),
            step("resOutputsEvent", "same", COMPONENT, "c"),
            ...target("d", "create", "create"),
            step("resOutputsEvent", "same", STACK, "codex-connect-fleet-shard-0", outputs),
            diag("error", "update failed\n", URN(STACK, "codex-connect-fleet-shard-0")),
            ev({
                summaryEvent: { maybeCorrupt: false, durationSeconds: 3, resourceChanges: { same: 3, update: 1, create: 2 }, policyPacks: {} },
            } as Partial<EngineEvent>),
        ])
            e.add(x);
        const counts = e.counts();
        expect(counts).toEqual({
            targets: ["a", "b", "c", "d"],
            changed: ["b", "d"],
            drifted: ["b"],
            notReady: ["b"],
            failures: [{ target: "c", reason: "ssh y@h:22: ssh: connect ECONNREFUSED 127.0.0.1:22" }],
            resourceChanges: { same: 3, update: 1, create: 2 },
        });
        expect(anyChange(counts)).toBe(true);
    });

    test("a preview: planned steps count, a target that cannot be probed is a failure, a clean one changes nothing", () => {
        const e = new ShardEvents("preview");
        for (const x of [
            ...target("a", "same"),
            diag("warning", "ssh y@h:22: could not be probed: ssh: timed out\n", URN(COMPONENT, "b")),
            ...target("b", "update"),
        ])
            e.add(x);
        expect(e.counts()).toMatchObject({ targets: ["a", "b"], changed: [], failures: [{ target: "b", reason: "could not be probed: ssh: timed out" }] });

        const clean = new ShardEvents("preview");
        for (const x of [
            ...target("a", "same"),
            ev({ summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { same: 4 }, policyPacks: {} } } as Partial<EngineEvent>),
        ])
            clean.add(x);
        expect(anyChange(clean.counts())).toBe(false);
        // A change outside the targets (the provider) is a change too.
        const provider = new ShardEvents("preview");
        provider.add(
            ev({ summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { same: 4, update: 1 }, policyPacks: {} } } as Partial<EngineEvent>),
        );
        expect(anyChange(provider.counts())).toBe(true);
    });

    test("a failed program: one failure of the stack, the generic line dropped; a CLI failure without events: its last error line", () => {
        const e = new ShardEvents();
        e.add(diag("error", "the stack configuration has 1 problem(s); nothing was changed:\n  - shard: must be I/N\n", URN(STACK, "s")));
        e.add(diag("error", "preview failed\n", URN(STACK, "s")));
        expect(e.counts().failures).toEqual([{ reason: "the stack configuration has 1 problem(s); nothing was changed: shard: must be I/N" }]);
        e.failedRun("error: not used: there were events");
        expect(e.counts().failures).toHaveLength(1);

        const cli = new ShardEvents();
        cli.failedRun(
            "code: 255\n stdout: \n stderr: Updating (x):\nerror: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n",
        );
        expect(cli.counts().failures).toEqual([
            {
                reason: "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
            },
        ]);

        const generic = new ShardEvents();
        generic.add(diag("error", "update failed\n", URN(STACK, "s")));
        expect(generic.counts().failures).toEqual([{ reason: "update failed" }]);
    });

    test("a destroy: every deleted target changed; an up that deletes a target: a change, no longer one of the shard's", () => {
        const e = new ShardEvents("destroy");
        for (const x of [...target("a", "delete", "delete"), ...target("b", "delete", "delete")]) e.add(x);
        expect(e.counts()).toMatchObject({ targets: ["a", "b"], changed: ["a", "b"], failures: [] });
        const up = new ShardEvents("up");
        for (const x of [...target("a", "same"), ...target("gone", "delete", "delete")]) up.add(x);
        expect(up.counts()).toMatchObject({ targets: ["a"], changed: ["gone"] });
    });
});

const result = (stack: string, o: Partial<ShardResult> = {}): ShardResult => ({
    stack,
    status: "ran",
    seconds: 41.2,
    targets: ["a", "b"],
    changed: [],
    drifted: [],
    notReady: [],
    failures: [],
    changes: false,
    ...o,
});
const summary = (o: Partial<Summary>): Summary => ({
    command: "up",
    results: [],
    seconds: 60,
    expectNoChanges: false,
    leftOver: [],
    leftOverFailed: false,
    interrupted: false,
    ...o,
});

describe("what is printed, and the exit code", () => {
    test("the progress line", () => {
        expect(progressLine(3, 16, "up", result("fleet-shard-2", { targets: Array(62).fill("t"), changed: ["a"] }))).toBe(
            "[ 3/16] fleet-shard-2 up: 62 targets, 1 changed, 0 drifted, 0 failed (41 s)",
        );
        expect(progressLine(1, 2, "preview", result("fleet-shard-0", { targets: ["a"], failures: [{ reason: "locked" }] }))).toBe(
            "[1/2] fleet-shard-0 preview: 1 target, 0 changed, 0 drifted, 0 failed; the stack failed: locked (41 s)",
        );
        expect(progressLine(2, 2, "refresh", result("fleet-shard-1", { status: "absent" }))).toBe("[2/2] fleet-shard-1 refresh: no such stack, nothing to do");
    });

    test("the table, the failures by shard and target, the changes, the verdict", () => {
        const s = summary({
            command: "preview",
            expectNoChanges: true,
            results: [
                result("fleet-shard-0", { changed: ["h1"], drifted: ["h1"], changes: true, notReady: ["h2"] }),
                result("fleet-shard-1", { targets: ["h3"], failures: [{ target: "h3", reason: "could not be probed: ECONNREFUSED" }] }),
                result("fleet-shard-2", { status: "skipped", seconds: 0, targets: [] }),
            ],
        });
        expect(summaryLines(s)).toEqual([
            "",
            "stack          targets  changed  drifted  failed  not ready    seconds",
            "fleet-shard-0        2        1        1       0          1         41",
            "fleet-shard-1        1        0        0       1          0         41",
            "fleet-shard-2        -        -        -       -          -    not run",
            "total                3        1        1       1          1  60 (wall)",
            "",
            "failed (1):",
            "  fleet-shard-1  h3: could not be probed: ECONNREFUSED",
            "",
            "changes where none were expected (1 shard):",
            "  fleet-shard-0: h1 (drifted)",
            "",
            "fleet preview: 1 of 2 shards failed (exit 1)",
        ]);
        expect(exitCode(s)).toBe(EXIT_FAILED);
    });

    test("exit codes: failures win over changes; changes only count when none were expected", () => {
        const changed = [result("s0", { changes: true, changed: ["a"] }), result("s1")];
        expect(exitCode(summary({ results: changed }))).toBe(EXIT_OK);
        expect(exitCode(summary({ results: changed, expectNoChanges: true }))).toBe(EXIT_CHANGES);
        expect(summaryLines(summary({ results: changed, expectNoChanges: true })).at(-1)).toBe("fleet up: changes in 1 of 2 shards, none expected (exit 3)");
        expect(exitCode(summary({ results: [...changed, result("s2", { failures: [{ reason: "x" }] })], expectNoChanges: true }))).toBe(EXIT_FAILED);
        expect(exitCode(summary({ results: [result("s0")], interrupted: true }))).toBe(EXIT_FAILED);
        expect(exitCode(summary({ results: [result("s0")], leftOverFailed: true }))).toBe(EXIT_FAILED);
        expect(exitCode(summary({ results: [result("s0"), result("s1", { status: "absent" })] }))).toBe(EXIT_OK);
        expect(summaryLines(summary({ results: [result("s0")] })).at(-1)).toBe("fleet up: done on 1 shard");
    });

    test("a left-over stack destroyed by an up: a row of its own, in no total and not among the shards done", () => {
        const lines = summaryLines(
            summary({
                results: [
                    result("fleet-shard-0", { targets: ["a"] }),
                    result("fleet-shard-1", { targets: ["b", "c"], changed: ["c"] }),
                    result("fleet-shard-2", { leftOver: true, targets: ["c"], changed: ["c"], seconds: 2 }),
                ],
                leftOver: ["fleet-shard-2: left over from an earlier --shards: destroyed and removed"],
            }),
        );
        expect(lines).toEqual(
            expect.arrayContaining([
                "fleet-shard-2 (left over: destroyed)        1        1        0       0          0          2",
                "fleet-shard-2: left over from an earlier --shards: destroyed and removed",
                "fleet up: done on 2 shards",
            ]),
        );
        expect(lines.find((l) => l.startsWith("total"))).toMatch(/^total +3 +1 +0 +0 +0 +60 \(wall\)$/);
    });

    test("one stack-level reason on every shard is said once; drift without the flag is listed", () => {
        const reason = "the stack configuration has 1 problem(s); nothing was changed: pat: required";
        const lines = summaryLines(summary({ results: [result("s0", { failures: [{ reason }] }), result("s1", { failures: [{ reason }] })] }));
        expect(lines.filter((l) => l.includes(reason))).toEqual([`  every shard: ${reason}`]);
        expect(summaryLines(summary({ command: "preview", results: [result("s0", { drifted: ["h1"], changed: ["h1"], changes: true })] }))).toEqual(
            expect.arrayContaining(["drifted (pulumi up repairs it):", "  s0: h1"]),
        );
    });

    test("rows without counts, drift an up repairs, the interrupted verdict", () => {
        const lines = summaryLines(
            summary({
                results: [result("fleet-shard-0", { drifted: ["h1"] }), { ...skipped("fleet-shard-1"), status: "absent" }, skipped("fleet-shard-2")],
                interrupted: true,
            }),
        );
        expect(lines).toEqual([
            "",
            "stack          targets  changed  drifted  failed  not ready    seconds",
            "fleet-shard-0        2        0        1       0          0         41",
            "fleet-shard-1        -        -        -       -          -   no stack",
            "fleet-shard-2        -        -        -       -          -    not run",
            "total                2        0        1       0          0  60 (wall)",
            "",
            "drifted, repaired by this up unless it failed:",
            "  fleet-shard-0: h1",
            "",
            "interrupted: the shards marked 'not run' did not start; run the command again",
            "",
            "fleet up: interrupted (exit 1)",
        ]);
    });

    test("a change outside the targets; a left-over stack still there wins over the changes", () => {
        const s = summary({
            expectNoChanges: true,
            results: [result("s0", { changes: true })],
            leftOver: ["fleet-shard-2: destroyed, but not removed: locked"],
            leftOverFailed: true,
        });
        expect(summaryLines(s).slice(4)).toEqual([
            "",
            "changes where none were expected (1 shard):",
            "  s0: a change outside the targets (see its preview)",
            "",
            "fleet-shard-2: destroyed, but not removed: locked",
            "",
            "fleet up: done on 1 shard, but a left-over shard stack is still there (exit 1)",
        ]);
        expect(exitCode(s)).toBe(EXIT_FAILED);
    });

    test("mask: the stack's secrets, credential shapes and control characters never printed", () => {
        expect(mask("error: PAT-123456 rejected", ["PAT-123456"])).toBe("error: *** rejected");
        expect(mask("Authorization: Basic YWRhOlBBVA==")).not.toContain("YWRhOlBBVA==");
        expect(mask("title \x1b]0;pwned\x07")).toBe("title \\x1b]0;pwned\\x07");
    });
});

test("the pool: at most `limit` at a time, in order, each result in its place; none started once stopped", async () => {
    let running = 0;
    let most = 0;
    const finished: number[] = [];
    const results = await runPool(
        [30, 10, 20, 5, 1],
        2,
        async (ms) => {
            running++;
            most = Math.max(most, running);
            await new Promise((r) => setTimeout(r, ms));
            running--;
            return ms * 2;
        },
        { done: (_r, item, n) => finished.push(n === finished.length + 1 ? item : -1) },
    );
    expect(results).toEqual([60, 20, 40, 10, 2]);
    expect(most).toBe(2);
    expect(finished).toHaveLength(5);
    expect(finished).toEqual(expect.arrayContaining([30, 10, 20, 5, 1]));

    let stop = false;
    const ran: number[] = [];
    const partial = await runPool(
        [1, 2, 3, 4],
        1,
        async (x) => {
            ran.push(x);
            if (x === 2) stop = true;
            return `ran ${x}`;
        },
        { stopped: () => stop, skip: (x) => `skipped ${x}` },
    );
    expect(partial).toEqual(["ran 1", "ran 2", "skipped 3", "skipped 4"]);
    expect(ran).toEqual([1, 2]);
});

describe("the stacks an earlier, larger --shards left", () => {
    /** A stand-in for the CLI and the shard runs: what was shown, destroyed and removed, in order. */
    const fake = (o: { failDestroy?: string[]; failRm?: string[]; interruptAfter?: string } = {}) => {
        const shown: string[] = [];
        const calls: string[] = [];
        let interrupted = false;
        const run: LeftOverRun = {
            cli: {
                run: async (argv: string[]) => {
                    calls.push(argv.join(" "));
                    if (o.failRm?.includes(argv[2])) throw new Error(`pulumi stack rm: ${argv[2]} is locked`);
                    return "";
                },
            } as unknown as PulumiCli,
            n: 2,
            limit: 1,
            show: (line) => shown.push(line),
            interrupted: () => interrupted,
            destroy: async (stack) => {
                calls.push(`destroy ${stack}`);
                if (stack === o.interruptAfter) interrupted = true;
                return result(stack, o.failDestroy?.includes(stack) ? { failures: [{ reason: "locked" }] } : {});
            },
        };
        return { run, shown, calls };
    };
    const current = [result("fleet-shard-0"), result("fleet-shard-1")];
    const LEFT = ["fleet-shard-2", "fleet-shard-3"];
    const ANNOUNCED =
        "fleet up: every shard succeeded; destroying fleet-shard-2, fleet-shard-3, left by an earlier, larger --shards (their hosts are handed over to the 2 current shards, whose records name them now: the destroy leaves those entries alone)";

    test("none: nothing to do; a preview or a refresh only names them", async () => {
        const f = fake();
        expect(await settleLeftOver(f.run, "up", [], current)).toEqual({ lines: [], failed: false, results: [] });
        expect(await settleLeftOver(f.run, "preview", ["fleet-shard-2"], current)).toEqual({
            lines: ["fleet-shard-2: left by an earlier, larger --shards and not previewed; the next up that succeeds on every shard destroys it"],
            failed: false,
            results: [],
        });
        expect((await settleLeftOver(f.run, "refresh", LEFT, current)).lines).toEqual([
            "fleet-shard-2, fleet-shard-3: left by an earlier, larger --shards and not refreshed; the next up that succeeds on every shard destroys them",
        ]);
        expect([f.shown, f.calls]).toEqual([[], []]);
    });

    test("an up keeps them when a current shard failed or the run was interrupted", async () => {
        const kept =
            "kept fleet-shard-2, fleet-shard-3 (left by an earlier, larger --shards): destroyed by the next up that succeeds on every shard, once every host is in its current shard";
        const f = fake();
        const failed = [result("fleet-shard-0"), result("fleet-shard-1", { failures: [{ target: "db1", reason: "down" }] })];
        expect(await settleLeftOver(f.run, "up", LEFT, failed)).toEqual({ lines: [kept], failed: false, results: [] });
        const g = fake({ interruptAfter: "none" });
        g.run.interrupted = () => true;
        expect((await settleLeftOver(g.run, "up", LEFT, current)).lines).toEqual([kept]);
        expect([f.shown, f.calls, g.calls]).toEqual([[], [], []]);
    });

    test("an up that succeeded everywhere destroys them and removes those destroyed; each failure kept and said", async () => {
        const f = fake({ failDestroy: ["fleet-shard-3"] });
        const settled = await settleLeftOver(f.run, "up", LEFT, [...current, { ...result("fleet-shard-4"), status: "absent" }]);
        expect(settled).toEqual({
            lines: [
                "fleet-shard-2: left over from an earlier --shards: destroyed and removed",
                "fleet-shard-3: left over from an earlier --shards, and its destroy failed: kept; the next up tries again",
            ],
            failed: true,
            results: [result("fleet-shard-2", { leftOver: true }), result("fleet-shard-3", { failures: [{ reason: "locked" }], leftOver: true })],
        });
        expect(f.shown).toEqual([
            ANNOUNCED,
            "[1/2] fleet-shard-2 destroy: 2 targets, 0 changed, 0 drifted, 0 failed (41 s)",
            "[2/2] fleet-shard-3 destroy: 2 targets, 0 changed, 0 drifted, 0 failed; the stack failed: locked (41 s)",
        ]);
        expect(f.calls).toEqual(["destroy fleet-shard-2", "destroy fleet-shard-3", "stack rm fleet-shard-2 --yes"]);

        const g = fake({ failRm: ["fleet-shard-2"] });
        expect(await settleLeftOver(g.run, "up", LEFT, current)).toMatchObject({
            lines: [
                "fleet-shard-2: destroyed, but not removed: pulumi stack rm: fleet-shard-2 is locked",
                "fleet-shard-3: left over from an earlier --shards: destroyed and removed",
            ],
            failed: true,
        });

        // Interrupted during their destroy: the one not started is kept, as a failed destroy is.
        const h = fake({ interruptAfter: "fleet-shard-2" });
        const stopped = await settleLeftOver(h.run, "up", LEFT, current);
        expect(stopped.results.map((r) => [r.stack, r.status, r.leftOver])).toEqual([
            ["fleet-shard-2", "ran", true],
            ["fleet-shard-3", "skipped", true],
        ]);
        expect(stopped.lines.at(-1)).toBe("fleet-shard-3: left over from an earlier --shards, and its destroy failed: kept; the next up tries again");
        expect(h.calls).toEqual(["destroy fleet-shard-2", "stack rm fleet-shard-2 --yes"]);
    });

    test("a destroy removes those it destroyed with the rest, and keeps those it could not", async () => {
        const f = fake({ failRm: ["fleet-shard-4"] });
        const results = [
            ...current,
            result("fleet-shard-2"),
            result("fleet-shard-3", { failures: [{ reason: "locked" }] }),
            result("fleet-shard-4"),
            skipped("fleet-shard-5"),
        ];
        const names = ["fleet-shard-2", "fleet-shard-3", "fleet-shard-4", "fleet-shard-5", "fleet-shard-6"];
        expect(await settleLeftOver(f.run, "destroy", names, results)).toEqual({
            lines: [
                "fleet-shard-2: left over from an earlier --shards: destroyed and removed",
                "fleet-shard-4: destroyed, but not removed: pulumi stack rm: fleet-shard-4 is locked",
            ],
            failed: true,
            results: [],
        });
        expect(f.calls).toEqual(["stack rm fleet-shard-2 --yes", "stack rm fleet-shard-4 --yes"]);
        expect(f.shown).toEqual([]);
    });
});
