// What the scale benchmark asks of each way of running the job (Pulumi as one stack, Pulumi in S
// shard stacks, Ansible): set up outside the timed phases, run one phase and say what the tool
// itself reports changed (throwing when that is not what the phase must change), and clean up.
import { Usage } from "./common";

export type ScalePhase = "first" | "noop-preview" | "noop-up" | "drift";
export const SCALE_PHASES: ScalePhase[] = ["first", "noop-preview", "noop-up", "drift"];

export interface PhaseRun {
    /** The controller's CPU time (bench/rusage.py), summed over the tool's processes. */
    usage: Usage;
    /** Tool processes started for the phase (one per shard stack, or one). */
    processes: number;
}

export interface ScaleDriver {
    tool: "pulumi" | "ansible";
    /** "Pulumi, one stack", "Pulumi, 10 shards", "Ansible". */
    label: string;
    shards: number;
    /** How the shards run: "cli" (one pulumi CLI per shard stack), "fleet" (npm run fleet), "ansible-playbook". */
    runner: string;
    /** Stacks (or playbooks) at once, and the parallelism of each: their product is the bound. */
    concurrency: number;
    perStack: number;
    /** A fresh deployment (stacks made and configured; nothing for Ansible). Not timed. */
    begin(): Promise<void>;
    /** One timed phase; throws when the tool's own account of the changes is wrong for the phase. */
    phase(phase: ScalePhase): Promise<PhaseRun>;
    /** After a phase: what the tool recorded is right (Pulumi: every target once, Codex found machine-wide). */
    verify(): void;
    /** Pulumi's checkpoint bytes, all stacks together; undefined for Ansible. */
    stateBytes(): number | undefined;
    /** After the phases, even failed ones: the stacks and their files gone. */
    end(): Promise<void>;
}

/** Runs the tasks, at most `limit` at once; resolves with their results in order, rejects with the first error. */
export async function pool<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
    const results: T[] = new Array(tasks.length);
    let next = 0;
    let failed: unknown;
    const worker = async () => {
        while (next < tasks.length && failed === undefined) {
            const i = next++;
            try {
                results[i] = await tasks[i]();
            } catch (e) {
                failed ??= e;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
    if (failed !== undefined) throw failed;
    return results;
}

/** The sum of several processes' usage (wall: the longest). */
export function sumUsage(us: Usage[]): Usage {
    return {
        wall: Math.max(0, ...us.map((u) => u.wall)),
        user: us.reduce((a, u) => a + u.user, 0),
        sys: us.reduce((a, u) => a + u.sys, 0),
        maxrssKb: Math.max(0, ...us.map((u) => u.maxrssKb)),
        lingering: us.reduce((a, u) => a + u.lingering, 0),
    };
}
