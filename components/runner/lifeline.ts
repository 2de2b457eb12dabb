// The runner's lifeline on the target: the process that started it (an SSH session, the feeder, a
// root runner acting for an account) and that one's parent. When the controller goes away (its
// engine killed, the connection dropped), the runner may still be busy (an npm install); before each
// write it asks whether anyone is still waiting for its answer, and stops instead of writing what
// no state will record. Linux only (/proc): elsewhere nothing is known, and nothing is refused.
import { procStat as statOf } from "../shared/proc-stat";

interface Link {
    pid: number;
    start: string;
}

let chain: Link[] | undefined;

/** Records who started this runner (called once, first thing). */
export function recordCaller(): void {
    chain = [];
    let pid = process.ppid;
    for (let i = 0; i < 2 && pid > 1; i++) {
        const st = statOf(pid);
        if (!st) break;
        chain.push({ pid, start: st.start });
        pid = st.ppid;
    }
}

/** Whether the process that started this runner, or its parent, has gone (or been replaced by another with its pid). */
export function callerGone(): boolean {
    if (!chain?.length) return false;
    if (process.ppid !== chain[0].pid) return true;
    return chain.some((l, i) => {
        const st = statOf(l.pid);
        return !st || st.start !== l.start || (i + 1 < chain!.length && st.ppid !== chain![i + 1].pid);
    });
}

// Runs "$@" and stops it (TERM, then KILL) when the process $1 is gone: the runner is blocked while
// it waits, so the shell watches for it. (Through /proc, not kill -0: the caller may be another
// account's process, root's, which kill -0 cannot signal and would take for gone.)
const WATCH =
    'w=$1; shift; "$@" & c=$!; while kill -0 "$c" 2>/dev/null; do if [ ! -d "/proc/$w" ]; then kill "$c"; sleep 2; kill -9 "$c" 2>/dev/null; fi; sleep 1; done; wait "$c"';

/** A long command (npm install) as one that ends when the runner's caller does: [command, args]. */
export function guarded(cmd: string, args: string[]): [string, string[]] {
    if (!chain?.length) return [cmd, args];
    return ["/bin/sh", ["-c", WATCH, "codex-mcp-guard", String(chain[0].pid), cmd, ...args]];
}

export class CallerGone extends Error {
    readonly code = "caller-gone";
    constructor(step: string) {
        super(`stopped before ${step}: the run that asked for this is gone (its engine or SSH session ended); the next run does it`);
    }
}

/** Throws before `step` when nobody waits for this runner's answer any more. */
export function checkpoint(step: string): void {
    if (callerGone()) throw new CallerGone(step);
}
