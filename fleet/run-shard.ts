// One shard stack's preview, up, refresh or destroy through the Automation API: its engine events
// counted (events.ts), its engine output in its log file, any failure turned into the shard's
// result (a run never throws: the pool runs the others).
import { CommandError, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";
import { redact } from "../components/shared/redact";
import type { FleetCommand } from "./args";
import { anyChange, ShardEvents } from "./events";
import { CliError } from "./stacks";
import type { ShardResult } from "./summary";

/** What every shard's run shares. */
export interface ShardRunner {
    projectDir: string;
    pulumiCommand: PulumiCommand;
    /** SIGTERM's (interrupt.ts). */
    signal: AbortSignal;
    /** Masked in the log files. */
    secrets: string[];
    logDir?: string;
    continueOnError: boolean;
}

function engineOptions(runner: ShardRunner, events: ShardEvents, log: fs.WriteStream | undefined) {
    return {
        onEvent: events.add,
        onOutput: log ? (out: string) => log.write(redact(out, runner.secrets)) : undefined,
        signal: runner.signal,
        color: "never" as const,
        suppressProgress: true,
        // The Automation API asks `pulumi stack history --show-secrets` for its summary unless told not to.
        showSecrets: false,
    };
}

async function selectStack(runner: ShardRunner, stack: string): Promise<Stack> {
    const ws = await LocalWorkspace.create({ workDir: runner.projectDir, pulumiCommand: runner.pulumiCommand });
    // No `pulumi stack select` (see stacks.ts): the stack exists, and every command names it.
    ws.selectStack = async () => undefined;
    const s = await Stack.select(stack, ws);
    // After an up (and a preview, refresh, destroy) the Automation API starts three more
    // `pulumi` processes for a summary and the outputs (`stack history`, `stack output`
    // twice): a CLI start each, and with a passphrase its key derived again, per shard and
    // run. This command reads neither: its counts come from the events.
    s.outputs = async () => ({});
    s.info = async () => undefined;
    return s;
}

async function runCommand(s: Stack, command: FleetCommand, options: ReturnType<typeof engineOptions>, continueOnError: boolean): Promise<void> {
    if (command === "preview") await s.preview(options);
    else if (command === "up") await s.up({ ...options, continueOnError });
    else if (command === "refresh") await s.refresh(options);
    else await s.destroy({ ...options, continueOnError });
}

/** What a run that threw said, for the shard's failure when the engine's events named none. */
function failureText(e: unknown, signal: AbortSignal): string {
    if (signal.aborted) return "error: cancelled: SIGTERM, passed on to Pulumi as its Ctrl-C";
    if (e instanceof CliError) return `error: ${e.message}`;
    if (e instanceof CommandError) return e.message;
    return `error: ${(e as Error).message}`;
}

/** One shard's run, after `prepare` (its stack made and its configuration the base's), as a row of the table. */
export async function runShard(runner: ShardRunner, stack: string, command: FleetCommand, prepare?: () => Promise<unknown>): Promise<ShardResult> {
    const started = Date.now();
    const events = new ShardEvents(command);
    const log = runner.logDir ? fs.createWriteStream(path.join(runner.logDir, `${stack}.${command}.log`)) : undefined;
    try {
        await prepare?.();
        const s = await selectStack(runner, stack);
        await runCommand(s, command, engineOptions(runner, events, log), runner.continueOnError);
    } catch (e) {
        events.failedRun(failureText(e, runner.signal));
    } finally {
        await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
    }
    const counts = events.counts();
    return { stack, status: "ran", seconds: (Date.now() - started) / 1000, ...counts, changes: anyChange(counts) };
}
