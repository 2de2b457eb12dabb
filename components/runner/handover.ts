// Whether an ensure may take an entry over from the manager the target's ownership record names.
// Pure: the runner asks it under the target's lock.
//
// A host that moves between the shards of one fleet (a new shard count, a group change in the
// inventory), or from the fleet's one unsharded stack to its shards, is handed over: the shard that
// has it now takes it from the stack that had it, and that stack's remove then leaves it alone (the
// record names another manager). Only a sharded stack takes a host from another stack, so an
// unsharded stack never takes its hosts back from the shards, and two stacks that claim one shard
// are refused rather than left to take turns.

/** What an ensure says of itself, and what the record keeps of the entry's manager. */
export interface Manager {
    /** "pulumi:PROJECT/STACK/NAME" for a stack's resource, "codex-mcp" for the command line. */
    managedBy?: string;
    /** The fleet the manager provisions (the fleet program: its inventory's path, or "targets"). */
    fleet?: string;
    /** The manager's shard of that fleet, as its stack config writes it. */
    shard?: string;
}

export type Handover = { take: false } | { take: true; from?: string } | { refused: string };

/** "pulumi:PROJECT/STACK/NAME" in parts; undefined for any other manager. */
function stackResource(managedBy: string): { project: string; stack: string; name: string } | undefined {
    const m = /^pulumi:([^/]+)\/(.+)\/([^/]+)$/.exec(managedBy);
    return m ? { project: m[1], stack: m[2], name: m[3] } : undefined;
}

/**
 * Another stack of the same project, for the same target: of the same fleet, or unsharded (an
 * unsharded stack's record names no fleet; its hosts are the ones a fleet's first shards take).
 */
function sibling(want: Manager, had: Manager): boolean {
    if (!sameTarget(want, had)) return false;
    return had.fleet === undefined ? had.shard === undefined : had.fleet === want.fleet;
}

/** Two stacks of one project, for the target of the same name. */
function sameTarget(want: Manager, had: Manager): boolean {
    const [w, h] = [stackResource(want.managedBy!), stackResource(had.managedBy!)];
    return w !== undefined && h !== undefined && w.project === h.project && w.name === h.name;
}

/**
 * { take: false }: the entry is this manager's (or nobody's); { take: true }: it changes hands
 * (from: the manager it was taken from); { refused }: why it may not.
 */
export function handover(want: Manager & { takeOver?: boolean }, had: Manager | undefined, where: string): Handover {
    if (!had?.managedBy || !want.managedBy || had.managedBy === want.managedBy) return { take: false };
    if (want.takeOver) return { take: true, from: had.managedBy };
    if (want.shard !== undefined && sibling(want, had)) {
        if (had.shard === want.shard) {
            return {
                refused: `${where} is managed by ${had.managedBy}, which is also shard ${want.shard} of the fleet ${want.fleet}: two stacks cannot hold one shard; give one of them another shard`,
            };
        }
        return { take: true, from: had.managedBy };
    }
    const why =
        had.shard !== undefined && want.shard === undefined && sameTarget(want, had)
            ? ` (shard ${had.shard} of this fleet; an unsharded stack does not take hosts from its shards)`
            : "";
    return {
        refused: `${where} is managed by ${had.managedBy}${why}; set takeOver: true (codex-mcp --take-over) to take it over, or give this one another name`,
    };
}
