// Is Codex ready to use on this target? Asked of Codex itself, as the account: `codex mcp list
// --json` (the entry as Codex resolves it across its layers: enabled, why not, its values, the
// server's auth state), `codex doctor --json` (is the server reachable), and the sign-in state
// (runner/signin.ts). What Codex prints may hold header values: compared here, never passed on;
// only field names, non-secret values and Codex's own reasons (escaped, bounded) leave this file.
import * as fs from "fs";
import * as path from "path";
import { parse as parseToml } from "smol-toml";
import { keyedHeader, McpEntry } from "../core/config-entry";
import { redact } from "../shared/redact";
import { Ran, run, runSideBySide } from "./codex";
import { printable } from "../shared/untrusted";
import type { Readiness, SignInState } from "../protocol/types";

/** One server as `codex mcp list --json` reports it. */
interface CodexServer {
    name: string;
    enabled?: boolean;
    disabled_reason?: string | null;
    transport?: {
        type?: string;
        url?: string;
        bearer_token_env_var?: string | null;
        http_headers?: Record<string, string> | null;
        env_http_headers?: Record<string, string> | null;
    };
    startup_timeout_sec?: number | null;
    tool_timeout_sec?: number | null;
    auth_status?: string;
}

/** The layers Codex reads besides the user's config.toml; named when one of them holds the server. */
const SYSTEM_LAYERS = ["/etc/codex/config.toml", "/etc/codex/managed_config.toml", "/etc/codex/requirements.toml"];

const said = (s: string, secrets: string[]) => printable(redact(s, secrets)).slice(0, 300);

/** What the runner asks Codex about a CODEX_HOME: each question is one command. */
const QUESTIONS = {
    status: { args: ["login", "status"], timeout: 60_000 },
    list: { args: ["mcp", "list", "--json"], timeout: 60_000 },
    doctor: { args: ["doctor", "--json"], timeout: 30_000 }, // past that, no word on reachability
};
export type Question = keyof typeof QUESTIONS;

/** Codex's answers, asked ahead of their use (side by side); each is what asking it then would have given. */
export interface Asked {
    codex: string;
    codexHome: string;
    answers: Partial<Record<Question, Ran>>;
}

const command = (codex: string, codexHome: string, q: Question) => ({
    cmd: codex,
    args: QUESTIONS[q].args,
    opts: { env: { ...process.env, CODEX_HOME: codexHome }, timeout: QUESTIONS[q].timeout },
});

/** Asks Codex one question; the answer when `asked` already holds it (the same codex and CODEX_HOME). */
export function ask(codex: string, codexHome: string, q: Question, asked?: Asked): Ran {
    const had = asked?.codex === codex && asked.codexHome === codexHome ? asked.answers[q] : undefined;
    if (had) return had;
    const c = command(codex, codexHome, q);
    return run(c.cmd, c.args, c.opts);
}

/** Asks Codex these questions side by side (one wait instead of one per question), and adds the answers to `asked`. */
export function askAll(codex: string, codexHome: string, questions: Question[], asked?: Asked): Asked {
    const answers = asked?.codex === codex && asked.codexHome === codexHome ? { ...asked.answers } : {};
    const todo = [...new Set(questions)].filter((q) => !answers[q]);
    runSideBySide(todo.map((q) => command(codex, codexHome, q))).forEach((r, i) => (answers[todo[i]] = r));
    return { codex, codexHome, answers };
}

/** What Codex resolves for every server; undefined (with why) when it could not say. */
export function codexServers(codex: string, codexHome: string, asked?: Asked): { servers?: CodexServer[]; problem?: string } {
    const r = ask(codex, codexHome, "list", asked);
    if (r.status !== 0) return { problem: said(`codex mcp list exited with ${r.status}: ${r.stderr.trim().split("\n").pop() ?? ""}`, []) };
    try {
        const list = JSON.parse(r.stdout.slice(r.stdout.indexOf("[")));
        return Array.isArray(list) ? { servers: list } : { problem: "codex mcp list did not print a list" };
    } catch {
        return { problem: "codex mcp list did not print JSON" };
    }
}

/** The system layers that define [mcp_servers.NAME] (a layer above or beside the user's file). */
export function layersFor(name: string, codexHome: string): string[] {
    return [...SYSTEM_LAYERS, path.join(codexHome, "managed_config.toml")].filter((f) => {
        try {
            const doc = parseToml(fs.readFileSync(f, "utf8")) as Record<string, Record<string, unknown>>;
            return doc.mcp_servers?.[name] !== undefined;
        } catch {
            return false;
        }
    });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function sorted(v: unknown): unknown {
    if (!v || typeof v !== "object") return v ?? null;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
}

function nonEmpty(m?: Record<string, string> | null): Record<string, string> | undefined {
    return m && Object.keys(m).length ? m : undefined;
}

/**
 * Where what Codex resolves differs from the entry as desired: field names, with the value found and
 * wanted where it is not a secret. Header values are compared as they are, or keyed with headerKey
 * when the desired ones are (a probe).
 */
export function differences(got: CodexServer, entry: McpEntry, headerKey?: string): string[] {
    const t = got.transport ?? {};
    const headers =
        headerKey && t.http_headers ? Object.fromEntries(Object.entries(t.http_headers).map(([k, v]) => [k, keyedHeader(headerKey, v)])) : t.http_headers;
    const shown = (field: string, found: unknown, want: unknown) =>
        same(found, want) ? [] : [`${field}: Codex reads ${JSON.stringify(found ?? null)}, want ${JSON.stringify(want ?? null)}`];
    return [
        ...(t.type === "streamable_http" ? [] : [`transport: Codex reads ${JSON.stringify(t.type ?? null)}, want "streamable_http"`]),
        ...shown("url", t.url, entry.url),
        ...shown("startup_timeout_sec", got.startup_timeout_sec, entry.startup_timeout_sec),
        ...shown("tool_timeout_sec", got.tool_timeout_sec, entry.tool_timeout_sec),
        ...shown("bearer_token_env_var", t.bearer_token_env_var, entry.bearer_token_env_var),
        ...(same(sorted(nonEmpty(headers)), sorted(nonEmpty(entry.http_headers))) ? [] : ["http_headers: Codex reads other headers"]),
        ...shown("env_http_headers", sorted(nonEmpty(t.env_http_headers)), sorted(nonEmpty(entry.env_http_headers))),
    ];
}

/** Why Codex will not use the entry as written: disabled (by whom, in Codex's words), or values a layer changed (that layer named). */
export function overrides(got: CodexServer, name: string, entry: McpEntry, codexHome: string, headerKey?: string): string[] {
    const out: string[] = [];
    if (got.enabled === false && entry.enabled !== false) out.push(`disabled by ${got.disabled_reason ? said(got.disabled_reason, []) : "Codex"}`);
    const diff = differences(got, entry, headerKey);
    if (diff.length) {
        const layers = layersFor(name, codexHome);
        out.push(`${diff.join("; ")}${layers.length ? ` (set by ${layers.join(", ")})` : ""}`);
    }
    return out;
}

/** The server's reachability from `codex doctor --json` (a HEAD or GET; any HTTP answer counts). */
function unreachable(codex: string, codexHome: string, name: string, secrets: string[], asked?: Asked): string | undefined {
    const r = ask(codex, codexHome, "doctor", asked);
    let details: Record<string, unknown> | undefined;
    try {
        details = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))).checks?.["mcp.config"]?.details;
    } catch {
        return undefined; // no report: nothing to say about reachability
    }
    const failed = String(details?.["optional reachability failed"] ?? details?.["reachability failed"] ?? "");
    const mine = failed.split(/[,;]\s+(?=[\w.-]+: )/).find((p) => p.startsWith(`${name}: `));
    return mine === undefined ? undefined : said(mine.slice(name.length + 2), secrets);
}

/**
 * An MCP `initialize`, as Codex would send it, to the entry's URL with its literal headers: does the
 * server accept the credential? Run from a child Node process that gets the request on stdin (the
 * runner itself is synchronous); the headers never leave this machine but to that server.
 */
const LIVE_CHECK = `
const { url, headers } = JSON.parse(require("fs").readFileSync(0, "utf8"));
const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "codex-connect-pulumi", version: "1" } } });
fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json", accept: "application/json, text/event-stream" }, body, signal: AbortSignal.timeout(20000) })
  .then((r) => { process.stdout.write(String(r.status)); return r.body && r.body.cancel(); })
  .catch((e) => process.stdout.write("error " + String(e && e.cause && e.cause.code || e && e.name || e)));
`;

function liveCheck(url: string, fileHeaders: Record<string, string> | undefined, secrets: string[]): string | undefined {
    const headers = nonEmpty(fileHeaders);
    if (!headers) return undefined; // no credential in the file to try (OAuth, or one from the environment Codex runs in)
    const r = run(process.execPath, ["-e", LIVE_CHECK], { input: JSON.stringify({ url, headers }), timeout: 30_000 }, false);
    const answer = r.stdout.trim();
    if (/^2\d\d$/.test(answer)) return undefined;
    if (answer === "401" || answer === "403") return `the server refused the credential (HTTP ${answer} to an MCP initialize)`;
    if (/^\d{3}$/.test(answer)) return `the server answered an MCP initialize with HTTP ${answer}`;
    return `an MCP initialize did not reach the server (${said(answer || `exit ${r.status}`, secrets)})`;
}

/** Whether the entry carries a credential of its own (else Codex signs in to the server with OAuth). */
const hasCredential = (e: McpEntry) => Boolean(nonEmpty(e.http_headers) || e.bearer_token_env_var || nonEmpty(e.env_http_headers));

export interface ReadyInput {
    codex?: string;
    codexHome: string;
    signIn?: SignInState;
    /** The server and its desired entry (absent: Codex alone). */
    name?: string;
    entry?: McpEntry;
    headerKey?: string;
    secrets: string[];
    /** Also try the credential with an MCP initialize: the headers as the file holds them (a probe has only keyed ones of the desired entry). */
    live?: boolean;
    configText?: string;
    /** Codex's answers asked already (runner/operations.ts asks them side by side); the others are asked here. */
    asked?: Asked;
}

/** Codex's verdict on this target, with the reasons a person acts on. */
export function readiness(i: ReadyInput): Readiness {
    if (!i.codex) return { ready: false, reasons: ["Codex is not installed"] };
    const reasons: string[] = [];
    if (i.signIn?.status === "signed-out")
        reasons.push("Codex is not signed in: run codex login --device-auth on the target, or give the stack openaiApiKey or codexAccessToken");
    if (i.signIn?.status === "unknown") reasons.push(`Codex could not confirm its sign-in: ${i.signIn.problem ?? "no answer"}`);
    if (i.name === undefined || !i.entry) return { ready: reasons.length === 0, reasons };
    const list = codexServers(i.codex, i.codexHome, i.asked);
    const got = list.servers?.find((s) => s.name === i.name);
    if (!got) reasons.push(list.problem ? `Codex could not list its servers: ${said(list.problem, i.secrets)}` : `Codex does not list [mcp_servers.${i.name}]`);
    else {
        reasons.push(...overrides(got, i.name, i.entry, i.codexHome, i.headerKey).map((o) => `Codex will not use [mcp_servers.${i.name}] as written: ${o}`));
        if (got.enabled !== false) {
            const down = unreachable(i.codex, i.codexHome, i.name, i.secrets, i.asked);
            if (down !== undefined) reasons.push(`the server is unreachable from the target (codex doctor: ${down})`);
        }
        if (i.live && got.enabled !== false) {
            const onFile = (parseToml(i.configText ?? "") as { mcp_servers?: Record<string, { http_headers?: Record<string, string> }> }).mcp_servers?.[i.name]
                ?.http_headers;
            const refused = liveCheck(i.entry.url, onFile, i.secrets);
            if (refused) reasons.push(refused);
        }
        if (!hasCredential(i.entry) && got.auth_status !== "o_auth") {
            reasons.push(
                got.auth_status === "not_logged_in"
                    ? `not signed in to the server: run codex mcp login ${i.name} once on the target, as the account`
                    : `Codex cannot tell whether codex mcp login ${i.name} was done (auth status: ${said(got.auth_status ?? "none", [])}); run it once on the target if not`,
            );
        }
    }
    return { ready: reasons.length === 0, reasons };
}
