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
import { urlProblem } from "./inputs";
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
    // The same rules as where the URL entered (core/inputs.ts): the last check, on the target, for a
    // request from any controller, of any version. Control characters and quotes included: a parser
    // that drops newlines would otherwise "verify" a URL other than the one written.
    const url = urlProblem(entry.url);
    if (url) problems.push(`url: ${url}`);
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
        // TOML 1.1, as smol-toml and Codex read it (inline tables over lines, trailing commas).
        ast = parseTOML(body, { tomlVersion: "1.1" });
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

type Range = [number, number];

/** Where the entry is written in the file, in every form Codex accepts. */
interface Found {
    /** Byte ranges (whole lines) that belong to the entry, sorted. */
    spans: Range[];
    /** The `[mcp_servers.NAME]` table itself, replaced in place when present. */
    main?: Range;
    /** How the entry is written: table, sub-table, inline, dotted... (for reports). */
    forms: string[];
    /**
     * `mcp_servers = { ... }` at the root: no table can be added to it, so the entry is edited
     * inside it (`mine`: the indexes of its items that belong to the entry).
     */
    inline?: { table: AST.TOMLInlineTable; mine: number[] };
    /** `mcp_servers` is no table at all (`mcp_servers = 5`, `[[mcp_servers]]`): where. */
    notTable?: { line: number; column: number };
}

function keyPath(key: AST.TOMLKey): string[] {
    return key.keys.map((k) => (k.type === "TOMLBare" ? k.name : k.value));
}

function lineSpan(text: string, start: number, end: number): Range {
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
    const mcp = doc.value.mcp_servers;
    const blocked = mcp !== undefined && (typeof mcp !== "object" || Array.isArray(mcp) || mcp instanceof Date);
    const top = doc.ast.body[0];
    for (const node of top.body) {
        const path = node.type === "TOMLKeyValue" ? keyPath(node.key) : node.resolvedKey;
        if (path[0] !== "mcp_servers") continue;
        if (blocked) {
            found.notTable ??= { line: node.loc.start.line, column: node.loc.start.column + 1 };
            continue;
        }
        if (node.type === "TOMLKeyValue") {
            // Root-level key/values come before the first table.
            if (path.length === 1 && node.value.type === "TOMLInlineTable") {
                const items = node.value.body;
                const mine = items.flatMap((kv, i) => (keyPath(kv.key)[0] === name ? [i] : []));
                found.inline = { table: node.value, mine };
                for (const i of mine) found.forms.push(`inside the root inline table mcp_servers (line ${items[i].loc.start.line})`);
            } else if (path[1] === name) add(node, "root dotted key");
            continue;
        }
        if (path[1] === name) {
            if (path.length === 2 && node.kind === "standard") {
                found.main = lineSpan(doc.body, node.range[0], node.range[1]);
                add(node, "table");
            } else add(node, "sub-table");
        } else if (path.length === 1 && node.kind === "standard") {
            for (const kv of node.body) {
                if (keyPath(kv.key)[0] !== name) continue;
                add(kv, keyPath(kv.key).length === 1 ? "inline table under [mcp_servers]" : "dotted key under [mcp_servers]");
            }
        }
    }
    found.spans.sort((a, b) => a[0] - b[0]);
    return found;
}

function refuseNotTable(found: Found): void {
    const at = found.notTable;
    if (!at) return;
    throw new ConfigEntryError(
        `mcp_servers at line ${at.line}, column ${at.column} is not a table; Codex reads servers only from a table. Fix it by hand and run again.`,
        "refused",
        at.line,
        at.column,
    );
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

/** The entry's `key = value` lines in the canonical order, header maps as inline tables. */
function entryFields(entry: McpEntry): string[] {
    const lines = [`url = ${renderValue(entry.url)}`];
    if (entry.startup_timeout_sec !== undefined) lines.push(`startup_timeout_sec = ${renderValue(entry.startup_timeout_sec)}`);
    if (entry.tool_timeout_sec !== undefined) lines.push(`tool_timeout_sec = ${renderValue(entry.tool_timeout_sec)}`);
    if (entry.enabled !== undefined) lines.push(`enabled = ${entry.enabled}`);
    if (entry.bearer_token_env_var !== undefined) lines.push(`bearer_token_env_var = ${renderValue(entry.bearer_token_env_var)}`);
    if (entry.http_headers && Object.keys(entry.http_headers).length) lines.push(`http_headers = ${renderInline(entry.http_headers)}`);
    if (entry.env_http_headers && Object.keys(entry.env_http_headers).length) {
        lines.push(`env_http_headers = ${renderInline(entry.env_http_headers)}`);
    }
    return lines;
}

/** The canonical table for an entry: fixed key order, header maps as inline tables. */
export function renderEntry(name: string, entry: McpEntry, eol = "\n"): string {
    assertValid(name, entry);
    return [`[mcp_servers.${name}]`, ...entryFields(entry)].join(eol) + eol;
}

/**
 * The entry as one item of the root inline table `mcp_servers = { ... }`. One line: TOML 1.0
 * (Codex's parser) allows no line break inside an inline table.
 */
function renderInlineItem(name: string, entry: McpEntry): string {
    assertValid(name, entry);
    return `${name} = { ${entryFields(entry).join(", ")} }`;
}

/** The entry as Codex will read it back (what smol-toml parses from the canonical table). */
function canonicalValue(name: string, entry: McpEntry): unknown {
    const parsed = parseToml(renderEntry(name, entry)) as { mcp_servers: Record<string, unknown> };
    return parsed.mcp_servers[name];
}

// ---------------------------------------------------------------------------------------------
// Editing. Every edit is a list of byte ranges of the original text and what replaces them, so
// that removing the entry is a set of deletions whose bytes captureEntry can keep.

interface Edit {
    at: Range;
    text: string;
}

/** Non-overlapping edits applied from the end; insertions at one point keep their list order. */
function applyEdits(body: string, edits: Edit[]): string {
    const order = edits.map((e, i) => ({ e, i })).sort((a, b) => b.e.at[0] - a.e.at[0] || b.i - a.i);
    let out = body;
    for (const { e } of order) out = out.slice(0, e.at[0]) + e.text + out.slice(e.at[1]);
    return out;
}

function cut(body: string, ranges: Range[]): string {
    return applyEdits(
        body,
        ranges.map((at) => ({ at, text: "" })),
    );
}

/** Sorted, with touching ranges joined: one deletion, one piece to put back. */
function mergeRanges(ranges: Range[]): Range[] {
    const out: Range[] = [];
    for (const [s, e] of [...ranges].sort((a, b) => a[0] - b[0])) {
        const last = out[out.length - 1];
        if (last && s <= last[1]) last[1] = Math.max(last[1], e);
        else out.push([s, e]);
    }
    return out;
}

/** What removing whole-line spans deletes, in the original's offsets. */
function lineDeletions(body: string, spans: Range[], eol: string): Range[] {
    let out = body;
    const ranges: Range[] = [];
    for (const [s, e] of [...spans].sort((a, b) => b[0] - a[0])) {
        // Collapse the blank line that separated the entry from what came before, so that
        // apply-then-remove gives back the original bytes.
        const collapse = out.slice(0, s).endsWith(eol + eol) && (e === out.length || out.startsWith(eol, e));
        const start = collapse ? s - eol.length : s;
        out = out.slice(0, start) + out.slice(e);
        ranges.push([start, e]);
    }
    const merged = mergeRanges(ranges);
    // A missing final newline stays missing: the line break before a removed last piece goes too.
    const last = merged[merged.length - 1];
    if (last && last[1] === body.length && !body.endsWith("\n") && out.endsWith(eol)) last[0] -= eol.length;
    return merged;
}

function removeSpans(body: string, spans: Range[], eol: string): string {
    return cut(body, lineDeletions(body, spans, eol));
}

/**
 * What dropping some items of an inline table deletes: an item with the separator before it, or,
 * for the items that lead, with the separator after them; all items: everything between the
 * braces (`mcp_servers = {}` stays, so that inserting into `{}` and removing again round-trips).
 */
function inlineDeletions(table: AST.TOMLInlineTable, drop: Set<number>): Range[] {
    const items = table.body;
    const kept = items.findIndex((_, i) => !drop.has(i));
    if (kept === -1) return drop.size ? [[table.range[0] + 1, table.range[1] - 1]] : [];
    const ranges: Range[] = kept > 0 ? [[items[0].range[0], items[kept].range[0]]] : [];
    for (const i of drop) if (i > kept) ranges.push([items[i - 1].range[1], items[i].range[1]]);
    return mergeRanges(ranges);
}

/** Adding an item to an inline table: after its last item, or between the braces of `{}`. */
function inlineInsertion(body: string, table: AST.TOMLInlineTable, item: string): Edit {
    const items = table.body;
    if (items.length) {
        const end = items[items.length - 1].range[1];
        return { at: [end, end], text: `, ${item}` };
    }
    const [s, e] = [table.range[0] + 1, table.range[1] - 1];
    // Only blanks between the braces are replaced; anything else (a TOML 1.1 comment) stays.
    return /^\s*$/.test(body.slice(s, e)) ? { at: [s, e], text: ` ${item} ` } : { at: [s, s], text: ` ${item}` };
}

/** Inside the root inline table: the entry's first item becomes the new one, its others go. */
function inlineApply(body: string, inline: NonNullable<Found["inline"]>, item: string): Edit[] {
    const [first, ...rest] = inline.mine;
    if (first === undefined) return [inlineInsertion(body, inline.table, item)];
    const drops = inlineDeletions(inline.table, new Set(rest)).map((at) => ({ at, text: "" }));
    return [{ at: inline.table.body[first].range, text: item }, ...drops];
}

/** The bytes removing the entry deletes, merged and sorted; empty when there is no entry. */
function entryDeletions(doc: Doc, found: Found): Range[] {
    if (found.inline) return inlineDeletions(found.inline.table, new Set(found.inline.mine));
    return lineDeletions(doc.body, found.spans, doc.eol);
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
 * not valid TOML, when mcp_servers is no table, or when the result does not check out.
 */
export function applyEntry(text: string | undefined, name: string, entry: McpEntry): string {
    assertValid(name, entry);
    const doc = parseDoc(text ?? "");
    const found = findEntry(doc, name);
    refuseNotTable(found);
    let body: string;
    if (found.inline) {
        // The user's form is kept: the entry is edited inside `mcp_servers = { ... }`.
        body = applyEdits(doc.body, inlineApply(doc.body, found.inline, renderInlineItem(name, entry)));
    } else if (found.main) {
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
function shiftSpans(spans: Range[], ms: number, me: number, newLength: number): Range[] {
    const delta = newLength - (me - ms);
    return spans.map(([s, e]) => (s >= me ? [s + delta, e + delta] : [s, e]));
}

/** The file without the entry; a file without it comes back unchanged. */
export function removeEntry(text: string, name: string): string {
    if (!NAME_RE.test(name)) throw new ConfigEntryError(`invalid server name ${JSON.stringify(name)}`, "invalid-entry");
    const doc = parseDoc(text);
    const deletions = entryDeletions(doc, findEntry(doc, name));
    if (!deletions.length) return text;
    const result = doc.bom + cut(doc.body, deletions);
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
            return Object.fromEntries(
                Object.keys(x)
                    .sort()
                    .map((k) => [k, (x as Record<string, unknown>)[k]]),
            );
        }
        return x;
    });
}

// ---------------------------------------------------------------------------------------------
// Putting a user's own entry back on destroy.
//
// The captured entry is the exact bytes that removing it from the user's file deletes, each piece
// with anchors in the file without the entry: the node it followed (a key/value or table header,
// by key path) and how many line breaks further, the node that followed it and how many lines
// above, or, inside the root inline table, the item it followed. Applying our entry and removing
// it again gives that same file, so putting the pieces back at their anchors gives the user's file
// byte for byte. When the file changed so much that the anchors are gone or the result does not
// check out, the entry's value goes back in a form that is always valid: a `[mcp_servers.NAME]`
// table at the end, or an item of the inline table.

/**
 * One deleted run of bytes and where it goes back: `lines` line breaks after the line of the node
 * `after`, or `linesBefore` lines above the node `before` (null: the start, the end of the file);
 * `end`: at the very end, after a last line without a line break (the piece starts with one);
 * inside the root inline table, after the item `inlineAfter` (null: first, or alone when `empty`).
 */
type Piece =
    | { text: string; after: string | null; lines: number; before: string | null; linesBefore: number; end?: true }
    | { text: string; inlineAfter: string | null; empty: boolean };

interface Capture {
    format: typeof CAPTURE_FORMAT;
    name: string;
    pieces: Piece[];
    /** The entry's value as one standalone table: the fallback, and what a restore must hold. */
    table: string;
}

const CAPTURE_FORMAT = "codex-mcp-entry/1";

/** Every key/value and table header of the file in order, with a key that survives edits elsewhere. */
function marks(doc: Doc): Array<{ id: string; start: number; end: number }> {
    const out: Array<{ id: string; start: number; end: number }> = [];
    for (const node of doc.ast.body[0].body) {
        if (node.type === "TOMLKeyValue") {
            out.push({ id: `kv ${JSON.stringify(keyPath(node.key))}`, start: node.range[0], end: node.range[1] });
            continue;
        }
        // Array tables carry their index in resolvedKey, so every header has its own id.
        const table = JSON.stringify(node.resolvedKey);
        out.push({ id: `table ${table}`, start: node.range[0], end: node.key.range[1] });
        for (const kv of node.body) out.push({ id: `${table} kv ${JSON.stringify(keyPath(kv.key))}`, start: kv.range[0], end: kv.range[1] });
    }
    return out;
}

/** The offset just past the line break that ends the line holding `at` (or the end of the text). */
function lineEnd(text: string, at: number): number {
    const nl = text.indexOf("\n", at);
    return nl === -1 ? text.length : nl + 1;
}

function rootInline(doc: Doc): AST.TOMLInlineTable | undefined {
    for (const node of doc.ast.body[0].body) {
        if (node.type === "TOMLKeyValue" && keyPath(node.key).join() === "mcp_servers" && node.value.type === "TOMLInlineTable") return node.value;
    }
    return undefined;
}

/** Where a piece deleted at offset `x` of the file without the entry (`rest`) goes back. */
function anchor(rest: Doc, x: number, text: string): Piece {
    const inline = rootInline(rest);
    if (inline && x > inline.range[0] && x < inline.range[1]) {
        const before = inline.body.filter((kv) => kv.range[1] <= x).pop();
        return { text, inlineAfter: before ? JSON.stringify(keyPath(before.key)) : null, empty: inline.body.length === 0 };
    }
    if (x > 0 && x === rest.body.length && !rest.body.endsWith("\n")) return { text, after: null, lines: 0, before: null, linesBefore: 0, end: true };
    const all = marks(rest);
    const before = all.filter((m) => m.end <= x).pop();
    const next = all.find((m) => m.start >= x);
    const base = before ? lineEnd(rest.body, before.end) : 0;
    const top = next ? lineStart(rest.body, next.start) : rest.body.length;
    const breaks = (a: number, b: number) => rest.body.slice(a, b).split("\n").length - 1;
    return { text, after: before?.id ?? null, lines: breaks(base, x), before: next?.id ?? null, linesBefore: breaks(x, top) };
}

function lineStart(text: string, at: number): number {
    return text.lastIndexOf("\n", at - 1) + 1;
}

/**
 * Where a piece goes back in the file without the entry, or undefined when its anchor is gone.
 * `fromNext`: count from the node that followed it (a key added to the table before it moves
 * nothing) instead of the one it followed (a table added before the next one moves nothing).
 */
function position(rest: Doc, p: Piece, fromNext: boolean): number | undefined {
    if ("inlineAfter" in p) {
        const inline = rootInline(rest);
        if (!inline) return undefined;
        if (p.inlineAfter !== null) return inline.body.find((kv) => JSON.stringify(keyPath(kv.key)) === p.inlineAfter)?.range[1];
        if (p.empty !== (inline.body.length === 0)) return undefined;
        return p.empty ? inline.range[0] + 1 : inline.body[0].range[0];
    }
    if (p.end) return rest.body.length;
    return fromNext ? positionAbove(rest, marks(rest), p) : positionBelow(rest, marks(rest), p);
}

type LinePiece = Extract<Piece, { after: unknown }>;

function positionBelow(rest: Doc, all: ReturnType<typeof marks>, p: LinePiece): number | undefined {
    const i = p.after === null ? -1 : all.findIndex((m) => m.id === p.after);
    if (p.after !== null && i === -1) return undefined;
    let at = i === -1 ? 0 : lineEnd(rest.body, all[i].end);
    // Skip the blank and comment lines that came between, never past the next key or table.
    const limit = i + 1 < all.length ? all[i + 1].start : rest.body.length + 1;
    for (let n = 0; n < p.lines; n++) {
        const nl = rest.body.indexOf("\n", at);
        if (nl === -1 || nl >= limit) break;
        at = nl + 1;
    }
    return at;
}

function positionAbove(rest: Doc, all: ReturnType<typeof marks>, p: LinePiece): number | undefined {
    const i = p.before === null ? all.length : all.findIndex((m) => m.id === p.before);
    if (i === -1) return undefined;
    let at = i === all.length ? rest.body.length : lineStart(rest.body, all[i].start);
    // Back over the blank and comment lines that came between, never before the previous node's line.
    const limit = i > 0 ? lineEnd(rest.body, all[i - 1].end) : 0;
    for (let n = 0; n < p.linesBefore && at > limit; n++) at = lineStart(rest.body, at - 1);
    return Math.max(at, limit);
}

/** A value on one line, types kept: integers stay integers (bigint), floats stay floats. */
function renderAny(v: unknown): string {
    if (typeof v === "number") {
        if (Number.isNaN(v)) return "nan";
        if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
        const s = Object.is(v, -0) ? "-0" : String(v);
        return /[.e]/.test(s) ? s : s + ".0";
    }
    if (Array.isArray(v)) return `[${v.map(renderAny).join(", ")}]`;
    if (v && typeof v === "object" && !(v instanceof Date)) {
        const items = Object.entries(v).map(([k, x]) => `${renderKey(k)} = ${renderAny(x)}`);
        return items.length ? `{ ${items.join(", ")} }` : "{}";
    }
    return renderValue(v);
}

function renderKey(k: string): string {
    return NAME_RE.test(k) ? k : renderValue(k);
}

function parseExact(text: string): Record<string, unknown> {
    return parseToml(text, { integersAsBigInt: true }) as Record<string, unknown>;
}

function serversOf(v: Record<string, unknown>): Record<string, unknown> {
    return (v.mcp_servers ?? {}) as Record<string, unknown>;
}

/**
 * What restoreEntry needs to put the file's own `[mcp_servers.NAME]` entry back exactly as it is
 * written, in any form the editor supports; undefined when the file has no such entry. A JSON
 * string (format `codex-mcp-entry/1`, see docs/config-engine.md); it holds the entry's secrets.
 */
export function captureEntry(text: string, name: string): string | undefined {
    if (!NAME_RE.test(name)) throw new ConfigEntryError(`invalid server name ${JSON.stringify(name)}`, "invalid-entry");
    const doc = parseDoc(text);
    const value = serversOf(parseExact(doc.body))[name];
    if (value === undefined) return undefined;
    const found = findEntry(doc, name);
    const deletions = entryDeletions(doc, found);
    const rest = parseDoc(cut(doc.body, deletions));
    let removed = 0;
    const pieces = deletions.map(([s, e]) => {
        const piece = anchor(rest, s - removed, doc.body.slice(s, e));
        removed += e - s;
        return piece;
    });
    const fields = value && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : undefined;
    const table = fields ? [`[mcp_servers.${name}]`, ...fields.map(([k, v]) => `${renderKey(k)} = ${renderAny(v)}`)].join("\n") + "\n" : "";
    const capture: Capture = { format: CAPTURE_FORMAT, name, pieces, table };
    // The fallback must hold what the file holds; a value it cannot spell would be lost.
    if (!fields || stableString(capturedValue(capture)) !== stableString(serversOf(doc.value)[name])) {
        throw new ConfigEntryError(`the ${name} entry at ${found.forms.join(", ")} is not a table Codex can read; it cannot be captured`, "refused");
    }
    return JSON.stringify(capture);
}

function capturedValue(c: Capture): unknown {
    return serversOf(parseToml(c.table, { integersAsBigInt: "asNeeded" }) as Record<string, unknown>)[c.name];
}

function readCapture(captured: string, name: string): Capture {
    let c: Capture | undefined;
    try {
        c = JSON.parse(captured) as Capture;
    } catch {
        c = undefined;
    }
    if (!c || c.format !== CAPTURE_FORMAT || c.name !== name || !Array.isArray(c.pieces) || typeof c.table !== "string") {
        throw new ConfigEntryError(`not a captured ${name} entry (format ${CAPTURE_FORMAT})`, "invalid-entry");
    }
    return c;
}

/** The pieces at their anchors, or undefined when an anchor is gone. */
function placeExactly(rest: Doc, c: Capture, fromNext: boolean): string | undefined {
    const edits: Edit[] = [];
    for (const p of c.pieces) {
        const at = position(rest, p, fromNext);
        if (at === undefined) return undefined;
        edits.push({ at: [at, at], text: p.text });
    }
    return applyEdits(rest.body, edits);
}

/** The value in a form valid wherever mcp_servers is a table: appended table or inline item. */
function placeAnew(rest: Doc, c: Capture): string {
    const inline = rootInline(rest);
    if (!inline) return appendBlock(rest.body, c.table.replace(/\n/g, rest.eol), rest.eol);
    const value = serversOf(parseExact(c.table))[c.name];
    return applyEdits(rest.body, [inlineInsertion(rest.body, inline, `${c.name} = ${renderAny(value)}`)]);
}

/**
 * The file with whatever entry NAME it holds now replaced by the captured one, every other byte
 * kept: exactly in place when the file around it is as it was, else as a table at the end (or an
 * item of the root inline table). Throws ConfigEntryError when neither checks out (mcp_servers
 * is no longer a table); the capture is then still whole, to try again.
 */
export function restoreEntry(text: string, name: string, captured: string): string {
    const c = readCapture(captured, name);
    const doc = parseDoc(text);
    const found = findEntry(doc, name);
    refuseNotTable(found);
    const rest = parseDoc(cut(doc.body, entryDeletions(doc, found)));
    const want = capturedValue(c);
    const places = [() => placeExactly(rest, c, false), () => placeExactly(rest, c, true), () => placeAnew(rest, c)];
    for (const place of places) {
        const body = place();
        if (body === undefined) continue;
        try {
            verify(rest, doc.bom + body, name, want);
            return doc.bom + body;
        } catch (e) {
            if (!(e instanceof ConfigEntryError)) throw e;
        }
    }
    throw new ConfigEntryError(`the captured ${name} entry could not be put back without changing anything else; nothing was written`, "verify");
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

/** A header value as a probe sends it when it must not send the value: HMAC-SHA256 under a one-run key. */
export function keyedHeader(key: string, value: string): string {
    return "keyed:" + createHmac("sha256", Buffer.from(key, "hex")).update(value).digest("hex");
}

/**
 * Whether the entry exists and how it differs from `desired`, field by field. A file that is not
 * valid TOML throws, as in applyEntry. `headerKey`: the desired header values are
 * keyedHeader(headerKey, value), not the values; the values found are keyed the same way before
 * they are compared.
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
            const status: FieldStatus = a === undefined ? "missing" : d === undefined ? "unexpected" : stableString(a) === stableString(d) ? "ok" : "different";
            fields[k] = { status, actual: redact(k, a), desired: redact(k, d) };
        }
    }
    const drift = want ? (actual === undefined ? ["entry"] : Object.keys(fields).filter((k) => fields[k].status !== "ok")) : [];
    return { present: actual !== undefined, forms: found.forms, fields, drift };
}

/** Header schemes that are named as found; any other value is only "present" (its first word may be the secret). */
const SCHEMES = ["Basic", "Bearer", "Token", "Digest", "Negotiate"];

/**
 * How entry NAME authenticates, as found, one line per credential field: the scheme of a literal
 * header (`http_headers.Authorization: present (Basic)`), never a value; variable names as written.
 */
export function authFound(text: string | undefined, name: string): string[] {
    const entry = ((parseDoc(text ?? "").value.mcp_servers ?? {}) as Record<string, unknown>)[name] as Record<string, unknown> | undefined;
    if (!entry || typeof entry !== "object") return [];
    const out: string[] = [];
    const headers = entry.http_headers;
    if (headers && typeof headers === "object") {
        for (const [k, v] of Object.entries(headers)) {
            const scheme = typeof v === "string" ? SCHEMES.find((s) => v.toLowerCase().startsWith(`${s.toLowerCase()} `)) : undefined;
            out.push(`http_headers.${k}: present${scheme ? ` (${scheme})` : ""}`);
        }
    }
    if (typeof entry.bearer_token_env_var === "string") out.push(`bearer_token_env_var: ${JSON.stringify(entry.bearer_token_env_var)}`);
    const envHeaders = entry.env_http_headers;
    if (envHeaders && typeof envHeaders === "object")
        for (const [k, v] of Object.entries(envHeaders)) out.push(`env_http_headers.${k}: from ${JSON.stringify(v)}`);
    return out.length ? out : [`none in the file (OAuth: codex mcp login ${name})`];
}

// ---------------------------------------------------------------------------------------------
// What the last ensure applied.

/**
 * A keyed digest of entry NAME: of the table found in `text`, or of the desired entry as it would be
 * written. Equal exactly when the values are. The key is random and lives in the target's record,
 * beside the file whose values it digests, so the digest tells nothing that file does not.
 */
export function entryDigest(key: string, name: string, from: { text?: string; desired?: McpEntry }): string | undefined {
    const table = from.desired ? canonicalValue(name, from.desired) : ((parseDoc(from.text ?? "").value.mcp_servers ?? {}) as Record<string, unknown>)[name];
    if (table === undefined) return undefined;
    return "applied:" + createHmac("sha256", Buffer.from(key, "hex")).update(stableString(table)).digest("hex");
}
