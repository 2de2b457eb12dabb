// The config engine's pure core: own exactly one `[mcp_servers.NAME]` entry in a Codex
// config.toml and leave every other byte of the file as it was.
//
// No I/O and no Pulumi here. Two parsers, each for what it is best at:
// - smol-toml is the parser of record: it decides whether a file is valid, renders values, and
//   checks every result (the entry equals the desired one, everything else is unchanged);
// - toml-eslint-parser gives the exact source range of every table and key/value, so the entry is
//   located by the grammar, never by a regular expression (a multi-line string that contains
//   "[mcp_servers.NAME]" is a string, not a header).
import { createHmac, randomBytes } from "crypto";
import { parse as parseToml, stringify as stringifyToml, TomlError } from "smol-toml";
import { parseTOML } from "toml-eslint-parser";
import type { AST } from "toml-eslint-parser";

/** One streamable-HTTP MCP server entry, with the key names Codex reads. */
export interface McpEntry {
    url: string;
    startup_timeout_sec?: number;
    tool_timeout_sec?: number;
    enabled?: boolean;
    /** Codex sends `Authorization: Bearer $VAR`, read from this environment variable. */
    bearer_token_env_var?: string;
    /** Literal headers (Basic auth lives here); their values are secrets. */
    http_headers?: Record<string, string>;
    /** Header name -> name of the environment variable that holds its value. */
    env_http_headers?: Record<string, string>;
}

/** Why an edit was not made. The file is never written when one of these is thrown. */
export class ConfigEntryError extends Error {
    constructor(
        message: string,
        readonly code: "parse" | "refused" | "invalid-entry" | "verify",
        readonly line?: number,
        readonly column?: number,
    ) {
        super(message);
        this.name = "ConfigEntryError";
    }
}

// ---------------------------------------------------------------------------------------------
// Validation of what we are asked to write.

const NAME_RE = /^[A-Za-z0-9_-]+$/; // Codex refuses other server names
const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/; // RFC 9110 token
const MAX_TIMEOUT_SEC = 86400;

/** Every problem with a server name and entry, each naming its field; empty when all is well. */
export function validateEntry(name: string, entry: McpEntry): string[] {
    const problems: string[] = [];
    if (typeof name !== "string" || !NAME_RE.test(name)) {
        problems.push(`name: ${JSON.stringify(name)} must be letters, digits, '-' or '_'`);
    }
    if (typeof entry !== "object" || entry === null) return [...problems, "entry: must be an object"];
    let url: URL | undefined;
    try {
        url = new URL(entry.url);
    } catch {
        problems.push(`url: ${JSON.stringify(entry.url)} is not a URL`);
    }
    if (url && url.protocol !== "https:" && url.protocol !== "http:") {
        problems.push(`url: must be http(s), got ${url.protocol}`);
    }
    for (const key of ["startup_timeout_sec", "tool_timeout_sec"] as const) {
        const v = entry[key];
        if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > MAX_TIMEOUT_SEC)) {
            problems.push(`${key}: must be a number of seconds in (0, ${MAX_TIMEOUT_SEC}], got ${JSON.stringify(v)}`);
        }
    }
    if (entry.enabled !== undefined && typeof entry.enabled !== "boolean") {
        problems.push(`enabled: must be true or false`);
    }
    if (entry.bearer_token_env_var !== undefined && !ENV_RE.test(String(entry.bearer_token_env_var))) {
        problems.push(`bearer_token_env_var: ${JSON.stringify(entry.bearer_token_env_var)} is not an environment variable name`);
    }
    for (const key of ["http_headers", "env_http_headers"] as const) {
        const headers = entry[key];
        if (headers === undefined) continue;
        if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
            problems.push(`${key}: must be a map of header name to string`);
            continue;
        }
        for (const [h, v] of Object.entries(headers)) {
            if (!HEADER_RE.test(h)) problems.push(`${key}: ${JSON.stringify(h)} is not a valid header name`);
            // Never echo a header value: it may be a credential.
            if (typeof v !== "string" || /[\r\n\0]/.test(v)) problems.push(`${key}.${h}: must be a single-line string`);
            else if (key === "env_http_headers" && !ENV_RE.test(v)) {
                problems.push(`${key}.${h}: ${JSON.stringify(v)} is not an environment variable name`);
            }
        }
    }
    const known = new Set(["url", "startup_timeout_sec", "tool_timeout_sec", "enabled", "bearer_token_env_var", "http_headers", "env_http_headers"]);
    for (const k of Object.keys(entry)) {
        if (!known.has(k)) problems.push(`${k}: not a field this tool writes`);
    }
    return problems;
}

function assertValid(name: string, entry: McpEntry): void {
    const problems = validateEntry(name, entry);
    if (problems.length) throw new ConfigEntryError(`invalid MCP server entry: ${problems.join("; ")}`, "invalid-entry");
}

// ---------------------------------------------------------------------------------------------
// Reading the file.

interface Doc {
    bom: string;
    body: string; // the text after the BOM
    eol: string;
    value: Record<string, unknown>;
    ast: AST.TOMLProgram;
}

function parseDoc(text: string): Doc {
    const bom = text.startsWith("\uFEFF") ? "\uFEFF" : "";
    const body = text.slice(bom.length);
    // New lines follow the file's usual line ending (CRLF when most breaks are CRLF).
    const breaks = body.split("\n").length - 1;
    const eol = breaks > 0 && (body.split("\r\n").length - 1) * 2 > breaks ? "\r\n" : "\n";
    let value: Record<string, unknown>;
    try {
        value = parseToml(body, { integersAsBigInt: "asNeeded" }) as Record<string, unknown>;
    } catch (e) {
        if (e instanceof TomlError) {
            const reason = e.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
            throw new ConfigEntryError(`config.toml is not valid TOML at line ${e.line}, column ${e.column}: ${reason}`, "parse", e.line, e.column);
        }
        throw e;
    }
    let ast: AST.TOMLProgram;
    try {
        ast = parseTOML(body);
    } catch (e) {
        const err = e as { message: string; lineNumber?: number; column?: number };
        throw new ConfigEntryError(
            `config.toml could not be located exactly at line ${err.lineNumber}, column ${(err.column ?? 0) + 1}: ${err.message}`,
            "parse",
            err.lineNumber,
            err.column,
        );
    }
    return { bom, body, eol, value, ast };
}

/** Where the entry is written in the file, in every form Codex accepts. */
interface Found {
    /** Byte ranges (whole lines) that belong to the entry, sorted. */
    spans: Array<[number, number]>;
    /** The `[mcp_servers.NAME]` table itself, replaced in place when present. */
    main?: [number, number];
    /** How the entry is written: table, sub-table, inline, dotted... (for reports). */
    forms: string[];
    /** `mcp_servers = { ... }` at the root: no table can be added to it. */
    sealedAt?: number;
}

function keyPath(key: AST.TOMLKey): string[] {
    return key.keys.map((k) => (k.type === "TOMLBare" ? k.name : k.value));
}

function lineSpan(text: string, start: number, end: number): [number, number] {
    const s = text.lastIndexOf("\n", start - 1) + 1;
    const nl = text.indexOf("\n", end);
    return [s, nl === -1 ? text.length : nl + 1];
}

function findEntry(doc: Doc, name: string): Found {
    const found: Found = { spans: [], forms: [] };
    const add = (node: AST.TOMLNode, form: string) => {
        found.spans.push(lineSpan(doc.body, node.range[0], node.range[1]));
        found.forms.push(`${form} (line ${node.loc.start.line})`);
    };
    const top = doc.ast.body[0];
    for (const node of top.body) {
        if (node.type === "TOMLKeyValue") {
            // Root-level key/values come before the first table.
            const path = keyPath(node.key);
            if (path[0] !== "mcp_servers") continue;
            if (path.length === 1) {
                if (node.value.type !== "TOMLInlineTable") continue;
                const mine = node.value.body.filter((kv) => keyPath(kv.key)[0] === name);
                if (mine.length && mine.length === node.value.body.length) add(node, "root inline table");
                else {
                    found.sealedAt = node.loc.start.line;
                    if (mine.length) found.forms.push(`inside the root inline table mcp_servers (line ${node.loc.start.line})`);
                }
            } else if (path[1] === name) add(node, "root dotted key");
            continue;
        }
        const rk = node.resolvedKey;
        if (rk[0] !== "mcp_servers") continue;
        if (rk[1] === name) {
            if (rk.length === 2 && node.kind === "standard") {
                found.main = lineSpan(doc.body, node.range[0], node.range[1]);
                add(node, "table");
            } else add(node, "sub-table");
        } else if (rk.length === 1 && node.kind === "standard") {
            for (const kv of node.body) {
                if (keyPath(kv.key)[0] !== name) continue;
                add(kv, keyPath(kv.key).length === 1 ? "inline table under [mcp_servers]" : "dotted key under [mcp_servers]");
            }
        }
    }
    found.spans.sort((a, b) => a[0] - b[0]);
    return found;
}

// ---------------------------------------------------------------------------------------------
// Rendering the canonical table.

function renderValue(v: unknown): string {
    // smol-toml renders `k = value`; take the value part so quoting and escaping are its own.
    const line = stringifyToml({ k: v }).trimEnd();
    return line.slice(line.indexOf("=") + 1).trim();
}

function renderInline(map: Record<string, string>): string {
    const parts = Object.entries(map).map(([k, v]) => `${renderValue(k)} = ${renderValue(v)}`);
    return parts.length ? `{ ${parts.join(", ")} }` : "{}";
}

/** The canonical table for an entry: fixed key order, header maps as inline tables. */
export function renderEntry(name: string, entry: McpEntry, eol = "\n"): string {
    assertValid(name, entry);
    const lines = [`[mcp_servers.${name}]`, `url = ${renderValue(entry.url)}`];
    if (entry.startup_timeout_sec !== undefined) lines.push(`startup_timeout_sec = ${renderValue(entry.startup_timeout_sec)}`);
    if (entry.tool_timeout_sec !== undefined) lines.push(`tool_timeout_sec = ${renderValue(entry.tool_timeout_sec)}`);
    if (entry.enabled !== undefined) lines.push(`enabled = ${entry.enabled}`);
    if (entry.bearer_token_env_var !== undefined) lines.push(`bearer_token_env_var = ${renderValue(entry.bearer_token_env_var)}`);
    if (entry.http_headers && Object.keys(entry.http_headers).length) lines.push(`http_headers = ${renderInline(entry.http_headers)}`);
    if (entry.env_http_headers && Object.keys(entry.env_http_headers).length) {
        lines.push(`env_http_headers = ${renderInline(entry.env_http_headers)}`);
    }
    return lines.join(eol) + eol;
}

/** The entry as Codex will read it back (what smol-toml parses from the canonical table). */
function canonicalValue(name: string, entry: McpEntry): unknown {
    const parsed = parseToml(renderEntry(name, entry)) as { mcp_servers: Record<string, unknown> };
    return parsed.mcp_servers[name];
}

// ---------------------------------------------------------------------------------------------
// Editing.

function removeSpans(body: string, spans: Array<[number, number]>, eol: string): string {
    const hadFinalEol = body.endsWith("\n");
    let out = body;
    for (const [s, e] of [...spans].sort((a, b) => b[0] - a[0])) {
        let before = out.slice(0, s);
        const after = out.slice(e);
        // Collapse the blank line that separated the entry from what came before, so that
        // apply-then-remove gives back the original bytes.
        if (before.endsWith(eol + eol) && (after === "" || after.startsWith(eol))) before = before.slice(0, -eol.length);
        out = before + after;
    }
    if (!hadFinalEol && out.endsWith(eol)) out = out.slice(0, -eol.length);
    return out;
}

function appendBlock(body: string, block: string, eol: string): string {
    if (body === "") return block;
    const hadFinalEol = body.endsWith("\n");
    const out = body + (hadFinalEol ? eol : eol + eol) + block;
    return hadFinalEol ? out : out.slice(0, -eol.length);
}

/**
 * The file with exactly the desired entry and every other byte as it was. `text` undefined means
 * there is no file yet. Throws ConfigEntryError (and returns nothing to write) when the file is
 * not valid TOML, when the entry cannot be placed without touching other servers, or when the
 * result does not check out.
 */
export function applyEntry(text: string | undefined, name: string, entry: McpEntry): string {
    assertValid(name, entry);
    const doc = parseDoc(text ?? "");
    const found = findEntry(doc, name);
    if (found.sealedAt !== undefined) {
        throw new ConfigEntryError(
            `mcp_servers is written as one inline table at line ${found.sealedAt}; TOML cannot add a table to it. ` +
                `Rewrite it as [mcp_servers.<name>] tables and run again.`,
            "refused",
            found.sealedAt,
        );
    }
    let body: string;
    if (found.main) {
        const [ms, me] = found.main;
        const atEofWithoutEol = me === doc.body.length && !doc.body.endsWith("\n");
        let block = renderEntry(name, entry, doc.eol);
        if (atEofWithoutEol) block = block.slice(0, -doc.eol.length);
        // Replace the main table in place, remove the other pieces (sub-tables) around it.
        const others = found.spans.filter(([s]) => s !== ms);
        body = removeSpans(doc.body.slice(0, ms) + block + doc.body.slice(me), shiftSpans(others, ms, me, block.length), doc.eol);
    } else {
        body = appendBlock(removeSpans(doc.body, found.spans, doc.eol), renderEntry(name, entry, doc.eol), doc.eol);
    }
    const result = doc.bom + body;
    verify(doc, result, name, canonicalValue(name, entry));
    return result;
}

/** Move the spans that lie after the main table by how much its replacement changed the length. */
function shiftSpans(spans: Array<[number, number]>, ms: number, me: number, newLength: number): Array<[number, number]> {
    const delta = newLength - (me - ms);
    return spans.map(([s, e]) => (s >= me ? [s + delta, e + delta] : [s, e]));
}

/** The file without the entry; a file without it comes back unchanged. */
export function removeEntry(text: string, name: string): string {
    if (!NAME_RE.test(name)) throw new ConfigEntryError(`invalid server name ${JSON.stringify(name)}`, "invalid-entry");
    const doc = parseDoc(text);
    const found = findEntry(doc, name);
    if (!found.spans.length) {
        if (found.forms.length) {
            throw new ConfigEntryError(
                `${name} is written inside the inline table mcp_servers at line ${found.sealedAt}; remove it by hand`,
                "refused",
                found.sealedAt,
            );
        }
        return text;
    }
    const result = doc.bom + removeSpans(doc.body, found.spans, doc.eol);
    verify(doc, result, name, undefined);
    return result;
}

/** Refuse any result whose entry is not the desired one or where anything else changed. */
function verify(before: Doc, result: string, name: string, desired: unknown): void {
    let after: Record<string, unknown>;
    try {
        after = parseToml(result.replace(/^\uFEFF/, ""), { integersAsBigInt: "asNeeded" }) as Record<string, unknown>;
    } catch (e) {
        throw new ConfigEntryError(`the edited file would not be valid TOML (${(e as Error).message.split("\n")[0]}); nothing was written`, "verify");
    }
    const servers = (v: Record<string, unknown>) => (v.mcp_servers ?? {}) as Record<string, unknown>;
    const actual = servers(after)[name];
    if (stableString(actual) !== stableString(desired)) {
        throw new ConfigEntryError(`the edited file would not hold the desired ${name} entry; nothing was written`, "verify");
    }
    const rest = (v: Record<string, unknown>) => {
        const { [name]: _mine, ...otherServers } = servers(v);
        const { mcp_servers: _all, ...otherTop } = v;
        return stableString([otherTop, otherServers]);
    };
    if (rest(before.value) !== rest(after)) {
        throw new ConfigEntryError(`the edit would change settings other than the ${name} entry; nothing was written`, "verify");
    }
}

/** A canonical string for a parsed TOML value: sorted keys, dates and big integers spelled out. */
function stableString(v: unknown): string {
    return JSON.stringify(v, (_k, x) => {
        if (typeof x === "bigint") return `bigint:${x}`;
        if (typeof x === "number" && !Number.isFinite(x)) return `number:${x}`;
        if (x instanceof Date) return `date:${String(x)}:${x.toISOString?.()}`;
        if (x && typeof x === "object" && !Array.isArray(x)) {
            return Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]));
        }
        return x;
    });
}

// ---------------------------------------------------------------------------------------------
// Observing drift.

export type FieldStatus = "ok" | "missing" | "unexpected" | "different";

export interface Observation {
    present: boolean;
    /** How the entry is written today (empty when absent). */
    forms: string[];
    /** Field name -> status against the desired entry; only fields that are set on either side. */
    fields: Record<string, { status: FieldStatus; actual?: unknown; desired?: unknown }>;
    /** The names of the fields that differ, sorted: empty means in sync. */
    drift: string[];
}

/**
 * A key that lives as long as this process: fingerprints made with it can be compared with each
 * other (the value found against the value wanted) but with nothing else, so a printed or stored
 * fingerprint is no offline oracle for guessing the secret (an unkeyed hash would be).
 */
const FINGERPRINT_KEY = randomBytes(32);

/** A short keyed fingerprint that tells two secret values apart within one run, revealing nothing. */
export function fingerprint(value: string): string {
    return "hmac:" + createHmac("sha256", FINGERPRINT_KEY).update(value).digest("hex").slice(0, 12);
}

/** Header values reduced to fingerprints, so an observation can be printed and stored. */
function redact(field: string, v: unknown): unknown {
    if (field === "http_headers" && v && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === "string" ? fingerprint(x) : "<not a string>"]));
    }
    return v;
}

/**
 * Whether the entry exists and how it differs from `desired`, field by field. A file that is not
 * valid TOML throws, as in applyEntry.
 */
/** A header value as a probe sends it when it must not send the value: HMAC-SHA256 under a one-run key. */
export function keyedHeader(key: string, value: string): string {
    return "keyed:" + createHmac("sha256", Buffer.from(key, "hex")).update(value).digest("hex");
}

/**
 * `headerKey`: the desired header values are keyedHeader(headerKey, value), not the values; the
 * values found are keyed the same way before they are compared.
 */
export function observeEntry(text: string | undefined, name: string, desired?: McpEntry, headerKey?: string): Observation {
    const doc = parseDoc(text ?? "");
    const found = findEntry(doc, name);
    let actual = ((doc.value.mcp_servers ?? {}) as Record<string, unknown>)[name] as Record<string, unknown> | undefined;
    const headers = actual?.http_headers;
    if (headerKey && headers && typeof headers === "object") {
        const keyed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, typeof v === "string" ? keyedHeader(headerKey, v) : v]));
        actual = { ...actual, http_headers: keyed };
    }
    const want = desired ? (canonicalValue(name, desired) as Record<string, unknown>) : undefined;
    const fields: Observation["fields"] = {};
    if (want) {
        const keys = new Set([...Object.keys(actual ?? {}), ...Object.keys(want)]);
        for (const k of [...keys].sort()) {
            const a = actual?.[k];
            const d = want[k];
            const status: FieldStatus =
                a === undefined ? "missing" : d === undefined ? "unexpected" : stableString(a) === stableString(d) ? "ok" : "different";
            fields[k] = { status, actual: redact(k, a), desired: redact(k, d) };
        }
    }
    const drift = want ? (actual === undefined ? ["entry"] : Object.keys(fields).filter((k) => fields[k].status !== "ok")) : [];
    return { present: actual !== undefined, forms: found.forms, fields, drift };
}
