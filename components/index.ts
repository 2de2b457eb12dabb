// The package's entry and its Pulumi side. The files at the top of components/ run in the Pulumi
// program: the three components here (what a program declares), a target as any language passes
// it (target-args.ts), one @pulumi/command resource per target that changes it (target-command.ts),
// the read-only probe that finds drift while the program runs (call-runner.ts), the fleet program's
// stack configuration (stack-config.ts). The folders below are the rest, each saying what it is in
// its index.ts: core/ (the pure TOML entry), shared/, protocol/ (what both sides agree on), feeder/
// (the controller side of the runner bundle), runner/ (the target side), bundle/ (its entry),
// inventory/. Arrows point down; tests/unit/layout.test.ts fails when one points up, or when
// anything but this level imports Pulumi. See docs/architecture.md.
import * as pulumi from "@pulumi/pulumi";
import { createHash, randomBytes } from "crypto";
import { callRunner } from "./call-runner";
import { keyedHeader, McpEntry } from "./core/config-entry";
import { argSecrets, redact } from "./shared/redact";
import { emailProblem, patProblem, urlProblem } from "./core/inputs";
import { describeTarget, Target } from "./protocol/target";
import { checkTarget, TargetArgs, ValidTarget, validTarget } from "./target-args";
import { shortTraces } from "./short-trace";
import { identity, targetCommand } from "./target-command";
import { DEFAULT_CODEX_VERSION } from "./shared/versions";
import { printable, printableDeep } from "./shared/untrusted";
import type { Readiness, RunnerRequest, RunnerResult, SignInRequest, SignInState } from "./protocol/types";
import { ConnectAiAuth } from "./core/inputs";
import { ComponentName, FORMER_TOKENS, TOKENS } from "./tokens";

export type { Target, SshHop } from "./protocol/target";
export type { TargetArgs, SshHopArgs } from "./target-args";
export { TargetKind, ExecPreset } from "./target-args";
export type { McpEntry } from "./core/config-entry";
export { DEFAULT_CODEX_VERSION } from "./shared/versions";

export const CONNECT_AI_URL = "https://mcp.cloud.cdata.com/mcp";
export const CONNECT_AI_NAME = "connectai";

/** Codex at a version on a target. */
export interface CodexArgs {
    /** A version such as "0.169.0", or "latest". Default: the version this package is tested with. */
    version?: pulumi.Input<string>;
    /** On destroy, uninstall Codex too, but only where this tool installed it. Default false. */
    uninstallOnDestroy?: pulumi.Input<boolean>;
    /**
     * Sign Codex in with this OpenAI API key (`codex login --with-api-key`, the key on stdin). Kept as
     * a secret whatever the caller passes. Destroy signs out only what this stack signed in.
     */
    openaiApiKey?: pulumi.Input<string>;
    /** Sign Codex in with this ChatGPT access token (`codex login --with-access-token`). Kept as a secret. */
    codexAccessToken?: pulumi.Input<string>;
    /** Replace a sign-in this stack did not make (a person's ChatGPT login, another key). Default false: it is kept. */
    replaceExistingSignIn?: pulumi.Input<boolean>;
}

export interface TargetOutputs {
    /** config.toml on the target. */
    configPath: pulumi.Output<string>;
    codexVersion: pulumi.Output<string | undefined>;
    codexPath: pulumi.Output<string | undefined>;
    /** What had drifted when the last update ran (empty when the update was not a repair). */
    repaired: pulumi.Output<string[]>;
    /** What the read-only probe found drifted while this program ran (repaired by `pulumi up`). */
    drift: pulumi.Output<string[]>;
    /** Codex's sign-in on the target, in words ("API key, signed in by this stack"; "not signed in: ..."). */
    signIn: pulumi.Output<string | undefined>;
    /** Codex's own verdict: ready to use here (signed in, the entry used as written, the server reachable, logged in to it). */
    ready: pulumi.Output<boolean | undefined>;
    /** Why not, in words a person acts on; empty when ready. */
    notReadyBecause: pulumi.Output<string[]>;
}

/** What one target should hold: an entry, Codex, or both. Travels to the target on stdin only. */
export interface Desired {
    name?: string;
    entry?: McpEntry;
    codex?: { version?: string; uninstall?: boolean };
    /** A secret inside the desired state: it reaches the target on stdin only, and the probe only keyed. */
    signIn?: SignInRequest;
    allowCodexOverrides?: boolean;
    liveCheck?: boolean;
    verify?: boolean;
    takeOver?: boolean;
    fleet?: string;
    shard?: string;
}

interface Probe {
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
const manager = (name: string) => `pulumi:${pulumi.getProject()}/${pulumi.getStack()}/${name}`;

const METHOD: Record<string, string> = { "api-key": "with an API key", "access-token": "with an access token", chatgpt: "with ChatGPT", other: "" };
const describeMethod = (s: SignInState) => METHOD[s.method ?? "other"] ?? "";

/** Codex's sign-in in words, from the last update's report. */
function describeSignIn(s: SignInState | undefined): string | undefined {
    if (!s) return undefined;
    const how = describeMethod(s);
    const unsure = s.status === "unknown" ? `; Codex could not confirm it: ${s.problem ?? "no answer"}` : "";
    if (s.status === "signed-out") return "not signed in: run `codex login --device-auth` on the target, or give the stack openaiApiKey or codexAccessToken";
    if (s.by === "this-stack") return `signed in ${how} by this stack${unsure}`;
    if (s.by === "before") return `signed in ${how}, the stack's credential, there before it (destroy leaves it)${unsure}`;
    if (s.by === "someone-else") return `signed in ${how} by someone else, kept (replaceExistingSignIn replaces it)${unsure}`;
    return `signed in ${how}${unsure}`.replace(/ +(;|$)/, "$1");
}

/** A component's options with its former type token as an alias (tokens.ts): stored stacks rename, nothing is replaced. */
function formerToken(component: ComponentName, opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions {
    return { ...opts, aliases: [...(opts?.aliases ?? []), { type: FORMER_TOKENS[component] }] };
}

function probe(name: string, target: pulumi.Output<Target>, desired: pulumi.Output<Desired>, parent: pulumi.Resource): pulumi.Output<Probe> {
    const result = pulumi.all([target, desired]).apply(async ([t, d]): Promise<Probe> => {
        const label = describeTarget(t);
        try {
            const r = await callRunner(t, {
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
            });
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
        } catch (e) {
            // Leave the other targets alone: this one gets an update that fails, naming it. The
            // message (what the target printed) goes to the output, masked, and never into the drift
            // token (the state keeps it in plain text).
            const message = printable(redact((e as Error).message, t.kind === "exec" ? argSecrets(t.prefix ?? []) : []));
            await pulumi.log.warn(`${label}: could not be probed: ${message}`, parent);
            return { token: driftToken("unreachable", ["unreachable"]), drift: ["unreachable"] };
        }
    });
    // Field names and non-secret values only (see driftToken).
    return pulumi.unsecret(result);
}

function targetState(
    parent: pulumi.ComponentResource,
    name: string,
    target: ValidTarget,
    desired: pulumi.Output<Desired>,
    aliases?: pulumi.Alias[],
): TargetOutputs {
    checkTarget(target);
    if (target.kind === "ssh" && target.insecureSkipHostKeyCheck)
        pulumi.log.warn(`${describeTarget(target as Target)}: insecureSkipHostKeyCheck: the host is not verified`, parent);
    const resolved = pulumi.output(target) as pulumi.Output<Target>;
    const p = probe(name, resolved, desired, parent);
    // Names and paths only: never secret. (A trigger that is secret in one run and not in the next
    // is a change, and a change of triggers is a replace: create the new, delete the old.)
    const id = pulumi.unsecret(desired.apply((d) => identity(target, d.name)));
    // The drift token is not in the request: the command line carries it (target-command.ts).
    const request = pulumi.all([desired, id]).apply(([d, claim]): RunnerRequest => ({
        op: "ensure",
        name: d.name,
        entry: d.entry,
        codex: d.codex,
        verify: d.verify,
        // A stored stack may hold an SSH target's command as a remote.Command, which the engine
        // replaces by a local.Command (create the new, then delete the old): the old one's remove must
        // see another claim than the new one's, or it would delete the entry the new one has just written.
        claim: target.kind === "ssh" ? `${claim} (local.Command)` : claim,
        managedBy: manager(name),
        ...(d.signIn ? { signIn: d.signIn } : {}),
        ...(d.allowCodexOverrides ? { allowCodexOverrides: true } : {}),
        ...(d.liveCheck ? { liveCheck: true } : {}),
        takeOver: d.takeOver,
        ...(d.fleet ? { fleet: d.fleet } : {}),
        ...(d.shard !== undefined ? { shard: d.shard } : {}),
        codexHome: target.codexHome,
        user: target.owner,
        label: describeTarget(target as Target),
        compact: true,
    }));
    const stdout = targetCommand(name, { target, request, token: p.token, identity: id }, parent, aliases);
    // The result line names paths, versions and field names: never a header value (runner/operations.ts).
    const report = pulumi.unsecret(stdout.apply(lastAnswer));
    report.apply(
        (r) =>
            r.adopted &&
            pulumi.log.info(
                `${describeTarget(target as Target)}: the entry that was already in ${r.configPath} is saved on the target; destroy puts it back`,
                parent,
            ),
    );
    return {
        configPath: report.apply((r) => r.configPath),
        codexVersion: report.apply((r) => r.codex?.version),
        codexPath: report.apply((r) => r.codex?.path),
        repaired: report.apply((r) => r.repaired ?? []),
        drift: p.drift,
        signIn: report.apply((r) => describeSignIn(r.signIn)),
        // In sync, nothing runs: the probe's verdict is the current one; else the update's, after it.
        ready: pulumi.all([p, report]).apply(([probed, r]) => (probed.inSync ? probed.ready : r.ready)?.ready),
        notReadyBecause: pulumi.all([p, report]).apply(([probed, r]) => (probed.inSync ? probed.ready : r.ready)?.reasons ?? []),
    };
}

/**
 * The answer the command printed, as the state keeps it. Never throws: a stored state may hold
 * whatever a target printed (a login banner glued to the line), and one target's
 * unreadable output must not stop the program for all the others; its outputs are then unknown
 * until its next update.
 */
function lastAnswer(stdout: string | undefined): RunnerResult {
    const lines = (stdout ?? "").trim().split("\n");
    for (let i = lines.length - 1; i >= Math.max(0, lines.length - 3); i--) {
        try {
            const r = JSON.parse(lines[i]);
            if (r && typeof r === "object" && !Array.isArray(r)) return printableDeep(r) as RunnerResult;
        } catch {
            // not this line
        }
    }
    return {} as RunnerResult;
}

function codexDesired(codex: CodexArgs | undefined): pulumi.Output<Desired["codex"]> {
    return pulumi.output({ version: codex?.version ?? DEFAULT_CODEX_VERSION, uninstall: codex?.uninstallOnDestroy ?? false });
}

/** The sign-in a CodexArgs asks for, a secret whatever the caller passed; at most one credential. */
function signInDesired(codex: CodexArgs | undefined, who: string, parent: pulumi.Resource): pulumi.Output<SignInRequest | undefined> {
    if (!codex) return pulumi.output(undefined);
    if (codex.openaiApiKey && codex.codexAccessToken) throw new Error(`${who}: codex: openaiApiKey and codexAccessToken: give one of them`);
    const secret = codex.openaiApiKey ?? codex.codexAccessToken;
    if (!secret) return pulumi.output(undefined);
    const kind = codex.openaiApiKey ? "api-key" : "access-token";
    const field = codex.openaiApiKey ? "openaiApiKey" : "codexAccessToken";
    return pulumi.secret(
        pulumi.all([secret, codex.replaceExistingSignIn]).apply(([value, replace]): SignInRequest => {
            const problem = patProblem(value);
            if (problem) throw new pulumi.ResourceError(`${who}: codex.${field}: ${problem.replace(/\bPAT\b/g, "credential")}`, parent, true);
            return { kind, secret: value, ...(replace ? { replace: true } : {}) };
        }),
    );
}

/**
 * Sets a component's outputs: those of one target's state. (Each component extends
 * ComponentResource itself and declares its outputs, so that the schema inferred from these types,
 * for other Pulumi languages, sees them; a component provider answers with these properties.)
 * Arguments never go to super(): they would be stored in the state, header included. Nor do the
 * outputs go into the component's state: they are all worked out again on every run, from the
 * command's answer (its stdout, in the state already) and the probe; a copy would add to every
 * target's state, and cost a snapshot write whenever the probe's findings change.
 */
function adopt(c: pulumi.ComponentResource, out: TargetOutputs, extra: Record<string, pulumi.Output<unknown>> = {}): void {
    Object.assign(c, out, extra);
    (c as unknown as { registerOutputs(o: pulumi.Inputs): void }).registerOutputs({});
}

/** `CodexCli name`: how errors name a component. */
const who = (type: string, name: string) => `${type} ${name}`;

/** Required args, checked at run time too: programs in other languages get no type check. */
function need(ok: unknown, who: string, field: string, what: string): void {
    if (ok === undefined || ok === null || ok === "") throw new Error(`${who}: ${field}: required (${what})`);
}

/**
 * A typed-in value checked by the rules every entry point shares (core/inputs.ts): at once when the
 * program passed it plainly, else inside its Output, where a secret's value is first known. The
 * error names the component and the field, never the value.
 */
function checked(
    value: pulumi.Input<string>,
    who: string,
    field: string,
    problem: (v: string) => string | undefined,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    if (typeof value === "string" && problem(value)) throw new Error(`${who}: ${field}: ${problem(value)}`);
    return pulumi.output(value).apply((v) => {
        if (problem(v)) throw new pulumi.ResourceError(`${who}: ${field}: ${problem(v)}`, parent, true);
        return v;
    });
}

export interface CodexCliArgs extends CodexArgs {
    /** Where Codex is installed. */
    target: TargetArgs;
}

/** Codex installed on a target at a pinned version (or latest), Node 18+ checked. */
export class CodexCli extends pulumi.ComponentResource {
    /** config.toml on the target. */
    declare readonly configPath: pulumi.Output<string>;
    /** The Codex version found or installed on the target. */
    declare readonly codexVersion: pulumi.Output<string | undefined>;
    /** Where the codex command is on the target. */
    declare readonly codexPath: pulumi.Output<string | undefined>;
    /** What had drifted when the last update ran (empty when the update was not a repair). */
    declare readonly repaired: pulumi.Output<string[]>;
    /** What the read-only probe found drifted while this program ran (repaired by `pulumi up`). */
    declare readonly drift: pulumi.Output<string[]>;
    /** Codex's sign-in on the target, in words; how to sign in when it is not. */
    declare readonly signIn: pulumi.Output<string | undefined>;
    /** Codex's own verdict: ready to use on the target. */
    declare readonly ready: pulumi.Output<boolean | undefined>;
    /** Why not, in words a person acts on; empty when ready. */
    declare readonly notReadyBecause: pulumi.Output<string[]>;

    constructor(name: string, args: CodexCliArgs, opts?: pulumi.ComponentResourceOptions) {
        const restore = shortTraces("caller");
        super(TOKENS.CodexCli, name, {}, formerToken("CodexCli", opts));
        restore();
        const target = validTarget(who("CodexCli", name), args?.target);
        const desired = pulumi
            .all([codexDesired(args), signInDesired(args, who("CodexCli", name), this)])
            .apply(([codex, signIn]): Desired => ({ codex, ...(signIn ? { signIn } : {}) }));
        adopt(this, targetState(this, `${name}-codex`, target, desired));
    }
}

export interface CodexMcpServerArgs {
    /** Where the entry is written. */
    target: TargetArgs;
    /** The server name: [mcp_servers.NAME]. */
    name: pulumi.Input<string>;
    /** The server's streamable HTTP URL. */
    url: pulumi.Input<string>;
    /** startup_timeout_sec: how long Codex waits for the server to start. */
    startupTimeoutSec?: pulumi.Input<number>;
    /** tool_timeout_sec: how long Codex waits for a tool call. */
    toolTimeoutSec?: pulumi.Input<number>;
    /** enabled = false keeps the entry but turns the server off. */
    enabled?: pulumi.Input<boolean>;
    /** Literal headers written to the file. Their values are kept as secrets whatever the caller passes. */
    httpHeaders?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Codex sends Authorization: Bearer $VAR, read at run time. */
    bearerTokenEnvVar?: pulumi.Input<string>;
    /** Header name -> environment variable read at run time. */
    envHttpHeaders?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Also keep Codex installed, in the same session (one resource per target). */
    codex?: CodexArgs;
    /** Check with the real `codex mcp list` after writing (default: when Codex is there). */
    verify?: pulumi.Input<boolean>;
    /**
     * Take the entry over when the target's record says another stack (or codex-mcp) manages it.
     * Without it such an entry is refused, so that two owners never overwrite each other.
     */
    takeOver?: pulumi.Input<boolean>;
    /**
     * The fleet this target belongs to, a name the stacks that divide the fleet share (the fleet
     * program uses its inventory's path). With `shard`, a host that moves from another stack of the
     * same project and fleet (another shard, or the unsharded stack) is handed over, not refused.
     */
    fleet?: pulumi.Input<string>;
    /** This stack's shard of the fleet ("3/16", "group:web"): two stacks holding the same shard are refused. */
    shard?: pulumi.Input<string>;
    /**
     * Accept an entry that Codex will not use as written (disabled by an admin's requirements.toml,
     * a value changed by /etc/codex/config.toml): reported as not ready instead of failing the update.
     */
    allowCodexOverrides?: pulumi.Input<boolean>;
    /**
     * Readiness also tries the entry's literal headers with an MCP initialize to the server, from the
     * target (2xx: accepted; 401/403: refused). Off by default: it reaches out to the server on every run.
     */
    liveCheck?: pulumi.Input<boolean>;
}

/** What one entry on a target should be, from a CodexMcpServer's (or ConnectAiCodex's) arguments. */
function serverDesired(args: Omit<CodexMcpServerArgs, "target">, who: string, parent: pulumi.Resource): pulumi.Output<Desired> {
    return pulumi
        .output({
            serverName: args.name,
            url: args.url,
            startup: args.startupTimeoutSec,
            tool: args.toolTimeoutSec,
            enabled: args.enabled,
            // Header values are credentials: secret whatever the caller passed.
            headers: args.httpHeaders === undefined || args.httpHeaders === null ? undefined : pulumi.secret(args.httpHeaders),
            bearer: args.bearerTokenEnvVar,
            envHeaders: args.envHttpHeaders,
            verify: args.verify,
            takeOver: args.takeOver,
            fleet: args.fleet,
            shard: args.shard,
            allowOverrides: args.allowCodexOverrides,
            live: args.liveCheck,
            codex: args.codex ? codexDesired(args.codex) : undefined,
            signIn: signInDesired(args.codex, who, parent),
        })
        .apply(
            ({
                serverName,
                url,
                startup,
                tool,
                enabled,
                headers,
                bearer,
                envHeaders,
                verify,
                takeOver,
                fleet,
                shard,
                allowOverrides,
                live,
                codex,
                signIn,
            }): Desired => {
                const entry: McpEntry = { url };
                if (startup !== undefined) entry.startup_timeout_sec = startup;
                if (tool !== undefined) entry.tool_timeout_sec = tool;
                if (enabled !== undefined) entry.enabled = enabled;
                if (bearer) entry.bearer_token_env_var = bearer;
                if (headers && Object.keys(headers).length) entry.http_headers = headers as Record<string, string>;
                if (envHeaders && Object.keys(envHeaders).length) entry.env_http_headers = envHeaders as Record<string, string>;
                return {
                    name: serverName,
                    entry,
                    codex,
                    verify,
                    ...(takeOver ? { takeOver } : {}),
                    ...(fleet ? { fleet } : {}),
                    ...(fleet && shard !== undefined ? { shard } : {}),
                    ...(allowOverrides ? { allowCodexOverrides: true } : {}),
                    ...(live ? { liveCheck: true } : {}),
                    ...(signIn ? { signIn } : {}),
                };
            },
        );
}

/** One [mcp_servers.NAME] entry on a target, for any streamable HTTP MCP server. */
export class CodexMcpServer extends pulumi.ComponentResource {
    /** config.toml on the target. */
    declare readonly configPath: pulumi.Output<string>;
    /** The Codex version found or installed on the target (none when Codex is not there). */
    declare readonly codexVersion: pulumi.Output<string | undefined>;
    /** Where the codex command is on the target. */
    declare readonly codexPath: pulumi.Output<string | undefined>;
    /** What had drifted when the last update ran (empty when the update was not a repair). */
    declare readonly repaired: pulumi.Output<string[]>;
    /** What the read-only probe found drifted while this program ran (repaired by `pulumi up`). */
    declare readonly drift: pulumi.Output<string[]>;
    /** Codex's sign-in on the target, in words; how to sign in when it is not. */
    declare readonly signIn: pulumi.Output<string | undefined>;
    /** Codex's own verdict: ready to use on the target. */
    declare readonly ready: pulumi.Output<boolean | undefined>;
    /** Why not, in words a person acts on; empty when ready. */
    declare readonly notReadyBecause: pulumi.Output<string[]>;

    constructor(name: string, args: CodexMcpServerArgs, opts?: pulumi.ComponentResourceOptions) {
        const restore = shortTraces("caller");
        super(TOKENS.CodexMcpServer, name, {}, formerToken("CodexMcpServer", opts));
        restore();
        const me = who("CodexMcpServer", name);
        const target = validTarget(me, args?.target);
        need(args.name, me, "name", "the server name, [mcp_servers.NAME]");
        need(args.url, me, "url", "the server's URL");
        const url = checked(args.url, me, "url", urlProblem, this);
        adopt(this, targetState(this, name, target, serverDesired({ ...args, url }, me, this)));
    }
}

export { ConnectAiAuth };

export interface ConnectAiCodexArgs {
    /** Where Codex and the entry go. */
    target: TargetArgs;
    /** oauth (default): no credential in the file, run `codex mcp login connectai` once. basic: email + PAT. bearer-env, env-headers: the credential comes from the environment Codex runs in. */
    auth?: ConnectAiAuth;
    /** auth "basic": the Connect AI account's email. */
    email?: pulumi.Input<string>;
    /** auth "basic": the Personal Access Token. Kept as a secret whatever the caller passes. */
    pat?: pulumi.Input<string>;
    /** auth "bearer-env": the variable that holds the token at run time. */
    bearerTokenEnvVar?: pulumi.Input<string>;
    /** auth "env-headers": header name -> variable, e.g. { Authorization: "CONNECT_AI_AUTH" }. */
    envHttpHeaders?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** The entry's name, [mcp_servers.NAME] (default connectai). */
    serverName?: pulumi.Input<string>;
    /** Connect AI's MCP URL (default https://mcp.cloud.cdata.com/mcp). */
    url?: pulumi.Input<string>;
    /** startup_timeout_sec (default 30). */
    startupTimeoutSec?: pulumi.Input<number>;
    /** tool_timeout_sec: how long Codex waits for a tool call (default: Codex's own). */
    toolTimeoutSec?: pulumi.Input<number>;
    /** Codex's version and uninstall-on-destroy (Codex is always kept installed). */
    codex?: CodexArgs;
    /** Check with the real `codex mcp list` after writing (default: when Codex is there). */
    verify?: pulumi.Input<boolean>;
    /** Take the entry over when the target's record says another stack (or codex-mcp) manages it; without it such an entry is refused. */
    takeOver?: pulumi.Input<boolean>;
    /** See CodexMcpServerArgs.fleet. */
    fleet?: pulumi.Input<string>;
    /** See CodexMcpServerArgs.shard. */
    shard?: pulumi.Input<string>;
    /** See CodexMcpServerArgs.allowCodexOverrides. */
    allowCodexOverrides?: pulumi.Input<boolean>;
    /** See CodexMcpServerArgs.liveCheck. */
    liveCheck?: pulumi.Input<boolean>;
}

/** Codex plus a CData Connect AI entry, with Connect AI's defaults and its authentication modes. */
export class ConnectAiCodex extends pulumi.ComponentResource {
    /** config.toml on the target. */
    declare readonly configPath: pulumi.Output<string>;
    /** The Codex version found or installed on the target. */
    declare readonly codexVersion: pulumi.Output<string | undefined>;
    /** Where the codex command is on the target. */
    declare readonly codexPath: pulumi.Output<string | undefined>;
    /** What had drifted when the last update ran (empty when the update was not a repair). */
    declare readonly repaired: pulumi.Output<string[]>;
    /** What the read-only probe found drifted while this program ran (repaired by `pulumi up`). */
    declare readonly drift: pulumi.Output<string[]>;
    /** Codex's sign-in on the target, in words; how to sign in when it is not. */
    declare readonly signIn: pulumi.Output<string | undefined>;
    /** Codex's own verdict: ready to use on the target. */
    declare readonly ready: pulumi.Output<boolean | undefined>;
    /** Why not, in words a person acts on; empty when ready. */
    declare readonly notReadyBecause: pulumi.Output<string[]>;
    /** The one command a person runs in OAuth mode; undefined in the other modes. */
    declare readonly loginCommand: pulumi.Output<string | undefined>;

    constructor(name: string, args: ConnectAiCodexArgs, opts?: pulumi.ComponentResourceOptions) {
        const restore = shortTraces("caller");
        super(TOKENS.ConnectAiCodex, name, {}, formerToken("ConnectAiCodex", opts));
        restore();
        const auth = args.auth ?? "oauth";
        const me = who("ConnectAiCodex", name);
        const target = validTarget(me, args?.target);
        if (!Object.values(ConnectAiAuth).includes(auth))
            throw new Error(
                `${me}: auth: must be one of ${Object.values(ConnectAiAuth)
                    .map((a) => `"${a}"`)
                    .join(", ")}, got ${JSON.stringify(auth)}`,
            );
        const serverName = pulumi.output(args.serverName ?? CONNECT_AI_NAME);
        let httpHeaders: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
        if (auth === "basic") {
            if (!args.email || !args.pat) throw new Error(`${me}: auth "basic" needs email and pat`);
            const email = checked(args.email, me, "email", emailProblem, this);
            const pat = checked(args.pat, me, "pat", patProblem, this);
            // Computed inside the secret: the header never exists as a plain Output.
            httpHeaders = pulumi.secret(
                pulumi.all([email, pat]).apply(([email, pat]) => ({ Authorization: "Basic " + Buffer.from(`${email}:${pat}`).toString("base64") })),
            );
        }
        if (auth === "bearer-env" && !args.bearerTokenEnvVar) throw new Error(`${me}: auth "bearer-env" needs bearerTokenEnvVar`);
        if (auth === "env-headers" && !args.envHttpHeaders) throw new Error(`${me}: auth "env-headers" needs envHttpHeaders`);
        const desired = serverDesired(
            {
                name: serverName,
                url: checked(args.url ?? CONNECT_AI_URL, me, "url", urlProblem, this),
                startupTimeoutSec: args.startupTimeoutSec ?? 30,
                toolTimeoutSec: args.toolTimeoutSec,
                httpHeaders,
                bearerTokenEnvVar: auth === "bearer-env" ? args.bearerTokenEnvVar : undefined,
                envHttpHeaders: auth === "env-headers" ? args.envHttpHeaders : undefined,
                codex: args.codex ?? {},
                verify: args.verify,
                takeOver: args.takeOver,
                fleet: args.fleet,
                shard: args.shard,
                allowCodexOverrides: args.allowCodexOverrides,
                liveCheck: args.liveCheck,
            },
            me,
            this,
        );
        // The command is this component's own child, with no CodexMcpServer between: one resource
        // per target. The alias keeps stored stacks whose command is the child of a nested
        // CodexMcpServer (its URN under the former tokens, tokens.ts) from replacing it.
        const before = pulumi.createUrn(name, FORMER_TOKENS.CodexMcpServer, pulumi.createUrn(name, FORMER_TOKENS.ConnectAiCodex, opts?.parent));
        const loginCommand = auth === "oauth" ? pulumi.interpolate`codex mcp login ${serverName}` : pulumi.output(undefined);
        adopt(this, targetState(this, name, target, desired, [{ parent: before }]), { loginCommand });
    }
}
