// What the fleet command prints: a line as each shard finishes, then one table, every failure by
// shard and target, and the changes when none were expected; and the exit code. Pure. Every line
// goes through mask(): the stack's secret values, credential shapes (shared/redact.ts) and control
// characters (printable) never reach the terminal, whatever a target or the engine said.
import { redact } from "../components/shared/redact";
import { printable } from "../components/shared/untrusted";
import type { FleetCommand } from "./args";
import type { ShardCounts } from "./events";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_CHANGES = 3;

export interface ShardResult extends ShardCounts {
    stack: string;
    /** A stack of an earlier, larger --shards, destroyed by this up: a row of its own, in no total. */
    leftOver?: boolean;
    /** ran: the engine ran (and may have failed); absent: destroy or refresh found no stack; skipped: not started (interrupted). */
    status: "ran" | "absent" | "skipped";
    seconds: number;
    /** Whether anything changed or would change (any resource, from the engine's summary too). */
    changes: boolean;
}

/** The row of a shard not started (interrupted); an absent shard's row is this one, status absent. */
export const skipped = (stack: string): ShardResult => ({
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

/** A line for the terminal: secrets out, control characters escaped. */
export function mask(text: string, secrets: readonly string[] = []): string {
    return printable(redact(text, [...secrets]));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `[ 3/16] fleet-shard-2 up: 62 targets, 1 changed, 0 drifted, 0 failed (41 s)` */
export function progressLine(done: number, total: number, command: FleetCommand | string, r: ShardResult): string {
    const counter = `[${String(done).padStart(String(total).length)}/${total}]`;
    if (r.status === "absent") return `${counter} ${r.stack} ${command}: no such stack, nothing to do`;
    if (r.status === "skipped") return `${counter} ${r.stack} ${command}: not run (interrupted)`;
    const stackFailure = r.failures.find((f) => f.target === undefined);
    const failedTargets = r.failures.filter((f) => f.target !== undefined).length;
    const line = `${counter} ${r.stack} ${command}: ${plural(r.targets.length, "target")}, ${r.changed.length} changed, ${r.drifted.length} drifted, ${failedTargets} failed`;
    return `${line}${stackFailure ? `; the stack failed: ${stackFailure.reason}` : ""} (${Math.round(r.seconds)} s)`;
}

/** Columns padded to their widest cell; numbers right-aligned. */
function table(rows: string[][], numeric: boolean[]): string[] {
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    return rows.map((r) =>
        r
            .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
            .join("  ")
            .trimEnd(),
    );
}

export interface Summary {
    command: FleetCommand;
    results: ShardResult[];
    /** Wall time of the whole run. */
    seconds: number;
    expectNoChanges: boolean;
    /** Lines about shard stacks of an earlier, larger count (destroyed, or kept and why). */
    leftOver: string[];
    /** A left-over shard stack could not be destroyed or removed. */
    leftOverFailed: boolean;
    interrupted: boolean;
}

const COLUMNS = ["stack", "targets", "changed", "drifted", "failed", "not ready", "seconds"];
const NUMERIC = [false, true, true, true, true, true, true];

/** A shard's row: its counts, or why it has none. */
function shardRow(r: ShardResult): string[] {
    if (r.status !== "ran") return [r.stack, "-", "-", "-", "-", "-", r.status === "absent" ? "no stack" : "not run"];
    return [
        r.leftOver ? `${r.stack} (left over: destroyed)` : r.stack,
        String(r.targets.length),
        String(r.changed.length),
        String(r.drifted.length),
        String(r.failures.length),
        String(r.notReady.length),
        String(Math.round(r.seconds)),
    ];
}

/** The sums over the current shards (a left-over stack's targets are in a current shard too), and the wall time. */
function totalRow(current: readonly ShardResult[], seconds: number): string[] {
    const total = (f: (r: ShardResult) => number) => String(current.reduce((n, r) => n + f(r), 0));
    return [
        "total",
        total((r) => r.targets.length),
        total((r) => r.changed.length),
        total((r) => r.drifted.length),
        total((r) => r.failures.length),
        total((r) => r.notReady.length),
        `${Math.round(seconds)} (wall)`,
    ];
}

/** Every failure by shard and target. */
function failureLines(ran: readonly ShardResult[]): string[] {
    const failures = ran.flatMap((r) => r.failures.map((f) => ({ stack: r.stack, ...f })));
    if (!failures.length) return [];
    const out = ["", `failed (${failures.length}):`];
    // The same stack-level reason on every shard (a configuration the program refuses) is said once.
    const stackLevel = failures.filter((f) => f.target === undefined);
    const everywhere = stackLevel.length === ran.length && ran.length > 1 && new Set(stackLevel.map((f) => f.reason)).size === 1;
    if (everywhere) out.push(`  every shard: ${stackLevel[0].reason}`);
    for (const f of failures) if (f.target !== undefined || !everywhere) out.push(`  ${f.stack}  ${f.target ?? "(the stack)"}: ${f.reason}`);
    return out;
}

/** With --expect-no-changes: each changed shard's targets, the drifted ones marked. */
function unexpectedChangeLines(changedShards: readonly ShardResult[]): string[] {
    const out = ["", `changes where none were expected (${plural(changedShards.length, "shard")}):`];
    for (const r of changedShards) {
        const drifted = new Set(r.drifted);
        const names = [...new Set([...r.changed, ...r.drifted])].sort().map((t) => (drifted.has(t) ? `${t} (drifted)` : t));
        out.push(`  ${r.stack}: ${names.length ? names.join(", ") : "a change outside the targets (see its preview)"}`);
    }
    return out;
}

function driftLines(command: FleetCommand, ran: readonly ShardResult[]): string[] {
    const drifted = ran.filter((r) => r.drifted.length);
    if (!drifted.length) return [];
    return [
        "",
        command === "up" ? "drifted, repaired by this up unless it failed:" : "drifted (pulumi up repairs it):",
        ...drifted.map((r) => `  ${r.stack}: ${r.drifted.join(", ")}`),
    ];
}

/** The table, the failures, the changes (when none were expected), the left-over stacks and the verdict. */
export function summaryLines(s: Summary): string[] {
    const ran = s.results.filter((r) => r.status === "ran");
    const rows = [
        COLUMNS,
        ...s.results.map(shardRow),
        totalRow(
            ran.filter((r) => !r.leftOver),
            s.seconds,
        ),
    ];
    const changedShards = ran.filter((r) => r.changes);
    return [
        "",
        ...table(rows, NUMERIC),
        ...failureLines(ran),
        ...(s.expectNoChanges && changedShards.length ? unexpectedChangeLines(changedShards) : driftLines(s.command, ran)),
        ...(s.leftOver.length ? ["", ...s.leftOver] : []),
        ...(s.interrupted ? ["", "interrupted: the shards marked 'not run' did not start; run the command again"] : []),
        "",
        verdict(s),
    ];
}

export function exitCode(s: Pick<Summary, "results" | "expectNoChanges" | "interrupted" | "leftOverFailed">): number {
    const ran = s.results.filter((r) => r.status === "ran");
    if (s.interrupted || s.leftOverFailed || ran.some((r) => r.failures.length)) return EXIT_FAILED;
    if (s.expectNoChanges && ran.some((r) => r.changes)) return EXIT_CHANGES;
    return EXIT_OK;
}

function verdict(s: Summary): string {
    const ran = s.results.filter((r) => r.status === "ran" && !r.leftOver);
    const failed = ran.filter((r) => r.failures.length).length;
    const changed = ran.filter((r) => r.changes).length;
    const of = `${plural(ran.length, "shard")}`;
    if (failed) return `fleet ${s.command}: ${failed} of ${of} failed (exit ${EXIT_FAILED})`;
    if (s.interrupted) return `fleet ${s.command}: interrupted (exit ${EXIT_FAILED})`;
    if (s.leftOverFailed) return `fleet ${s.command}: done on ${of}, but a left-over shard stack is still there (exit ${EXIT_FAILED})`;
    if (s.expectNoChanges && changed) return `fleet ${s.command}: changes in ${changed} of ${of}, none expected (exit ${EXIT_CHANGES})`;
    return `fleet ${s.command}: done on ${of}`;
}
