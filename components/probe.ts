// The read-only probe of one target while the program runs: what has drifted, said in the diff
// through the drift token, and the target's readiness when it is in sync. It sends no header value,
// only keyed ones (PROBE_KEY).
import * as pulumi from "@pulumi/pulumi";
import { createHash, randomBytes } from "crypto";
import { callRunner } from "./call-runner";
import { keyedHeader, McpEntry } from "./core/config-entry";
import type { Desired } from "./desired";
import { describeTarget, Target } from "./protocol/target";
import type { Readiness, RunnerRequest, RunnerResult, SignInRequest } from "./protocol/types";
import { argSecrets, redact } from "./shared/redact";
import { printable } from "./shared/untrusted";
import { describeMethod } from "./sign-in";

export interface Probe {
    /** The drift token: the target's own record's when in sync, else one that says what drifted (shown in the diff). */
    token: string;
    drift: string[];
    /** In sync: no update runs, so the probe's verdict is the current one. */
    inSync?: boolean;
    ready?: Readiness;
}

/** Entry fields whose values are never secret: shown as found, in the drift token and the warning. */
const SHOWN = ["url", "startup_timeout_sec", "tool_timeout_sec", "enabled", "bearer_token_env_var"];

/** Each difference with the value found and, where it is not a secret, the value wanted: `entry.startup_timeout_sec 5 (want 30)`. */
function describeDrift(r: RunnerResult, list: string[] = r.drift, wantCodex?: string): string[] {
    return list.map((d) => {
        const field = d.startsWith("entry.") ? d.slice(6) : undefined;
        const f = field && SHOWN.includes(field) ? r.entry.fields[field] : undefined;
        if (f) return `${d} ${JSON.stringify(f.actual ?? null)} (want ${JSON.stringify(f.desired ?? null)})`;
        if (d === "file-mode" && r.file.mode) return `file-mode ${r.file.mode} (want 0600)`;
        if (d === "manager" && r.heldBy) return `manager ${r.heldBy} (want this stack)`;
        if (d === "codex-version" && r.codex?.version) return `codex-version ${r.codex.version}${wantCodex ? ` (want ${wantCodex})` : ""}`;
        return d;
    });
}

/**
 * The drift token. The target's ownership record keeps the token of the last update; in sync, the
 * probe returns that very token (no diff, no flapping); drifted, a new one names what
 * drifted and is chained from the stored one, which makes the engine plan an update. Names and
 * non-secret values only: no header value, and no hash of one, ever goes into it.
 */
function driftToken(stored: string | undefined, what: string[], kind = "drifted"): string {
    const chain = createHash("sha256")
        .update(`${stored ?? ""}\n${JSON.stringify(what)}`)
        .digest("hex")
        .slice(0, 12);
    return `${kind}: ${what.join(", ")} (${chain})`;
}

/** One key per program run: a probe never sends a header value, only its HMAC under this key. */
const PROBE_KEY = randomBytes(32).toString("hex");

function keyedSignIn(s: SignInRequest | undefined): SignInRequest | undefined {
    return s && { ...s, secret: keyedHeader(PROBE_KEY, s.secret) };
}

function keyedEntry(entry: McpEntry | undefined): McpEntry | undefined {
    if (!entry?.http_headers) return entry;
    return { ...entry, http_headers: Object.fromEntries(Object.entries(entry.http_headers).map(([k, v]) => [k, keyedHeader(PROBE_KEY, v)])) };
}

/** The target's record names its manager: another stack (or codex-mcp) is refused unless it takes over. */
export const manager = (name: string) => `pulumi:${pulumi.getProject()}/${pulumi.getStack()}/${name}`;

/** The probe of one target, as an Output the drift token and the outputs are read from. */
export function probe(name: string, target: pulumi.Output<Target>, desired: pulumi.Output<Desired>, parent: pulumi.Resource): pulumi.Output<Probe> {
    const result = pulumi.all([target, desired]).apply(async ([t, d]): Promise<Probe> => {
        try {
            return await verdict(await callRunner(t, probeRequest(name, d)), d, describeTarget(t), parent);
        } catch (e) {
            // Leave the other targets alone: this one gets an update that fails, naming it. The
            // message (what the target printed) goes to the output, masked, and never into the drift
            // token (the state keeps it in plain text).
            const message = printable(redact((e as Error).message, t.kind === "exec" ? argSecrets(t.prefix ?? []) : []));
            await pulumi.log.warn(`${describeTarget(t)}: could not be probed: ${message}`, parent);
            return { token: driftToken("unreachable", ["unreachable"]), drift: ["unreachable"] };
        }
    });
    // Field names and non-secret values only (see driftToken).
    return pulumi.unsecret(result);
}

/** What the probe asks the target: the desired state with every secret keyed. */
function probeRequest(name: string, d: Desired): RunnerRequest {
    return {
        op: "probe",
        name: d.name,
        entry: keyedEntry(d.entry),
        codex: d.codex,
        signIn: keyedSignIn(d.signIn),
        managedBy: manager(name),
        fleet: d.fleet,
        shard: d.shard,
        headerKey: PROBE_KEY,
        allowCodexOverrides: d.allowCodexOverrides,
        liveCheck: d.liveCheck,
    };
}

/** The target's answer as a drift token, with what is to install, to change or drifted said in the log. */
async function verdict(r: RunnerResult, d: Desired, label: string, parent: pulumi.Resource): Promise<Probe> {
    if (r.signIn?.by === "someone-else")
        await pulumi.log.warn(
            `${label}: Codex is signed in ${describeMethod(r.signIn)} by someone else; kept (replaceExistingSignIn: true replaces it)`,
            parent,
        );
    const changes = r.changes ?? [];
    if (r.drift.length === 0 && changes.length === 0 && r.token) return { token: r.token, drift: [], inSync: true, ready: r.ready };
    const wantCodex = d.codex?.version;
    const what = describeDrift(r, r.drift, wantCodex);
    // No record of this server on the target: nothing was installed there yet (or all of it
    // was removed, record included), so what is missing is to be installed, not drift.
    if (r.token === undefined) {
        if (r.drift.length) await pulumi.log.info(`${label}: to install: ${what.join(", ")}`, parent);
        return { token: driftToken(undefined, what.length ? what : ["not yet recorded"], "to install"), drift: [] };
    }
    // What the program changed is an update like any other, said as such; only the target's own changes are drift.
    const changed = describeDrift(r, changes, wantCodex);
    if (changed.length) await pulumi.log.info(`${label}: to change: ${changed.join(", ")}`, parent);
    if (what.length) await pulumi.log.warn(`${label}: drifted: ${what.join(", ")}; pulumi up repairs it`, parent);
    return { token: driftToken(r.token, [...what, ...changed], what.length ? "drifted" : "to change"), drift: r.drift };
}
