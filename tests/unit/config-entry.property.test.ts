// Property-based: for generated documents and entries, everything outside the entry is preserved
// byte for byte, apply is idempotent, and remove undoes apply.
import fc from "fast-check";
import { parse } from "smol-toml";
import { applyEntry, McpEntry, removeEntry, renderEntry } from "../../components/config-entry";

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
    .tuple(fc.array(comment, { maxLength: 2 }), fc.oneof(word.map((w) => `T${w}`), word.map((w) => `mcp_servers.${w}x`)), lines(0, 4))
    .map(([cs, name, body]) => [...cs, `[${name}]`, ...uniq(body)]);

const entry: fc.Arbitrary<McpEntry> = fc.record(
    {
        url: fc.webUrl({ validSchemes: ["https"] }),
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
