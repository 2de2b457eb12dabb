// Shard stacks of an earlier, larger --shards (index >= N): their hosts are in the current shards
// now. An up destroys and removes them only once every current shard's up succeeded (before that,
// their destroy could remove the entry of a host its new shard has not taken over yet); a destroy
// removes them with the rest; a preview or refresh only names them. See docs/fleet-command.md,
// "Fewer shards than before".
import type { FleetCommand } from "./args";
import { runPool } from "./pool";
import type { PulumiCli } from "./stacks";
import { progressLine, ShardResult, skipped } from "./summary";

export interface LeftOverRun {
    cli: PulumiCli;
    /** The current shard count. */
    n: number;
    /** Stacks at a time. */
    limit: number;
    show: (line: string) => void;
    interrupted: () => boolean;
    destroy: (stack: string) => Promise<ShardResult>;
}

export interface LeftOver {
    /** For the summary: what became of them, or why they are kept. */
    lines: string[];
    /** One could not be destroyed or removed. */
    failed: boolean;
    /** The rows of the stacks this up destroyed. */
    results: ShardResult[];
}

const nothing = (lines: string[] = []): LeftOver => ({ lines, failed: false, results: [] });

/** `pulumi stack rm` of a left-over stack whose destroy succeeded. */
async function removeStack(cli: PulumiCli, stack: string): Promise<{ line: string; failed: boolean }> {
    try {
        await cli.run(["stack", "rm", stack, "--yes"]);
        return { line: `${stack}: left over from an earlier --shards: destroyed and removed`, failed: false };
    } catch (e) {
        return { line: `${stack}: destroyed, but not removed: ${(e as Error).message}`, failed: true };
    }
}

async function destroyAfterUp(run: LeftOverRun, names: string[]): Promise<LeftOver> {
    run.show(
        `fleet up: every shard succeeded; destroying ${names.join(", ")}, left by an earlier, larger --shards (their hosts are handed over to the ${run.n} current shards, whose records name them now: the destroy leaves those entries alone)`,
    );
    const destroyed = await runPool(names, run.limit, run.destroy, {
        done: (r, _s, finished) => run.show(progressLine(finished, names.length, "destroy", r)),
        stopped: run.interrupted,
        skip: skipped,
    });
    const out: LeftOver = { lines: [], failed: false, results: destroyed.map((r) => ({ ...r, leftOver: true })) };
    for (const r of destroyed) {
        if (r.status !== "ran" || r.failures.length) {
            out.failed = true;
            out.lines.push(`${r.stack}: left over from an earlier --shards, and its destroy failed: kept; the next up tries again`);
            continue;
        }
        const removed = await removeStack(run.cli, r.stack);
        out.lines.push(removed.line);
        out.failed ||= removed.failed;
    }
    return out;
}

/** A destroy ran on them with the current shards: those it destroyed are removed. */
async function removeDestroyed(cli: PulumiCli, names: string[], results: readonly ShardResult[]): Promise<LeftOver> {
    const out = nothing();
    for (const name of names) {
        const r = results.find((x) => x.stack === name);
        if (!r || r.status !== "ran" || r.failures.length) continue;
        const removed = await removeStack(cli, name);
        out.lines.push(removed.line);
        out.failed ||= removed.failed;
    }
    return out;
}

/** What this command does with the left-over stacks `names`, once the current shards ran (`results`). */
export async function settleLeftOver(run: LeftOverRun, command: FleetCommand, names: string[], results: readonly ShardResult[]): Promise<LeftOver> {
    if (!names.length) return nothing();
    if (command === "destroy") return removeDestroyed(run.cli, names, results);
    if (command !== "up") {
        const not = command === "refresh" ? "refreshed" : "previewed";
        return nothing([
            `${names.join(", ")}: left by an earlier, larger --shards and not ${not}; the next up that succeeds on every shard destroys ${names.length === 1 ? "it" : "them"}`,
        ]);
    }
    const everyShardSucceeded = !run.interrupted() && results.every((r) => r.status !== "ran" || r.failures.length === 0);
    if (everyShardSucceeded) return destroyAfterUp(run, names);
    return nothing([
        `kept ${names.join(", ")} (left by an earlier, larger --shards): destroyed by the next up that succeeds on every shard, once every host is in its current shard`,
    ]);
}
