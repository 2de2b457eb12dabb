// What one target should hold, from a component's arguments: the entry, Codex, the sign-in. It
// travels to the target on stdin only (target-command.ts), and keyed in the probe (probe.ts).
import * as pulumi from "@pulumi/pulumi";
import { McpEntry } from "./core/config-entry";
import type { SignInRequest } from "./protocol/types";
import { DEFAULT_CODEX_VERSION } from "./shared/versions";

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

export function codexDesired(codex: CodexArgs | undefined): pulumi.Output<Desired["codex"]> {
    return pulumi.output({ version: codex?.version ?? DEFAULT_CODEX_VERSION, uninstall: codex?.uninstallOnDestroy ?? false });
}

/** A CodexMcpServer's arguments, resolved: what desiredOf makes the Desired of. */
export interface ServerValues {
    serverName?: string;
    url: string;
    startup?: number;
    tool?: number;
    enabled?: boolean;
    headers?: Record<string, string>;
    bearer?: string;
    envHeaders?: Record<string, string>;
    verify?: boolean;
    takeOver?: boolean;
    fleet?: string;
    shard?: string;
    allowOverrides?: boolean;
    live?: boolean;
    codex?: Desired["codex"];
    signIn?: SignInRequest;
}

/** The [mcp_servers.NAME] table as Codex reads it: only the fields given, empty header tables left out. */
export function entryOf(v: ServerValues): McpEntry {
    const entry: McpEntry = { url: v.url };
    if (v.startup !== undefined) entry.startup_timeout_sec = v.startup;
    if (v.tool !== undefined) entry.tool_timeout_sec = v.tool;
    if (v.enabled !== undefined) entry.enabled = v.enabled;
    if (v.bearer) entry.bearer_token_env_var = v.bearer;
    if (v.headers && Object.keys(v.headers).length) entry.http_headers = v.headers;
    if (v.envHeaders && Object.keys(v.envHeaders).length) entry.env_http_headers = v.envHeaders;
    return entry;
}

/** One entry's Desired: the optional flags only when set, so that a stored request stays as it was. */
export function desiredOf(v: ServerValues): Desired {
    return {
        name: v.serverName,
        entry: entryOf(v),
        codex: v.codex,
        verify: v.verify,
        ...(v.takeOver ? { takeOver: v.takeOver } : {}),
        ...(v.fleet ? { fleet: v.fleet } : {}),
        ...(v.fleet && v.shard !== undefined ? { shard: v.shard } : {}),
        ...(v.allowOverrides ? { allowCodexOverrides: true } : {}),
        ...(v.live ? { liveCheck: true } : {}),
        ...(v.signIn ? { signIn: v.signIn } : {}),
    };
}
