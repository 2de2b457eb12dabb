// Property-based: for generated documents and entries, everything outside the entry is preserved
// byte for byte, apply is idempotent, and remove undoes apply.
import fc from "fast-check";
import { parse } from "smol-toml";
import { applyEntry, captureEntry, McpEntry, removeEntry, renderEntry, restoreEntry } from "../../components/core/config-entry";

const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/); // root keys; tables get a "T" prefix, so they never collide
const text = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\\"\u0000-\u001f\u007f]/g, "x"));
const comment = text.map((s) => `# ${s}`);
const value = fc.oneof(
    text.map((s) => JSON.stringify(s)),
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.boolean().map(String),
    fc.constant('"""\n[mcp_servers.connectai]\nurl = "fake"\n"""'),
    fc.constant("[1, 2, 3]"),
);
const kv = fc.tuple(word, value, fc.option(comment)).map(([k, v, c]) => `${k} = ${v}${c ? " " + c : ""}`);
const lines = (min: number, max: number) => fc.array(fc.oneof(kv, comment, fc.constant("")), { minLength: min, maxLength: max });
// Keys must be unique within a table: make them so by suffixing the line index.
const uniq = (ls: string[]) => ls.map((l, i) => l.replace(/^([a-z][a-z0-9_]*) =/, `$1_${i} =`));
const table = fc
    .tuple(
        fc.array(comment, { maxLength: 2 }),
        fc.oneof(
            word.map((w) => `T${w}`),
            word.map((w) => `mcp_servers.${w}x`),
        ),
        lines(0, 4),
    )
    .map(([cs, name, body]) => [...cs, `[${name}]`, ...uniq(body)]);

const entry: fc.Arbitrary<McpEntry> = fc.record(
    {
        // A quote is refused in a URL (validateEntry): percent-encoded, as a user is told to.
        url: fc.webUrl({ validSchemes: ["https"] }).map((u) => u.replace(/'/g, "%27")),
        startup_timeout_sec: fc.integer({ min: 1, max: 600 }),
        tool_timeout_sec: fc.integer({ min: 1, max: 600 }),
        enabled: fc.boolean(),
        http_headers: fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z-]{0,10}$/), text, { maxKeys: 2 }),
    },
    { requiredKeys: ["url"] },
);

interface Doc {
    root: string[];
    tables: string[][];
    eol: string;
    bom: boolean;
    finalEol: boolean;
}
const doc: fc.Arbitrary<Doc> = fc.record({
    root: lines(0, 4).map(uniq),
    // Table names are made unique by their position.
    tables: fc.array(table, { maxLength: 5 }).map((ts) => ts.map((t, i) => t.map((l) => (l.startsWith("[") ? l.replace(/\]$/, `_${i}]`) : l)))),
    eol: fc.constantFrom("\n", "\r\n"),
    bom: fc.boolean(),
    finalEol: fc.boolean(),
});

function render(d: Doc, insert?: { at: number; block: string[] }): string {
    const tables = [...d.tables];
    if (insert) tables.splice(insert.at, 0, insert.block);
    // A multi-line value is written with the document's line ending, as an editor would.
    const all = [...d.root, ...tables.flat()].map((l) => l.replace(/\n/g, d.eol));
    let out = all.join(d.eol);
    if (all.length && d.finalEol) out += d.eol;
    return (d.bom ? "\uFEFF" : "") + out;
}

const runs = { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) };

test("without the entry: apply appends, is idempotent, and remove gives the original back", () => {
    fc.assert(
        fc.property(doc, entry, (d, e) => {
            const original = render(d);
            const applied = applyEntry(original, "connectai", e);
            expect(applyEntry(applied, "connectai", e)).toBe(applied);
            expect(removeEntry(applied, "connectai")).toBe(original);
            // Every byte of the original comes first, untouched (its final newline aside).
            const body = original.endsWith("\n") ? original : original.replace(/\r?\n?$/, "");
            expect(applied.startsWith(body)).toBe(true);
            const servers = (t: string) => (parse(t.replace(/^\uFEFF/, "")) as { mcp_servers: Record<string, unknown> }).mcp_servers;
            expect(servers(applied).connectai).toEqual(servers(renderEntry("connectai", e)).connectai);
        }),
        runs,
    );
});

test("with an old entry table anywhere: only that table's lines change", () => {
    fc.assert(
        fc.property(doc, entry, fc.nat(), fc.array(kv, { maxLength: 3 }), (d, e, at, extra) => {
            const pos = at % (d.tables.length + 1);
            const old = ["[mcp_servers.connectai]", 'url = "https://old.example/"', ...uniq(extra.filter((l) => !l.startsWith("url")))];
            const before = render(d, { at: pos, block: old });
            const canonical = renderEntry("connectai", e, d.eol).split(d.eol).slice(0, -1);
            let expected = render(d, { at: pos, block: canonical });
            const applied = applyEntry(before, "connectai", e);
            expect(applied).toBe(expected);
            expect(applyEntry(applied, "connectai", e)).toBe(applied);
            expected = render(d, { at: pos, block: [] });
            // Removing drops exactly the table's lines (no blank line of the user's is eaten
            // unless it only separated the entry).
            const removed = removeEntry(applied, "connectai");
            expect(parse(removed.replace(/^\uFEFF/, ""))).toEqual(parse(expected.replace(/^\uFEFF/, "")));
        }),
        runs,
    );
});

// The user's own entry, in every form the editor supports, with fields of any type and comments.
const field = fc.tuple(word, value, fc.option(comment)).map(([k, v, c]) => ({ k, v, c }));
const fields = fc
    .array(field, { maxLength: 3 })
    .map((fs) => [{ k: "url", v: '"https://old.example/"', c: null as string | null }, ...fs.map((f, i) => ({ ...f, k: `${f.k}_${i}` }))]);
type Field = { k: string; v: string; c: string | null };
const kvLine = (prefix: string) => (f: Field) => `${prefix}${f.k} = ${f.v}${f.c ? " " + f.c : ""}`;
const inlineOf = (fs: Field[]) => `{ ${fs.map((f) => `${f.k} = ${f.v}`).join(", ")} }`;
const FORMS = [
    "table",
    "table and sub-table",
    "inline under [mcp_servers]",
    "dotted under [mcp_servers]",
    "root dotted keys",
    "root inline",
    "root inline, dotted",
] as const;

/** The document with the entry written in `form`; `at`, `at2` pick places, `others` other servers. */
function withEntry(d: Doc, form: (typeof FORMS)[number], fs: Field[], at: number, at2: number, others: string[]): string {
    const pick = (n: number, len: number) => n % (len + 1);
    const tables = d.tables;
    const insertTable = (t: string[][], block: string[], n: number) => [...t.slice(0, pick(n, t.length)), block, ...t.slice(pick(n, t.length))];
    const root = (ls: string[]) => render({ ...d, root: [...d.root.slice(0, pick(at, d.root.length)), ...ls, ...d.root.slice(pick(at, d.root.length))] });
    const servers = others.map((o, i) => `o${i}_${o} = { url = "https://${o}.example/" }`);
    switch (form) {
        case "table":
            return render({ ...d, tables: insertTable(tables, ["[mcp_servers.connectai]", ...fs.map(kvLine(""))], at) });
        case "table and sub-table": {
            const t = insertTable(tables, ["[mcp_servers.connectai]", ...fs.map(kvLine(""))], at);
            return render({ ...d, tables: insertTable(t, ["# headers", "[mcp_servers.connectai.http_headers]", 'A = "b"'], at2) });
        }
        case "inline under [mcp_servers]":
        case "dotted under [mcp_servers]": {
            const ours = form === "inline under [mcp_servers]" ? [`connectai = ${inlineOf(fs)}`] : fs.map(kvLine("connectai."));
            const body = [...servers.slice(0, pick(at2, servers.length)), ...ours, ...servers.slice(pick(at2, servers.length))];
            return render({ ...d, tables: insertTable(tables, ["[mcp_servers]", ...body], at) });
        }
        case "root dotted keys":
            return root(fs.map(kvLine("mcp_servers.connectai.")));
        default: {
            // A root inline mcp_servers seals the name: the generated [mcp_servers.*x] tables go.
            const ours = form === "root inline" ? [`connectai = ${inlineOf(fs)}`] : fs.map((f) => `connectai.${f.k} = ${f.v}`);
            const items = [...servers.slice(0, pick(at2, servers.length)), ...ours, ...servers.slice(pick(at2, servers.length))];
            const plain = { ...d, tables: tables.map((t) => t.map((l) => l.replace(/^\[mcp_servers\./, "[Tm."))) };
            return render({
                ...plain,
                root: [...d.root.slice(0, pick(at, d.root.length)), `mcp_servers = { ${items.join(", ")} }`, ...d.root.slice(pick(at, d.root.length))],
            });
        }
    }
}

test("the user's own entry, in any form: restore(apply(file)) gives the file back byte for byte", () => {
    fc.assert(
        fc.property(doc, entry, fc.constantFrom(...FORMS), fields, fc.nat(), fc.nat(), fc.array(word, { maxLength: 3 }), (d, e, form, fs, at, at2, others) => {
            const before = withEntry(d, form, fs, at, at2, others);
            const captured = captureEntry(before, "connectai");
            expect(captured).toBeDefined();
            const applied = applyEntry(before, "connectai", e);
            expect(restoreEntry(applied, "connectai", captured!)).toBe(before);
            expect(restoreEntry(removeEntry(before, "connectai"), "connectai", captured!)).toBe(before);
        }),
        runs,
    );
});
