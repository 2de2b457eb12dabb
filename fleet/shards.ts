// Which shard stacks a run touches, and what each one's `shard` key says. Pure.
import type { FleetCommand } from "./args";

export const shardStack = (base: string, i: number) => `${base}-shard-${i}`;

/** The shard index of `<base>-shard-<i>`, or undefined for any other stack. */
export function shardIndex(base: string, stack: string): number | undefined {
    const prefix = `${base}-shard-`;
    if (!stack.startsWith(prefix)) return undefined;
    const rest = stack.slice(prefix.length);
    return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/**
 * The shard key of shard i of n. A base stack that limits the fleet to one inventory group
 * (`shard: group:NAME`) gets that group split n ways (`group:NAME i/n`).
 */
export function shardValue(i: number, n: number, baseShard?: string): string {
    const group = baseShard?.trim();
    return group ? `${group} ${i}/${n}` : `${i}/${n}`;
}

/** A base stack's own `shard` value that this command can split, or the problem with it. */
export function baseShardProblem(base: string, value: string | undefined): string | undefined {
    const v = value?.trim();
    if (!v) return undefined;
    if (/^group:[^\s/]+$/.test(v)) return undefined;
    return `the base stack ${base} sets shard ${JSON.stringify(v)}: the base is the template of every shard, not one of them; keep only a group (shard group:NAME) or remove it (STACK=${base} npm run pulumi -- config rm shard)`;
}

export interface ShardPlan {
    /** The shards this run runs, in order. */
    run: number[];
    /** Shard stacks of an earlier, larger count (index >= n): destroyed after an up that succeeded on every shard. */
    leftOver: number[];
    /** destroy: shards of the count given that have no stack (nothing to destroy). */
    absent: number[];
}

/**
 * What a command does with the shard stacks there are. preview, refresh and up run shards 0..n-1
 * (creating the missing stacks; refresh skips them, having nothing to read); destroy runs every
 * existing shard stack: those below n and those an earlier larger count left.
 */
export function planShards(command: FleetCommand, n: number | undefined, existing: readonly number[]): ShardPlan {
    const have = new Set(existing);
    const count = n ?? (existing.length ? Math.max(...existing) + 1 : 0);
    const below = Array.from({ length: count }, (_, i) => i);
    const leftOver = [...have].filter((i) => i >= count).sort((a, b) => a - b);
    if (command === "destroy")
        return { run: [...below.filter((i) => have.has(i)), ...leftOver], leftOver, absent: n === undefined ? [] : below.filter((i) => !have.has(i)) };
    if (command === "refresh") return { run: below.filter((i) => have.has(i)), leftOver, absent: below.filter((i) => !have.has(i)) };
    return { run: below, leftOver, absent: [] };
}
