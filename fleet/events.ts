// What one shard's run did to each target, counted from the engine's events (the Automation API's
// onEvent) and the stack's outputs as the fleet program exports them. Pure: events in, counts out.
//
// Only these are read: resource steps (op, URN), error and warning diagnostics with their URN, the
// summary, and the root stack's outputs. Debug diagnostics are never looked at: the engine's own
// debug lines ("RegisterResource RPC finished: ... resp: ...") carry resource inputs in plain text,
// a command's stdin (the Authorization header) included.
import type { EngineEvent, OpMap, OpType } from "@pulumi/pulumi/automation";
import { FORMER_TOKENS, TOKENS } from "../components/tokens";

/** The fleet program's component: one per target, named after it; its command is its child of the same name (its former token in a stack not yet updated). */
const TARGET_TYPES: readonly string[] = [TOKENS.ConnectAiCodex, FORMER_TOKENS.ConnectAiCodex];
const STACK_TYPE = "pulumi:pulumi:Stack";

/** Steps that change something (on a target, or in the state). */
const CHANGES: ReadonlySet<OpType> = new Set<OpType>([
    "create",
    "update",
    "delete",
    "replace",
    "create-replacement",
    "delete-replaced",
    "read-replacement",
    "discard",
    "discard-replaced",
    "remove-pending-replace",
    "import",
    "import-replacement",
]);

/**
 * The target a resource URN belongs to: `urn:pulumi:STACK::PROJECT::TYPE[$CHILD...]::NAME`, where
 * the type chain holds the fleet program's component. Undefined for the stack, the provider and
 * anything else.
 */
export function targetOfUrn(urn: string | undefined): string | undefined {
    if (!urn?.startsWith("urn:pulumi:")) return undefined;
    const parts = urn.split("::");
    if (parts.length < 4) return undefined;
    const types = parts[2].split("$");
    if (!types.some((t) => TARGET_TYPES.includes(t))) return undefined;
    return parts.slice(3).join("::") || undefined;
}

const isStackUrn = (urn: string | undefined) => !!urn && urn.split("::")[2] === STACK_TYPE;

/** The engine's line for a failed run as a whole, said when nothing more precise is. */
const GENERIC = /^(update|preview|refresh|destroy) failed$/;

/**
 * A diagnostic as one line: the engine's `running "COMMAND":` line and the program's
 * `Running program ... failed with an unhandled exception:` go (the target's own line that follows
 * says what went wrong), lines joined with "; " (a space after one ending in ":"), spaces collapsed, at most 300 characters. Not
 * masked: see summary.ts, which masks every line it prints.
 */
export function oneLine(message: string): string {
    const lines = message
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l && !/^(exit status \d+: )?running ".*":$/.test(l) && !/^Running program .* failed with an unhandled exception:$/.test(l))
        .map((l) => l.replace(/^(error|RunError|Error): /, "").replace(/^- /, ""));
    // A line that ends in ":" introduces the next one ("has 1 problem(s); nothing was changed: shard: ...").
    const text = lines.reduce((t, l, i) => (i === 0 ? l : `${t}${/:$/.test(t) ? " " : "; "}${l}`), "").replace(/\s+/g, " ");
    return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

export interface TargetFailure {
    /** The target, or undefined for the shard's stack as a whole (the program, the engine, the stack set-up). */
    target?: string;
    reason: string;
}

export interface ShardCounts {
    /** The shard's targets (a destroy: those it removes). */
    targets: string[];
    /** Targets changed (or to change), removals from the shard included. */
    changed: string[];
    drifted: string[];
    notReady: string[];
    failures: TargetFailure[];
    /** The engine's summary of the steps (changes of any resource, not only targets'). */
    resourceChanges?: OpMap;
}

type TargetOutput = { driftFoundByThisRun?: unknown; ready?: unknown };

export class ShardEvents {
    /** Each target's steps: a target whose only steps are deletes has left the shard (an up, a preview) or is what a destroy removes. */
    private readonly steps = new Map<string, Set<OpType>>();
    private readonly changed = new Set<string>();
    private readonly drifted = new Set<string>();
    private readonly failed = new Map<string, string>();
    private readonly unprobed = new Map<string, string>();
    private readonly stackErrors: string[] = [];
    private outputs: Record<string, unknown> | undefined;
    private resourceChanges: OpMap | undefined;

    private readonly probeFailures: boolean;
    private readonly destroy: boolean;

    /**
     * In a preview (or refresh), a target that could not be probed is a failure: nothing else will
     * fail it. In a destroy, the targets are those it deletes; otherwise those the shard keeps.
     */
    constructor(command: "preview" | "up" | "refresh" | "destroy" = "up") {
        this.probeFailures = command === "preview" || command === "refresh";
        this.destroy = command === "destroy";
    }

    /** The Automation API's onEvent. */
    readonly add = (e: EngineEvent): void => {
        const step = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
        if (step) {
            const target = targetOfUrn(step.urn);
            if (target) {
                if (!this.steps.has(target)) this.steps.set(target, new Set());
                this.steps.get(target)!.add(step.op);
            }
            if (target && e.resOutputsEvent && CHANGES.has(step.op)) this.changed.add(target);
            if (target && e.resOpFailedEvent && !this.failed.has(target)) this.failed.set(target, `its ${step.op} failed`);
            if (e.resOutputsEvent && step.type === STACK_TYPE && step.new?.outputs) this.outputs = step.new.outputs;
        }
        const d = e.diagnosticEvent;
        if (d && (d.severity === "error" || d.severity === "warning")) {
            const target = targetOfUrn(d.urn);
            if (d.severity === "error") {
                if (target) this.failed.set(target, oneLine(d.message));
                else if (!d.urn || isStackUrn(d.urn)) this.stackErrors.push(oneLine(d.message));
            } else if (target) {
                if (/: drifted: /.test(d.message)) this.drifted.add(target);
                const probe = /: could not be probed: ([\s\S]*)$/.exec(d.message);
                if (probe) this.unprobed.set(target, `could not be probed: ${oneLine(probe[1])}`);
            }
        }
        if (e.summaryEvent) this.resourceChanges = e.summaryEvent.resourceChanges;
    };

    /** A run that threw without an error event of its own (the CLI failed before or after the engine): its last `error:` line. */
    failedRun(stderr: string): void {
        if (this.stackErrors.length || this.failed.size) return;
        const errors = stderr.split(/\r?\n/).filter((l) => /^\s*error: /.test(l));
        this.stackErrors.push(oneLine(errors.at(-1) ?? stderr.trim().split(/\r?\n/).at(-1) ?? "failed"));
    }

    /** The counts, with the stack outputs the program exported (`targets.<name>.driftFoundByThisRun`, `ready`). */
    counts(outputs?: Record<string, unknown>): ShardCounts {
        const targets = new Set([...this.steps].filter(([, ops]) => this.destroy || [...ops].some((op) => op !== "delete")).map(([t]) => t));
        const exported = ((outputs ?? this.outputs)?.targets ?? {}) as Record<string, unknown>;
        const notReady: string[] = [];
        for (const [name, value] of Object.entries(exported)) {
            if (!value || typeof value !== "object") continue; // unknown (a failed target's outputs) or not the program's
            const t = value as TargetOutput;
            const drift = Array.isArray(t.driftFoundByThisRun) ? t.driftFoundByThisRun.filter((d) => d !== "unreachable") : [];
            if (drift.length) this.drifted.add(name);
            if (t.ready === false && targets.has(name)) notReady.push(name);
        }
        const failed = new Map(this.failed);
        if (this.probeFailures) for (const [t, why] of this.unprobed) if (!failed.has(t)) failed.set(t, why);
        const failures: TargetFailure[] = [...failed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([target, reason]) => ({ target, reason }));
        // "update failed" says no more than the targets' own errors.
        const stack = this.stackErrors.filter((m) => !(GENERIC.test(m) && (failures.length || this.stackErrors.some((o) => !GENERIC.test(o)))));
        failures.push(...[...new Set(stack)].map((reason) => ({ reason })));
        const sorted = (s: Iterable<string>) => [...s].sort();
        return {
            targets: sorted(targets),
            changed: sorted([...this.changed].filter((t) => !failed.has(t))),
            drifted: sorted(this.drifted),
            notReady: notReady.sort(),
            failures,
            resourceChanges: this.resourceChanges,
        };
    }
}

/** Whether the engine's summary (any resource, not only the targets) says something changed. */
export function anyChange(counts: ShardCounts): boolean {
    if (counts.changed.length) return true;
    return Object.entries(counts.resourceChanges ?? {}).some(([op, n]) => CHANGES.has(op as OpType) && (n ?? 0) > 0);
}
