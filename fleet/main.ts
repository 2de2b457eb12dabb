// npm run fleet -- preview|up|refresh|destroy --shards N: the fleet program on every shard stack of
// a fleet, through the Automation API, a few stacks at a time; a line as each shard finishes, one
// table at the end, every failure named. See docs/fleet-command.md. Run by scripts/fleet.sh, with
// the environment of npm run pulumi (scripts/stack-env.sh).
import { PulumiCommand } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";
import { FleetArgs, parseArgs, USAGE } from "./args";
import { Base, readBase, secretsToMask, Usage } from "./base";
import { Interrupt, onInterrupt } from "./interrupt";
import { settleLeftOver } from "./left-over";
import { runPool } from "./pool";
import { runShard, ShardRunner } from "./run-shard";
import { planShards, shardIndex, ShardPlan, shardStack, shardValue } from "./shards";
import { cliReason, prepareShardStack, projectName, PulumiCli, secretsProviderOf } from "./stacks";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCode, mask, progressLine, ShardResult, skipped, Summary, summaryLines } from "./summary";

const say = (line: string) => process.stdout.write(`${line}\n`);

/** What the whole run shares once the base stack is read. */
interface Fleet {
    args: FleetArgs;
    cli: PulumiCli;
    project: string;
    backend: string;
    base: Base;
    /** A line for the terminal, the base's secrets masked. */
    show: (line: string) => void;
    interrupt: Interrupt;
    runner: ShardRunner;
}

/** The project, the backend and the base stack, read and checked; a problem with them said, and exit 2. */
async function openFleet(args: FleetArgs, interrupt: Interrupt): Promise<Fleet | typeof EXIT_USAGE> {
    const projectDir = process.cwd();
    const project = projectName(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
    const backend = mask(process.env.PULUMI_BACKEND_URL ?? "the backend you are logged in to");
    const pulumiCommand = await PulumiCommand.get();
    const cli = new PulumiCli(pulumiCommand.command, projectDir, process.env);
    let base: Base;
    try {
        base = await readBase(cli, args, project, backend);
    } catch (e) {
        if (!(e instanceof Usage)) throw e;
        process.stderr.write(`fleet: ${mask(e.message)}\n`);
        return EXIT_USAGE;
    }
    const secrets = secretsToMask(base.config, project);
    if (args.logDir) fs.mkdirSync(args.logDir, { recursive: true });
    const runner = { projectDir, pulumiCommand, signal: interrupt.signal, secrets, logDir: args.logDir, continueOnError: args.continueOnError };
    return { args, cli, project, backend, base, show: (line) => say(mask(line, secrets)), interrupt, runner };
}

interface ShardItem {
    i: number;
    stack: string;
    /** A shard of the count given that has no stack (destroy, refresh): a row saying so. */
    absent: boolean;
}

/** The shards this run touches, and what making a shard's stack needs. */
interface RunPlan extends ShardPlan {
    /** The shard count: --shards, or for a destroy without it the stacks run. */
    n: number;
    /** Stacks at a time. */
    limit: number;
    items: ShardItem[];
    existing: Set<number>;
    secretsProvider?: string;
    baseKeys: string[];
    baseShard?: string;
}

function planRun({ args, base, project, runner }: Fleet): RunPlan {
    const existing = base.stacks.map((s) => shardIndex(args.base, s)).filter((i): i is number => i !== undefined);
    const plan = planShards(args.command, args.shards, existing);
    const item = (absent: boolean) => (i: number) => ({ i, stack: shardStack(args.base, i), absent });
    return {
        ...plan,
        n: args.shards ?? plan.run.length,
        limit: Math.min(args.concurrency, Math.max(1, plan.run.length)),
        items: [...plan.run.map(item(false)), ...plan.absent.map(item(true))].sort((a, b) => a.i - b.i),
        existing: new Set(existing),
        secretsProvider: secretsProviderOf(runner.projectDir, args.base),
        baseKeys: Object.keys(base.config),
        baseShard: base.config[`${project}:shard`]?.value || undefined,
    };
}

/** The first lines: what runs where, and the stacks an earlier, larger --shards left. */
function announce({ args, backend, show }: Fleet, plan: RunPlan): void {
    const n = plan.n;
    show(
        `fleet ${args.command}: ${plan.run.length} of ${n} shard stacks of ${args.base} (${shardStack(args.base, 0)} .. ${shardStack(args.base, Math.max(0, n - 1))}), ${plan.limit} at a time, on ${backend}`,
    );
    if (plan.leftOver.length && args.command === "up")
        show(
            `fleet up: ${plan.leftOver.map((j) => shardStack(args.base, j)).join(", ")}: left by an earlier, larger --shards; destroyed once every current shard's up has succeeded`,
        );
}

/** Only preview and up run the program, which reads the configuration: they make it the base's (a current shard's only). */
function prepareOf({ args, cli, project }: Fleet, plan: RunPlan, { i, stack }: ShardItem): (() => Promise<unknown>) | undefined {
    if (!((args.command === "preview" || args.command === "up") && i < plan.n)) return undefined;
    const shard = shardValue(i, plan.n, plan.baseShard);
    const o = { base: args.base, baseKeys: plan.baseKeys, stack, exists: plan.existing.has(i), shard, project, secretsProvider: plan.secretsProvider };
    return () => prepareShardStack(cli, o);
}

/** Every shard of the plan, `limit` at a time, a progress line as each finishes. */
function runShards(fleet: Fleet, plan: RunPlan): Promise<ShardResult[]> {
    const { args, show, interrupt } = fleet;
    return runPool(
        plan.items,
        plan.limit,
        async (item) => {
            if (item.absent) return { ...skipped(item.stack), status: "absent" as const };
            return runShard(fleet.runner, item.stack, args.command, prepareOf(fleet, plan, item));
        },
        {
            done: (r, _item, finished) => show(progressLine(finished, plan.items.length, args.command, r)),
            stopped: interrupt.interrupted,
            skip: ({ stack }) => skipped(stack),
        },
    );
}

/** The shards run, the left-over stacks settled, the table printed; the exit code. */
async function runFleet(fleet: Fleet): Promise<number> {
    const { args, show, interrupt } = fleet;
    const plan = planRun(fleet);
    const startedAll = Date.now();
    announce(fleet, plan);
    if (!plan.run.length) {
        show(`fleet ${args.command}: no shard stack of ${args.base} to ${args.command}`);
        return EXIT_OK;
    }
    const results = await runShards(fleet, plan);
    const destroy = (stack: string) => runShard(fleet.runner, stack, "destroy");
    const leftOverRun = { cli: fleet.cli, n: plan.n, limit: plan.limit, show, interrupted: interrupt.interrupted, destroy };
    const leftOver = await settleLeftOver(
        leftOverRun,
        args.command,
        plan.leftOver.map((j) => shardStack(args.base, j)),
        results,
    );
    const summary: Summary = {
        command: args.command,
        results: [...results, ...leftOver.results],
        seconds: (Date.now() - startedAll) / 1000,
        expectNoChanges: args.expectNoChanges,
        leftOver: leftOver.lines,
        interrupted: interrupt.interrupted(),
        leftOverFailed: leftOver.failed,
    };
    for (const line of summaryLines(summary)) show(line);
    return exitCode(summary);
}

export async function main(argv: string[]): Promise<number> {
    const parsed = parseArgs(argv);
    if ("error" in parsed) {
        process.stderr.write(`fleet: ${parsed.error}\n(npm run fleet -- --help)\n`);
        return EXIT_USAGE;
    }
    if (parsed.args.help) {
        say(USAGE);
        return EXIT_OK;
    }
    // Listening before the first Pulumi CLI starts (the base stack's reading): from then on a signal stops the run as interrupt.ts says.
    const fleet = await openFleet(parsed.args, onInterrupt());
    return fleet === EXIT_USAGE ? EXIT_USAGE : runFleet(fleet);
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`fleet: ${mask(cliReason(String((e as Error)?.stack ?? e)))}\n`);
            process.exit(EXIT_FAILED);
        },
    );
}
