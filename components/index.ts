// The package's entry and its Pulumi side. The files at the top of components/ run in the Pulumi
// program: the three components here (what a program declares), what a target should hold
// (desired.ts, sign-in.ts), a target as any language passes it (target-args.ts), each target's state
// (target-state.ts): the read-only probe that finds drift while the program runs (probe.ts,
// call-runner.ts) and one @pulumi/command resource that changes it (target-command.ts); the fleet
// program's stack configuration (stack-config.ts). The folders below are the rest, each saying what it is in
// its index.ts: core/ (the pure TOML entry), shared/, protocol/ (what both sides agree on), feeder/
// (the controller side of the runner bundle), runner/ (the target side), bundle/ (its entry),
// inventory/. Arrows point down; tests/unit/layout.test.ts fails when one points up, or when
// anything but this level imports Pulumi. See docs/architecture.md.
import * as pulumi from "@pulumi/pulumi";
import { ConnectAiAuth, emailProblem, patProblem, urlProblem } from "./core/inputs";
import { codexDesired, CodexArgs, Desired, desiredOf } from "./desired";
import { shortTraces } from "./short-trace";
import { signInDesired } from "./sign-in";
import { TargetArgs, validTarget } from "./target-args";
import { TargetOutputs, targetState } from "./target-state";
import { ComponentName, FORMER_TOKENS, TOKENS } from "./tokens";

export type { Target, SshHop } from "./protocol/target";
export type { TargetArgs, SshHopArgs } from "./target-args";
export { TargetKind, ExecPreset } from "./target-args";
export type { McpEntry } from "./core/config-entry";
export { DEFAULT_CODEX_VERSION } from "./shared/versions";
export { plainPromiseTraces } from "./short-trace";
export type { CodexArgs } from "./desired";
export type { TargetOutputs } from "./target-state";

export const CONNECT_AI_URL = "https://mcp.cloud.cdata.com/mcp";
export const CONNECT_AI_NAME = "connectai";

/** A component's options with its former type token as an alias (tokens.ts): stored stacks rename, nothing is replaced. */
function formerToken(component: ComponentName, opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions {
    return { ...opts, aliases: [...(opts?.aliases ?? []), { type: FORMER_TOKENS[component] }] };
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

/** How an entry is managed on its target: checked, owned, handed over, judged ready. Both entry components take these. */
export interface EntryManagementArgs {
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

export interface CodexMcpServerArgs extends EntryManagementArgs {
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
        .apply(desiredOf);
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

export interface ConnectAiCodexArgs extends EntryManagementArgs {
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
