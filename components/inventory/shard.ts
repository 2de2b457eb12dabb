// Which of a fleet's targets one stack manages: the stack config's `shard`. Pure.
//
//   shard: "3/16"          the targets whose hash falls in shard 3 of 16 (0-based)
//   shard: "group:web"     the targets in the inventory group web (or its children)
//   shard: "group:web 1/4" both: the second quarter of group web
//
// The hash is Lamping and Veach's jump consistent hash of the target's name (its first 8 bytes of
// SHA-256 as the key). A target's shard depends on its own name and the count alone, so adding or
// removing a host moves no other host; going from N to N+1 shards moves about 1/(N+1) of the hosts,
// all of them into the new shard.
import { createHash } from "crypto";

export interface ShardSpec {
    /** The spec as written, which the target's ownership record keeps. */
    text: string;
    /** A 0-based index of a count, or none. */
    slice?: { index: number; count: number };
    /** Inventory groups (any one of them); none means all. */
    groups: string[];
}

/** The most shards one fleet is cut into: more than any engine runs side by side. */
export const MAX_SHARDS = 10_000;

/** The spec, or what is wrong with it (a message for `shard: ...`). */
export function parseShard(text: string): ShardSpec | { problem: string } {
    const words = text.trim().split(/\s+/).filter(Boolean);
    if (!words.length) return { problem: 'must be "INDEX/COUNT" (such as 3/16), "group:NAME", or both' };
    const spec: ShardSpec = { text: words.join(" "), groups: [] };
    for (const w of words) {
        const slice = /^(\d+)\/(\d+)$/.exec(w);
        const group = /^group:(.+)$/.exec(w);
        if (slice) {
            if (spec.slice) return { problem: `one INDEX/COUNT at most, got ${JSON.stringify(text)}` };
            const [index, count] = [Number(slice[1]), Number(slice[2])];
            if (count < 1 || count > MAX_SHARDS) return { problem: `the count must be 1 to ${MAX_SHARDS}, got ${count}` };
            if (index >= count) return { problem: `the index counts from 0: shard ${index} of ${count} does not exist (0 to ${count - 1})` };
            spec.slice = { index, count };
        } else if (group) spec.groups.push(group[1]);
        else return { problem: `${JSON.stringify(w)} is neither INDEX/COUNT (such as 3/16) nor group:NAME` };
    }
    return spec;
}

/** Jump consistent hash: the bucket in [0, buckets) of a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
    const MASK = (1n << 64n) - 1n;
    let b = -1;
    let j = 0;
    let k = key & MASK;
    while (j < buckets) {
        b = j;
        k = (k * 2862933555777941757n + 1n) & MASK;
        j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
    }
    return b;
}

/** The shard of `count` a target's name falls in. */
export function shardOf(name: string, count: number): number {
    const key = createHash("sha256").update(name, "utf8").digest().readBigUInt64BE(0);
    return jumpHash(key, count);
}

/** Whether a target (its name, and the inventory groups it is in) is in the shard. */
export function inShard(spec: ShardSpec, name: string, groups: readonly string[]): boolean {
    if (spec.groups.length && !spec.groups.some((g) => groups.includes(g))) return false;
    return !spec.slice || shardOf(name, spec.slice.count) === spec.slice.index;
}

/** Groups the spec names that the inventory does not have: a typo would otherwise select nothing. */
export function unknownGroups(spec: ShardSpec, known: ReadonlySet<string>): string[] {
    return spec.groups.filter((g) => !known.has(g));
}
