// What the two sides exchange: the request a controller sends the runner (on its stdin, as JSON,
// inside the sealed envelope for commands) and the result the runner prints. The Pulumi side
// (components/), the feeder and the codex-mcp command build requests and read results; the runner
// (runner/) serves them. Types only: nothing here runs.
import type { McpEntry, Observation } from "../core/config-entry";

export interface RunnerRequest {
    op: "probe" | "ensure" | "remove";
    /** The server name: `[mcp_servers.NAME]`. Absent: the request manages Codex alone. */
    name?: string;
    /** The desired entry (ensure; probe compares against it when given). */
    entry?: McpEntry;
    /** CODEX_HOME on the target; default $CODEX_HOME, else ~/.codex of the target user. */
    codexHome?: string;
    /** When the runner runs as root for another account (docker exec as root): that account. */
    user?: string;
    /** Codex itself: a version ("0.169.0" or "latest") to install, and on remove whether to uninstall. */
    codex?: { version?: string; uninstall?: boolean };
    /** Check with the real `codex mcp list --json` after writing (default: when Codex is there). */
    verify?: boolean;
    /** The drift token the caller last applied (stored in the ownership record; see docs/architecture.md). */
    token?: string;
    /**
     * The managing resource's identity of the target. A remove with another claim than the recorded
     * one leaves the entry alone (the old resource of a replace that points at the same file must
     * not delete what the new one has just written).
     */
    claim?: string;
    /** Who manages the entry ("pulumi:PROJECT/STACK/NAME", "codex-mcp"): another manager is refused unless it takes over. */
    managedBy?: string;
    /** Take the entry over from the manager the target's record names. */
    takeOver?: boolean;
    /** The fleet the manager provisions and its shard of it (runner/handover.ts: sibling shards hand hosts over). */
    fleet?: string;
    shard?: string;
    /** The target as the caller names it in messages ("ssh dev@10.0.0.5:22"). */
    label?: string;
    /**
     * probe: the entry's authentication (http_headers, bearer_token_env_var, env_http_headers) is
     * not compared but reported as found (`auth`): a caller that does not know the credential.
     */
    authAsFound?: boolean;
    /** probe: the entry's header values are keyed with this one-run key (config-entry keyedHeader), never sent as such. */
    headerKey?: string;
    /** Print only what the components report (the command's stdout is kept in every state snapshot). */
    compact?: boolean;
    /** Where else codex may be (root tells the account's runner where it installed it). */
    codexDirs?: string[];
    /** Print the answer between markers carrying this nonce (shared/untrusted.ts), so a login shell's output around it is told apart. */
    frame?: string;
    /** Sign Codex in with this credential (with `codex`; in a probe, keyed with headerKey like the headers). */
    signIn?: SignInRequest;
    /** Accept an entry that Codex will not use as written (disabled or changed by a system layer): reported, not refused. */
    allowCodexOverrides?: boolean;
    /** Readiness also tries the entry's credential with an MCP initialize to its server (off by default: it reaches out). */
    liveCheck?: boolean;
}

export interface RunnerResult {
    ok: boolean;
    op: RunnerRequest["op"];
    node: { version: string; path: string };
    user: string;
    codexHome: string;
    configPath: string;
    file: { exists: boolean; mode?: string; symlink?: boolean };
    /** The entry as found before acting, compared with the desired one. */
    entry: Observation;
    /** probe with authAsFound: how the entry authenticates, one line per field, never a value (config-entry authFound). */
    auth?: string[];
    /** What differs from the desired state, before acting, because the target changed: entry fields, file and CODEX_HOME modes, Codex. */
    drift: string[];
    /** What differs because the desired state changed since the last ensure (the target still holds what it wrote). */
    changes?: string[];
    changed: boolean;
    /** ensure: the previous file, without this entry (config.toml.bak, this tool's own). */
    backup?: string;
    /** ensure: a config.toml.bak that this tool did not write (the user's): left as it is, no backup written. */
    backupNotOurs?: string;
    /** remove: this tool's config.toml.bak, deleted with the entry (the file it backed up is the user's again). */
    backupRemoved?: string;
    codex?: CodexState;
    verified?: { ok: boolean; problems: string[] };
    /** The token recorded on the target for this server (ownership record). */
    token?: string;
    /** ensure: what had drifted when a previous ensure had recorded this server (a repair); else empty. */
    repaired?: string[];
    /** remove: the entry was left in place because another claim or manager has it now. */
    keptFor?: string;
    /** ensure: the manager the entry was taken over from (a sibling shard, or takeOver). */
    handedOverFrom?: string;
    /** probe: the manager the target's record names, when it is another one. */
    heldBy?: string;
    /** ensure: the entry was there before this tool managed it; it was saved and remove puts it back. */
    adopted?: boolean;
    /** remove: the entry that was there before the first ensure was put back. */
    restored?: boolean;
    /** Codex's sign-in, when the request manages Codex and Codex is there. */
    signIn?: SignInState;
    /** probe, ensure: Codex's own verdict on whether it is ready to use here, and why not. */
    ready?: Readiness;
    error?: { code: string; message: string; line?: number; column?: number };
}

export type RunnerFailure = { ok: false; op?: string; error: NonNullable<RunnerResult["error"]> };

/** Codex on the target, as the runner found it and what it did. */
export interface CodexState {
    path?: string;
    version?: string;
    onLoginPath?: boolean;
    installedByUs?: boolean;
    action?: "none" | "installed" | "upgraded" | "uninstalled" | "kept";
}

export type SignInKind = "api-key" | "access-token";

/** What the stack asks for. In a probe, `secret` is keyedHeader(headerKey, credential), never the credential. */
export interface SignInRequest {
    kind: SignInKind;
    secret: string;
    /** Replace a sign-in this stack did not make (a person's ChatGPT login, another stack's key). */
    replace?: boolean;
}

export interface SignInState {
    /** Codex's own answer (`codex login status`); unknown when it could not tell (offline token check). */
    status: "signed-in" | "signed-out" | "unknown";
    /** How, from auth.json: an API key, an access token, a ChatGPT login; absent when not readable (keyring). */
    method?: "api-key" | "access-token" | "chatgpt" | "other";
    /** The stored credential is the stack's (keyed comparison); absent when nothing could be compared. */
    matches?: boolean;
    /** this-stack: signed in by this stack; before: the same credential was there first; someone-else: another login, kept. */
    by?: "this-stack" | "before" | "someone-else";
    action?: "signed-in" | "replaced" | "kept" | "signed-out" | "none";
    /** Why the status is unknown, in Codex's words (escaped, credentials masked). */
    problem?: string;
}

/** Codex's own verdict on whether it is ready to use here. */
export interface Readiness {
    ready: boolean;
    /** Why not, in words a person acts on; empty when ready. */
    reasons: string[];
}
