// npm run fleet -- preview|up|refresh|destroy --shards N: the fleet program on every shard stack of
// a fleet, through the Automation API, a few stacks at a time; a line as each shard finishes, one
// table at the end, every failure named. See docs/fleet-command.md. Run by scripts/fleet.sh, with
// the environment of npm run pulumi (scripts/stack-env.sh).
import { CommandError, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";
import { redact, secretsOf } from "../components/shared/redact";
import { FleetArgs, parseArgs, USAGE } from "./args";
import { anyChange, ShardEvents } from "./events";
import { runPool } from "./pool";
import { baseShardProblem, planShards, shardIndex, shardStack, shardValue } from "./shards";
import { CliError, cliReason, ConfigEntry, prepareShardStack, projectName, PulumiCli, secretValues, secretsProviderOf } from "./stacks";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCode, mask, progressLine, ShardResult, summaryLines } from "./summary";

class Usage extends Error {}

const say = (line: string) => process.stdout.write(`${line}\n`);

/** The fleet's settings from the base stack: checked before any shard stack is touched. */
async function readBase(cli: PulumiCli, args: FleetArgs, project: string, backend: string): Promise<{ config: Record<string, ConfigEntry>; stacks: string[] }> {
    let stacks: string[];
    try {
        stacks = await cli.stacks();
    } catch (e) {
        throw new Usage(`cannot list the stacks on ${backend}: ${(e as Error).message}`);
    }
    if (!stacks.includes(args.base)) {
        throw new Usage(
            `no stack ${args.base} on ${backend}: the base stack holds the fleet's configuration (README, "A fleet": export STACK=${args.base}, then pulumi config set ...), and every shard stack copies it${args.base === "fleet" ? "; another base: --base NAME" : ""}`,
        );
    }
    // Secret values only to mask them in every line printed: never printed, never passed on.
    let config: Record<string, ConfigEntry>;
    try {
        config = await cli.config(args.base, true);
    } catch (e) {
        throw new Usage(`the base stack ${args.base}: ${(e as Error).message}`);
    }
    const key = (k: string) => config[`${project}:${k}`];
    const targets = key("targets")?.objectValue;
    if (!(Array.isArray(targets) && targets.length) && !key("inventory")?.value && args.command !== "destroy") {
        const file = `Pulumi.${args.base}.yaml`;
        const missing = fs.existsSync(path.join(cli.cwd, file)) ? "" : ` (there is no ${file} here: the stack's configuration is in that file)`;
        throw new Usage(
            `the base stack ${args.base} has neither targets nor inventory${missing}: every shard would provision this machine; see README, "A fleet"`,
        );
    }
    const shardProblem = baseShardProblem(args.base, key("shard")?.value);
    if (shardProblem) throw new Usage(shardProblem);
    return { config, stacks };
}

/** What to mask: the base's secret values, and the Basic header and its parts that email and PAT make. */
function secretsToMask(config: Record<string, ConfigEntry>, project: string): string[] {
    const out = secretValues(config);
    const email = config[`${project}:email`]?.value;
    const pat = config[`${project}:pat`]?.value;
    if (email && pat) out.push(...secretsOf({ Authorization: `Basic ${Buffer.from(`${email}:${pat}`).toString("base64")}` }));
    return [...new Set(out)].sort((a, b) => b.length - a.length);
}

export async function main(argv: string[]): Promise<number> {
    const parsed = parseArgs(argv);
    if ("error" in parsed) {
        process.stderr.write(`fleet: ${parsed.error}\n(npm run fleet -- --help)\n`);
        return EXIT_USAGE;
    }
    const args = parsed.args;
    if (args.help) {
        say(USAGE);
        return EXIT_OK;
    }
    // Ctrl-C reaches the running Pulumi CLIs too (one process group): each cancels as Pulumi does.
    // SIGTERM (a cancelled job) reaches only this process: it is passed on as Pulumi's Ctrl-C.
    let interrupted = false;
    const abort = new AbortController();
    process.on("SIGINT", () => {
        if (!interrupted) process.stderr.write("\nfleet: interrupted: no further shard starts; the running ones stop as Pulumi does on Ctrl-C\n");
        interrupted = true;
    });
    process.on("SIGTERM", () => {
        interrupted = true;
        abort.abort();
    });

    const projectDir = process.cwd();
    const project = projectName(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
    const backend = mask(process.env.PULUMI_BACKEND_URL ?? "the backend you are logged in to");
    const pulumiCommand = await PulumiCommand.get();
    const cli = new PulumiCli(pulumiCommand.command, projectDir, process.env);

    let base: Awaited<ReturnType<typeof readBase>>;
    try {
        base = await readBase(cli, args, project, backend);
    } catch (e) {
        if (!(e instanceof Usage)) throw e;
        process.stderr.write(`fleet: ${mask(e.message)}\n`);
        return EXIT_USAGE;
    }
    const secrets = secretsToMask(base.config, project);
    const show = (line: string) => say(mask(line, secrets));
    if (args.logDir) fs.mkdirSync(args.logDir, { recursive: true });

    const existing = base.stacks.map((s) => shardIndex(args.base, s)).filter((i): i is number => i !== undefined);
    const plan = planShards(args.command, args.shards, existing);
    const n = args.shards ?? plan.run.length;
    const secretsProvider = secretsProviderOf(projectDir, args.base);
    const baseKeys = Object.keys(base.config);
    const baseShard = base.config[`${project}:shard`]?.value || undefined;

    const runOne = async (stack: string, command: FleetArgs["command"], prepare?: () => Promise<unknown>): Promise<ShardResult> => {
        const started = Date.now();
        const events = new ShardEvents(command);
        const log = args.logDir ? fs.createWriteStream(path.join(args.logDir, `${stack}.${command}.log`)) : undefined;
        const common = {
            onEvent: events.add,
            onOutput: log ? (out: string) => log.write(redact(out, secrets)) : undefined,
            signal: abort.signal,
            color: "never" as const,
            suppressProgress: true,
            // The Automation API asks `pulumi stack history --show-secrets` for its summary unless told not to.
            showSecrets: false,
        };
        try {
            await prepare?.();
            const ws = await LocalWorkspace.create({ workDir: projectDir, pulumiCommand });
            // No `pulumi stack select` (see stacks.ts): the stack exists, and every command names it.
            ws.selectStack = async () => undefined;
            const s = await Stack.select(stack, ws);
            // After an up (and a preview, refresh, destroy) the Automation API starts three more
            // `pulumi` processes for a summary and the outputs (`stack history`, `stack output`
            // twice): a CLI start each, and with a passphrase its key derived again, per shard and
            // run. This command reads neither: its counts come from the events.
            s.outputs = async () => ({});
            s.info = async () => undefined;
            if (command === "preview") await s.preview(common);
            else if (command === "up") await s.up({ ...common, continueOnError: args.continueOnError });
            else if (command === "refresh") await s.refresh(common);
            else await s.destroy({ ...common, continueOnError: args.continueOnError });
        } catch (e) {
            if (abort.signal.aborted) events.failedRun("error: cancelled: SIGTERM, passed on to Pulumi as its Ctrl-C");
            else if (e instanceof CliError) events.failedRun(`error: ${e.message}`);
            else if (e instanceof CommandError) events.failedRun(e.message);
            else events.failedRun(`error: ${(e as Error).message}`);
        } finally {
            await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
        }
        const counts = events.counts();
        return { stack, status: "ran", seconds: (Date.now() - started) / 1000, ...counts, changes: anyChange(counts) };
    };
    const skipped = (stack: string): ShardResult => ({
        stack,
        status: "skipped",
        seconds: 0,
        targets: [],
        changed: [],
        drifted: [],
        notReady: [],
        failures: [],
        changes: false,
    });

    const shards = [
        ...plan.run.map((i) => ({ i, stack: shardStack(args.base, i), absent: false })),
        ...plan.absent.map((i) => ({ i, stack: shardStack(args.base, i), absent: true })),
    ].sort((a, b) => a.i - b.i);
    const startedAll = Date.now();
    const limit = Math.min(args.concurrency, Math.max(1, plan.run.length));
    show(
        `fleet ${args.command}: ${plan.run.length} of ${n} shard stacks of ${args.base} (${shardStack(args.base, 0)} .. ${shardStack(args.base, Math.max(0, n - 1))}), ${limit} at a time, on ${backend}`,
    );
    if (plan.leftOver.length && args.command === "up")
        show(
            `fleet up: ${plan.leftOver.map((j) => shardStack(args.base, j)).join(", ")}: left by an earlier, larger --shards; destroyed once every current shard's up has succeeded`,
        );
    if (!plan.run.length) {
        show(`fleet ${args.command}: no shard stack of ${args.base} to ${args.command}`);
        return EXIT_OK;
    }
    const have = new Set(existing);
    const results = await runPool(
        shards,
        limit,
        async ({ i, stack, absent }) => {
            if (absent) return { ...skipped(stack), status: "absent" as const };
            // Only preview and up run the program, which reads the configuration: they make it the base's.
            const prepare =
                (args.command === "preview" || args.command === "up") && i < n
                    ? () =>
                          prepareShardStack(cli, {
                              base: args.base,
                              baseKeys,
                              stack,
                              exists: have.has(i),
                              shard: shardValue(i, n, baseShard),
                              project,
                              secretsProvider,
                          })
                    : undefined;
            return runOne(stack, args.command, prepare);
        },
        {
            done: (r, _item, finished) => show(progressLine(finished, shards.length, args.command, r)),
            stopped: () => interrupted,
            skip: ({ stack }) => skipped(stack),
        },
    );

    // Shard stacks of an earlier, larger --shards: their hosts are in the current shards now.
    const leftOver: string[] = [];
    let leftOverFailed = false;
    const leftNames = plan.leftOver.map((j) => shardStack(args.base, j));
    const everyShardSucceeded = !interrupted && results.every((r) => r.status !== "ran" || r.failures.length === 0);
    if (leftNames.length && args.command === "up") {
        if (!everyShardSucceeded) {
            leftOver.push(
                `kept ${leftNames.join(", ")} (left by an earlier, larger --shards): destroyed by the next up that succeeds on every shard, once every host is in its current shard`,
            );
        } else {
            show(
                `fleet up: every shard succeeded; destroying ${leftNames.join(", ")}, left by an earlier, larger --shards (their hosts are handed over to the ${n} current shards, whose records name them now: the destroy leaves those entries alone)`,
            );
            const destroyed = await runPool(leftNames, limit, (stack) => runOne(stack, "destroy"), {
                done: (r, _s, finished) => show(progressLine(finished, leftNames.length, "destroy", r)),
                stopped: () => interrupted,
                skip: skipped,
            });
            for (const r of destroyed) {
                results.push({ ...r, leftOver: true });
                if (r.status !== "ran" || r.failures.length) {
                    leftOverFailed = true;
                    leftOver.push(`${r.stack}: left over from an earlier --shards, and its destroy failed: kept; the next up tries again`);
                    continue;
                }
                try {
                    await cli.run(["stack", "rm", r.stack, "--yes"]);
                    leftOver.push(`${r.stack}: left over from an earlier --shards: destroyed and removed`);
                } catch (e) {
                    leftOverFailed = true;
                    leftOver.push(`${r.stack}: destroyed, but not removed: ${(e as Error).message}`);
                }
            }
        }
    } else if (leftNames.length && args.command === "destroy") {
        for (const name of leftNames) {
            const r = results.find((x) => x.stack === name);
            if (!r || r.status !== "ran" || r.failures.length) continue;
            try {
                await cli.run(["stack", "rm", name, "--yes"]);
                leftOver.push(`${name}: left over from an earlier --shards: destroyed and removed`);
            } catch (e) {
                leftOverFailed = true;
                leftOver.push(`${name}: destroyed, but not removed: ${(e as Error).message}`);
            }
        }
    } else if (leftNames.length) {
        leftOver.push(
            `${leftNames.join(", ")}: left by an earlier, larger --shards and not ${args.command === "refresh" ? "refreshed" : "previewed"}; the next up that succeeds on every shard destroys ${leftNames.length === 1 ? "it" : "them"}`,
        );
    }

    const summary = {
        command: args.command,
        results,
        seconds: (Date.now() - startedAll) / 1000,
        expectNoChanges: args.expectNoChanges,
        leftOver,
        interrupted,
        leftOverFailed,
    };
    for (const line of summaryLines(summary)) show(line);
    return exitCode(summary);
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
