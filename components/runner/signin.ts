// Codex's own sign-in on the target, done and checked by Codex itself: `codex login --with-api-key`
// or `--with-access-token` (the credential on Codex's stdin, never an argument or the environment),
// `codex login status` for whether it is signed in, `codex logout` on destroy. Which credential is
// stored is compared here by keyed fingerprint only: auth.json is read in memory, never printed.
// Runs as the account (runner/for-account.ts drops to it first), so Codex writes the account's own files in the
// account's own credential store (cli_auth_credentials_store in its config.toml).
import * as fs from "fs";
import * as path from "path";
import { createHmac } from "crypto";
import { keyedHeader } from "../core/config-entry";
import { redact } from "../shared/redact";
import { run } from "./codex";
import { ask, Asked } from "./ready";
import { FileError } from "./files";
import { printable } from "../shared/untrusted";
import type { SignInKind, SignInRequest, SignInState } from "../protocol/types";

/** Who signed Codex in, as the target's ownership record keeps it. */
export interface SignInRecord {
    kind: SignInKind;
    managedBy?: string;
    claim?: string;
    /** The same credential was there before this stack: destroy leaves it. */
    adopted?: boolean;
    /** A keyed digest of the credential this stack signed in with (the key beside auth.json, which holds the credential itself). */
    applied?: string;
}

const LOGIN_FLAG: Record<SignInKind, string> = { "api-key": "--with-api-key", "access-token": "--with-access-token" };

/** The credentials auth.json may hold, by the method they sign in with. */
function storedCredentials(codexHome: string): { method?: SignInState["method"]; values: string[] } {
    let auth: Record<string, unknown>;
    try {
        auth = JSON.parse(fs.readFileSync(path.join(codexHome, "auth.json"), "utf8"));
    } catch {
        return { values: [] }; // signed out, or a credential store other than the file
    }
    const tokens = (auth.tokens ?? {}) as Record<string, unknown>;
    const pick = (...v: unknown[]) => v.filter((x): x is string => typeof x === "string" && x.length > 0);
    const apiKey = pick(auth.OPENAI_API_KEY);
    const access = pick(auth.agent_identity, auth.personal_access_token, auth.access_token);
    const method = apiKey.length
        ? "api-key"
        : access.length
          ? "access-token"
          : pick(tokens.access_token, tokens.id_token).length
            ? "chatgpt"
            : Object.keys(auth).length
              ? "other"
              : undefined;
    return { method, values: [...apiKey, ...access] };
}

const digestOf = (key: string, secret: string) => "applied:" + createHmac("sha256", Buffer.from(key, "hex")).update(secret).digest("hex");

/** Whether auth.json still holds the credential this stack last signed in with (its keyed digest in the record). */
export function storedIsApplied(codexHome: string, key: string | undefined, rec: SignInRecord | undefined): boolean {
    if (!key || !rec?.applied) return false;
    return storedCredentials(codexHome).values.some((v) => digestOf(key, v) === rec.applied);
}

function env(codexHome: string): NodeJS.ProcessEnv {
    return { ...process.env, CODEX_HOME: codexHome };
}

const firstLine = (s: string) =>
    s
        .trim()
        .split("\n")
        .find((l) => !/^WARNING: proceeding/.test(l)) ?? "";

/**
 * Codex's own status, then what auth.json holds compared with the stack's credential (keyed when
 * headerKey is given). `asked`: Codex's answer to `codex login status` when it was asked already.
 */
export function signInState(codex: string, codexHome: string, want?: SignInRequest, headerKey?: string, secrets: string[] = [], asked?: Asked): SignInState {
    if (!fs.existsSync(codexHome)) return { status: "signed-out", ...(want ? { matches: false } : {}) }; // Codex itself would refuse to start
    const r = ask(codex, codexHome, "status", asked);
    const said = `${r.stdout}\n${r.stderr}`;
    const stored = storedCredentials(codexHome);
    const status: SignInState["status"] = r.status === 0 ? "signed-in" : /not logged in/i.test(said) ? "signed-out" : "unknown";
    const state: SignInState = { status, ...(stored.method ? { method: stored.method } : {}) };
    if (status === "unknown")
        state.problem = printable(redact(firstLine(r.stderr) || firstLine(r.stdout) || `codex login status exited with ${r.status}`, secrets)).slice(0, 300);
    if (want && stored.values.length) {
        const key = (v: string) => (headerKey ? keyedHeader(headerKey, v) : v);
        state.matches = stored.values.some((v) => key(v) === want.secret);
    }
    return state;
}

/** Drift for a probe: signed out, or signed in with another credential that this stack would replace. */
export function signInDrift(state: SignInState, want: SignInRequest | undefined, ours: boolean): string[] {
    if (!want) return [];
    if (state.matches === true) return [];
    if (state.status === "signed-out") return ["signin-missing"];
    if (state.matches === false && (ours || want.replace)) return ["signin-other"];
    if (state.status === "unknown" && state.matches === undefined) return ["signin-missing"];
    return [];
}

function login(codex: string, codexHome: string, want: SignInRequest): void {
    const r = run(codex, ["login", LOGIN_FLAG[want.kind]], { env: env(codexHome), input: want.secret, timeout: 120_000 });
    if (r.status === 0) return;
    const why = printable(
        redact(
            firstLine(
                r.stderr
                    .split("\n")
                    .filter((l) => !/^Reading /.test(l))
                    .join("\n"),
            ) || `exit ${r.status}`,
            [want.secret],
        ),
    ).slice(0, 300);
    throw new FileError("signin-failed", `codex login ${LOGIN_FLAG[want.kind]} failed: ${why}`);
}

/**
 * Ensure: sign in when signed out, when the stored credential is one this stack signed in earlier
 * (a rotated key), or when the stack says to replace another's; a sign-in someone else made stays.
 * Returns the state after, and the record to keep (undefined: none).
 */
export function ensureSignIn(
    codex: string,
    codexHome: string,
    want: SignInRequest,
    rec: SignInRecord | undefined,
    who: { managedBy?: string; claim?: string; key: string },
    asked?: Asked,
): { state: SignInState; record?: SignInRecord } {
    const before = signInState(codex, codexHome, want, undefined, [want.secret], asked);
    const ours = rec !== undefined && !rec.adopted && rec.managedBy === who.managedBy;
    const mine = {
        kind: want.kind,
        ...(who.managedBy ? { managedBy: who.managedBy } : {}),
        ...(who.claim ? { claim: who.claim } : {}),
        applied: digestOf(who.key, want.secret),
    };
    if (before.matches === true) {
        const record = rec?.managedBy === who.managedBy ? { ...rec, ...mine } : (rec ?? { ...mine, adopted: before.status !== "signed-out" });
        return { state: { ...before, by: record.adopted ? "before" : "this-stack", action: "none" }, record };
    }
    const someoneElse = before.status === "signed-in" || before.method !== undefined;
    if (someoneElse && !ours && !want.replace) return { state: { ...before, by: "someone-else", action: "kept" }, record: rec };
    login(codex, codexHome, want);
    const after = signInState(codex, codexHome, want, undefined, [want.secret]);
    return { state: { ...after, by: "this-stack", action: someoneElse && !ours ? "replaced" : "signed-in" }, record: mine };
}

/** Remove: sign out only what this stack (this very resource) signed in, and only while that credential is still the one stored. */
export function removeSignIn(
    codex: string | undefined,
    codexHome: string,
    want: SignInRequest | undefined,
    rec: SignInRecord | undefined,
    who: { managedBy?: string; claim?: string },
): { state?: SignInState; keep: boolean } {
    if (!rec || rec.managedBy !== who.managedBy || (rec.claim && who.claim && rec.claim !== who.claim)) return { keep: true };
    if (rec.adopted || !want || !codex) return { keep: false };
    const before = signInState(codex, codexHome, want, undefined, [want.secret]);
    if (before.matches !== true) return { state: { ...before, action: "kept", by: "someone-else" }, keep: false };
    const r = run(codex, ["logout"], { env: env(codexHome), timeout: 60_000 });
    if (r.status !== 0)
        throw new FileError(
            "signout-failed",
            `codex logout failed: ${printable(redact(firstLine(r.stderr) || `exit ${r.status}`, [want.secret])).slice(0, 300)}`,
        );
    return { state: { status: "signed-out", action: "signed-out" }, keep: false };
}
