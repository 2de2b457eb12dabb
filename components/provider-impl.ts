// The dynamic provider's implementation and the program-side probe: where a runner request meets a
// transport. The engine loads this file (bundled to dist/provider-impl.js, see provider.ts) in its
// dynamic-provider process; the program imports it directly for probes.
import { createHash } from "crypto";
import { launcherInput } from "./runner-bundle";
import type { RunnerRequest, RunnerResult } from "./runner";
import { describeTarget, runLauncher, Target, TransportError } from "./transports";
import type { McpEntry } from "./config-entry";

/** What one target should hold: an entry, Codex, or both. Travels to the target on stdin only. */
export interface Desired {
    name?: string;
    entry?: McpEntry;
    codex?: { version?: string; uninstall?: boolean };
    verify?: boolean;
}

export interface ResourceInputs {
    target: Target;
    desired: Desired;
    driftToken: string;
}

/** What the engine stores as outputs: enough to diff and delete, and a report; never the header. */
export interface ResourceOutputs {
    target: Target;
    name?: string;
    uninstallCodex: boolean;
    desiredHash: string;
    driftToken: string;
    report: Report;
}

export interface Report {
    target: string;
    user: string;
    configPath: string;
    codexVersion?: string;
    codexPath?: string;
    codexOnLoginPath?: boolean;
    codexAction?: string;
    changed: boolean;
    verified?: boolean;
    /** What had drifted from the desired state when this update ran (empty on a first create). */
    repaired: string[];
}

/** Runs one request on one target; a failure names the target and never includes the request. */
export async function callRunner(target: Target, req: RunnerRequest): Promise<RunnerResult> {
    const label = describeTarget(target);
    const full: RunnerRequest = { ...req, codexHome: target.codexHome, user: target.owner };
    const out = await runLauncher(target, launcherInput(JSON.stringify(full)));
    const line = out.stdout.trim().split("\n").pop() ?? "";
    let result: RunnerResult;
    try {
        result = JSON.parse(line);
    } catch {
        const why = (out.stderr.trim() || out.stdout.trim()).split("\n").slice(-3).join(" | ").slice(0, 500);
        throw new TransportError(label, `the runner gave no result (exit ${out.code})${why ? `: ${why}` : ""}`);
    }
    if (!result.ok) throw new TransportError(label, result.error?.message ?? "the runner failed");
    return result;
}

/** A stable hash of the desired state: it stands in for the secret-bearing request in outputs. */
export function hashDesired(d: Desired): string {
    return createHash("sha256").update(stable(d)).digest("hex");
}

function stable(v: unknown): string {
    return JSON.stringify(v, (_k, x) =>
        x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x,
    );
}

/** Fields whose change means another file on another machine: the old one is removed. */
function identity(t: Target, name?: string): string {
    const { kind, codexHome, owner } = t;
    const where = t.kind === "ssh" ? [t.host, t.port ?? 22, t.user] : t.kind === "exec" ? [t.preset, t.container, t.prefix, t.user] : [];
    return stable([kind, codexHome, owner, where, name]);
}

async function ensure(inputs: ResourceInputs, previous?: ResourceOutputs): Promise<ResourceOutputs> {
    const { target, desired, driftToken } = inputs;
    const r = await callRunner(target, { op: "ensure", name: desired.name, entry: desired.entry, codex: desired.codex, verify: desired.verify, token: driftToken });
    return {
        target,
        name: desired.name,
        uninstallCodex: desired.codex?.uninstall === true,
        desiredHash: hashDesired(desired),
        driftToken,
        report: {
            target: describeTarget(target),
            user: r.user,
            configPath: r.configPath,
            codexVersion: r.codex?.version,
            codexPath: r.codex?.path,
            codexOnLoginPath: r.codex?.onLoginPath,
            codexAction: r.codex?.action,
            changed: r.changed,
            verified: r.verified?.ok,
            repaired: previous ? r.drift : [],
        },
    };
}

/**
 * The engine's wire format (protobuf Struct) rejects undefined anywhere in outputs, after the
 * target was already changed: fields that are not known are left out instead.
 */
function wireSafe<T>(v: T): T {
    return JSON.parse(JSON.stringify(v)) as T;
}

export async function create(inputs: ResourceInputs) {
    const outs = wireSafe(await ensure(inputs));
    return { id: `${describeTarget(inputs.target)}#${inputs.desired.name ?? "codex"}`, outs };
}

export async function update(_id: string, olds: ResourceOutputs, news: ResourceInputs) {
    return { outs: wireSafe(await ensure(news, olds)) };
}

export async function diff(_id: string, olds: ResourceOutputs, news: ResourceInputs) {
    const replace = identity(olds.target, olds.name) !== identity(news.target, news.desired.name);
    const changes =
        replace ||
        olds.desiredHash !== hashDesired(news.desired) ||
        olds.driftToken !== news.driftToken ||
        stable(olds.target) !== stable(news.target);
    return { changes, replaces: replace ? ["target"] : [], deleteBeforeReplace: false };
}

export async function remove(_id: string, props: ResourceOutputs) {
    // Codex alone, kept on destroy: nothing on the target is ours to remove.
    if (props.name === undefined && !props.uninstallCodex) return;
    await callRunner(props.target, { op: "remove", name: props.name, codex: props.uninstallCodex ? { uninstall: true } : undefined });
}
