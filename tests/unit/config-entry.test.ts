// The pure entry editor, case by case: every form Codex accepts, the user's bytes preserved.
import { parse } from "smol-toml";
import { createHash } from "crypto";
import {
    applyEntry,
    authFound,
    captureEntry,
    ConfigEntryError,
    fingerprint,
    keyedHeader,
    McpEntry,
    observeEntry,
    removeEntry,
    renderEntry,
    restoreEntry,
    validateEntry,
} from "../../components/core/config-entry";

const header = "Basic " + Buffer.from("ada@example.com:PAT-0123456789").toString("base64");
const basic: McpEntry = { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30, http_headers: { Authorization: header } };
const oauth: McpEntry = { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30 };
const canonical = renderEntry("connectai", basic);

function servers(text: string): Record<string, unknown> {
    return (parse(text.replace(/^\uFEFF/, "")) as { mcp_servers: Record<string, unknown> }).mcp_servers;
}

describe("renderEntry", () => {
    test("the canonical table, in CData's documented shape", () => {
        expect(canonical).toBe(
            "[mcp_servers.connectai]\n" +
                'url = "https://mcp.cloud.cdata.com/mcp"\n' +
                "startup_timeout_sec = 30\n" +
                `http_headers = { "Authorization" = "${header}" }\n`,
        );
    });
    // (A URL with a quote or a backslash is refused: a header value is the string that needs escaping.)
    test("every field, and strings that need escaping", () => {
        const text = renderEntry("x", {
            url: "https://h:8443/p?q=%221%22&r=2",
            startup_timeout_sec: 2.5,
            tool_timeout_sec: 120,
            enabled: false,
            bearer_token_env_var: "TOKEN",
            http_headers: { "X-Note": 'say "hi" \\ there' },
            env_http_headers: { "X-Api-Key": "API_KEY" },
        });
        expect(servers(text).x).toEqual({
            url: "https://h:8443/p?q=%221%22&r=2",
            startup_timeout_sec: 2.5,
            tool_timeout_sec: 120,
            enabled: false,
            bearer_token_env_var: "TOKEN",
            http_headers: { "X-Note": 'say "hi" \\ there' },
            env_http_headers: { "X-Api-Key": "API_KEY" },
        });
    });
});

describe("validateEntry names every bad field", () => {
    test.each<[string, string, McpEntry, string]>([
        ["bad name", "conn ai", oauth, `name: "conn ai" must be letters, digits, '-' or '_'`],
        ["dotted name", "a.b", oauth, `name: "a.b" must be letters, digits, '-' or '_'`],
        ["not a url", "x", { url: "nope" }, 'url: "nope" is not a URL'],
        ["ftp url", "x", { url: "ftp://h/" }, "url: must be http(s), got ftp:"],
        // What an older controller may still send: one string that a TOML reader sees as one value,
        // and that a URL parser (which drops newlines) would "verify" as another URL.
        [
            "url with a quote, a newline and a table",
            "x",
            { url: 'https://h/"\n[mcp_servers.evil]' },
            'url: "https://h/\\"\\n[mcp_servers.evil]" contains a control character (U+000A, LF, a line feed) at position 12',
        ],
        ["url with a NUL", "x", { url: "https://h/\0" }, 'url: "https://h/\\u0000" contains a control character (U+0000, NUL) at position 11'],
        [
            "url with a backslash",
            "x",
            { url: "https://h\\evil/" },
            'url: "https://h\\\\evil/" contains a character a URL must not hold as is (U+005C, a backslash) at position 10; percent-encode it',
        ],
        ["zero timeout", "x", { url: "https://h/", startup_timeout_sec: 0 }, "startup_timeout_sec: must be a number of seconds in (0, 86400], got 0"],
        [
            "string timeout",
            "x",
            { url: "https://h/", tool_timeout_sec: "30" as unknown as number },
            'tool_timeout_sec: must be a number of seconds in (0, 86400], got "30"',
        ],
        ["bad env var", "x", { url: "https://h/", bearer_token_env_var: "1X" }, 'bearer_token_env_var: "1X" is not an environment variable name'],
        ["header with newline", "x", { url: "https://h/", http_headers: { A: "b\nc" } }, "http_headers.A: must be a single-line string"],
        ["bad header name", "x", { url: "https://h/", http_headers: { "A B": "c" } }, 'http_headers: "A B" is not a valid header name'],
        ["unknown field", "x", { url: "https://h/", command: "sh" } as McpEntry, "command: not a field this tool writes"],
    ])("%s", (_label, name, entry, problem) => {
        expect(validateEntry(name, entry)).toEqual([problem]);
        expect(() => applyEntry("", name, entry)).toThrow(ConfigEntryError);
    });
    test("a header value is never echoed in a problem", () => {
        const problems = validateEntry("x", { url: "https://h/", http_headers: { A: "SECRET\nVALUE" } });
        expect(problems.join()).not.toContain("SECRET");
    });
});

// Files as users write them, each with the entry in some form, and what must survive.
const OTHER = '[mcp_servers.connectai2]\nurl = "https://two.example/mcp"\n\n[mcp_servers."connectai.eu"]\nurl = "https://eu.example/mcp"\n';

const forms: Array<[string, string]> = [
    ["table", '[mcp_servers.connectai]\nurl = "https://old.example/mcp"\nstartup_timeout_sec = 10\n'],
    ["table with comments inside", '[mcp_servers.connectai] # ours\n# the url\nurl = "https://old.example/mcp" # trailing\nstartup_timeout_sec = 10\n'],
    ["table and sub-table", '[mcp_servers.connectai]\nurl = "https://old.example/mcp"\n\n[mcp_servers.connectai.http_headers]\nAuthorization = "Basic b2xk"\n'],
    ["sub-table only", '[mcp_servers.connectai.http_headers]\nAuthorization = "Basic b2xk"\n'],
    ["inline under [mcp_servers]", '[mcp_servers]\nconnectai = { url = "https://old.example/mcp", startup_timeout_sec = 10 }\n'],
    ["dotted under [mcp_servers]", '[mcp_servers]\nconnectai.url = "https://old.example/mcp"\nconnectai.startup_timeout_sec = 10\n'],
    ["root dotted keys", 'mcp_servers.connectai.url = "https://old.example/mcp"\nmcp_servers.connectai.startup_timeout_sec = 10\n'],
    ["quoted name", '[mcp_servers."connectai"]\nurl = "https://old.example/mcp"\n'],
];

describe("applyEntry replaces every form with the canonical table", () => {
    test.each(forms)("%s", (_label, existing) => {
        const before = `# my codex settings\nmodel = "o3"\n\n${existing}\n${OTHER}`;
        const after = applyEntry(before, "connectai", basic);
        const parsed = parse(after) as Record<string, unknown>;
        expect(servers(after).connectai).toEqual(basic);
        expect(servers(after).connectai2).toEqual({ url: "https://two.example/mcp" });
        expect(servers(after)["connectai.eu"]).toEqual({ url: "https://eu.example/mcp" });
        expect(parsed.model).toBe("o3");
        expect(after).toContain(canonical);
        expect(after.startsWith('# my codex settings\nmodel = "o3"\n')).toBe(true);
        expect(after).toContain(OTHER);
        expect(applyEntry(after, "connectai", basic)).toBe(after);
        // Removing leaves the file without any trace of the entry, and the rest intact.
        const removed = removeEntry(after, "connectai");
        expect(servers(removed).connectai).toBeUndefined();
        expect(removed).toContain(OTHER);
        expect(removed).not.toContain("connectai]");
    });
});

// The root inline table `mcp_servers = { ... }` cannot take a table: the entry is edited inside it,
// on one line (TOML 1.0, which Codex reads, has no line breaks in inline tables).
const item = (e: McpEntry) => renderEntry("connectai", e).split("\n").slice(1, -1).join(", ");
const basicItem = `connectai = { ${item(basic)} }`;

describe("the root inline table mcp_servers is edited in place", () => {
    test.each([
        ["empty", "mcp_servers = {}", `mcp_servers = { ${basicItem} }`, "mcp_servers = {}"],
        ["only ours", 'mcp_servers = { connectai = { url = "https://old/" } }', `mcp_servers = { ${basicItem} }`, "mcp_servers = {}"],
        [
            "another server",
            'mcp_servers = { other = { url = "https://o/" } }',
            `mcp_servers = { other = { url = "https://o/" }, ${basicItem} }`,
            'mcp_servers = { other = { url = "https://o/" } }',
        ],
        [
            "ours between others",
            'mcp_servers = { a = { url = "https://a/" }, "connectai" = { url = "https://old/" }, b = { url = "https://b/" } }',
            `mcp_servers = { a = { url = "https://a/" }, ${basicItem}, b = { url = "https://b/" } }`,
            'mcp_servers = { a = { url = "https://a/" }, b = { url = "https://b/" } }',
        ],
        [
            "ours first, as dotted keys",
            'mcp_servers = { connectai.url = "https://old/", other = { url = "https://o/" }, connectai.startup_timeout_sec = 5 }',
            `mcp_servers = { ${basicItem}, other = { url = "https://o/" } }`,
            'mcp_servers = { other = { url = "https://o/" } }',
        ],
    ])("%s", (_label, line, applied, removed) => {
        const before = `# top\nmodel = "o3"\n${line} # servers\n\n[profiles.x]\nmodel = "m"\n`;
        const after = applyEntry(before, "connectai", basic);
        expect(after).toBe(before.replace(line, applied));
        expect(servers(after).connectai).toEqual(basic);
        expect(applyEntry(after, "connectai", basic)).toBe(after);
        expect(removeEntry(after, "connectai")).toBe(before.replace(line, removed));
        expect(observeEntry(after, "connectai", basic)).toMatchObject({
            present: true,
            drift: [],
            forms: ["inside the root inline table mcp_servers (line 3)"],
        });
    });

    test("a file without the entry round-trips byte for byte", () => {
        for (const line of [
            "mcp_servers = {}",
            'mcp_servers = { other = { url = "https://o/" } }',
            'mcp_servers = {a={url="https://a/"},b={url="https://b/"}}',
        ]) {
            const before = `model = "o3"\r\n${line}\r\n`;
            expect(removeEntry(applyEntry(before, "connectai", oauth), "connectai")).toBe(before);
        }
    });

    test("an inline table over lines with a trailing comma (TOML 1.1, which Codex reads): our item still on one line", () => {
        const before = 'mcp_servers = {\n  other = { url = "https://o/" },\n}\n';
        const after = applyEntry(before, "connectai", oauth);
        expect(after).toBe(`mcp_servers = {\n  other = { url = "https://o/" }, connectai = { ${item(oauth)} },\n}\n`);
        expect(removeEntry(after, "connectai")).toBe(before);
    });

    test("a value spread over lines inside it (allowed in TOML 1.0) stays as it is", () => {
        const before = 'mcp_servers = { other = { command = "x", args = [\n  "a",\n  "b",\n] } }\n';
        const after = applyEntry(before, "connectai", oauth);
        expect(after).toBe(before.replace(" } }\n", ` }, connectai = { ${item(oauth)} } }\n`));
        expect(removeEntry(after, "connectai")).toBe(before);
    });
});

describe("the user's bytes", () => {
    const user = '# header comment\r\nmodel = "o3" # inline\r\n\r\n[profiles.fast]\r\nmodel = "o4-mini"\r\n';

    test("CRLF in, CRLF out; apply then remove gives the original back", () => {
        const after = applyEntry(user, "connectai", basic);
        expect(after).toBe(user + "\r\n" + canonical.replace(/\n/g, "\r\n"));
        expect(removeEntry(after, "connectai")).toBe(user);
    });

    test("a UTF-8 BOM is kept", () => {
        const after = applyEntry("\uFEFF" + user, "connectai", oauth);
        expect(after.startsWith("\uFEFF# header comment")).toBe(true);
        expect(removeEntry(after, "connectai")).toBe("\uFEFF" + user);
    });

    test("a missing final newline stays missing", () => {
        const after = applyEntry('model = "o3"', "connectai", oauth);
        expect(after.endsWith("\n")).toBe(false);
        expect(servers(after).connectai).toEqual(oauth);
        expect(applyEntry(after, "connectai", oauth)).toBe(after);
        expect(removeEntry(after, "connectai")).toBe('model = "o3"');
    });

    test("an absent or empty file gets just the table", () => {
        expect(applyEntry(undefined, "connectai", basic)).toBe(canonical);
        expect(applyEntry("", "connectai", basic)).toBe(canonical);
        expect(removeEntry(canonical, "connectai")).toBe("");
    });

    test("a table in the middle is replaced in place", () => {
        const before = '[a]\nx = 1\n\n[mcp_servers.connectai]\nurl = "https://old/"\n# about b\n\n[b]\ny = 2\n';
        expect(applyEntry(before, "connectai", oauth)).toBe(
            '[a]\nx = 1\n\n[mcp_servers.connectai]\nurl = "https://mcp.cloud.cdata.com/mcp"\nstartup_timeout_sec = 30\n# about b\n\n[b]\ny = 2\n',
        );
    });

    test("a multi-line string that looks like a header is not a header", () => {
        const before = 'notes = """\n[mcp_servers.connectai]\nurl = "https://fake/"\n"""\n';
        const after = applyEntry(before, "connectai", oauth);
        expect(after.startsWith(before)).toBe(true);
        expect((parse(after) as { notes: string }).notes).toContain("[mcp_servers.connectai]");
        expect(removeEntry(before, "connectai")).toBe(before);
    });

    test("removing an absent entry changes nothing", () => {
        expect(removeEntry(OTHER, "connectai")).toBe(OTHER);
        expect(removeEntry("", "connectai")).toBe("");
    });

    test("Unicode keys and values elsewhere survive", () => {
        const before = '"ключ" = "значение"\n["表"]\n"😀" = "ok"\n';
        const after = applyEntry(before, "connectai", oauth);
        expect(after.startsWith(before)).toBe(true);
        expect(removeEntry(after, "connectai")).toBe(before);
    });

    test("twenty other servers, and ours among them", () => {
        const many = Array.from({ length: 20 }, (_, i) => `[mcp_servers.s${i}]\nurl = "https://s${i}.example/"\n`);
        many.splice(7, 0, '[mcp_servers.connectai]\nurl = "https://old/"\n');
        const before = many.join("\n");
        const after = applyEntry(before, "connectai", basic);
        expect(Object.keys(servers(after))).toHaveLength(21);
        expect(after.replace(canonical, '[mcp_servers.connectai]\nurl = "https://old/"\n')).toBe(before);
    });

    test("a 1 MB file", () => {
        const big = Array.from({ length: 24000 }, (_, i) => `[t${i}]\nk = "${"v".repeat(30)}"\n`).join("\n");
        expect(big.length).toBeGreaterThan(1_000_000);
        const after = applyEntry(big, "connectai", basic);
        expect(after.startsWith(big)).toBe(true);
        expect(removeEntry(after, "connectai")).toBe(big);
    });
});

describe("refusals", () => {
    test("invalid TOML: an error with line and column, nothing returned", () => {
        try {
            applyEntry('a = 1\n[mcp_servers.connectai]\nurl = "unterminated\n', "connectai", oauth);
            throw new Error("expected a ConfigEntryError");
        } catch (e) {
            expect(e).toBeInstanceOf(ConfigEntryError);
            expect((e as ConfigEntryError).code).toBe("parse");
            expect((e as ConfigEntryError).line).toBe(3);
            expect((e as Error).message).toMatch(/line 3, column \d+/);
        }
    });

    test("mixing two forms for one server is invalid TOML and refused", () => {
        const mixed = '[mcp_servers]\nconnectai = { url = "https://a/" }\n\n[mcp_servers.connectai]\nurl = "https://b/"\n';
        expect(() => applyEntry(mixed, "connectai", oauth)).toThrow(/line 4/);
    });

    test.each([
        ["a number", 'model = "o3"\nmcp_servers = 5\n', 2, 1],
        ["an array of tables", '[a]\nx = 1\n\n[[mcp_servers]]\nurl = "https://o/"\n', 4, 1],
    ])("mcp_servers that is not a table (%s): refused with line and column", (_label, text, line, column) => {
        for (const edit of [() => applyEntry(text, "connectai", oauth), () => restoreEntry(text, "connectai", captureEntry(canonical, "connectai")!)]) {
            try {
                edit();
                throw new Error("expected a ConfigEntryError");
            } catch (e) {
                expect(e).toMatchObject({ code: "refused", line, column });
                expect((e as Error).message).toContain(`line ${line}, column ${column}`);
            }
        }
        expect(removeEntry(text, "connectai")).toBe(text);
    });
});

describe("observeEntry", () => {
    test("in sync", () => {
        const o = observeEntry(applyEntry("", "connectai", basic), "connectai", basic);
        expect(o).toMatchObject({ present: true, drift: [] });
        expect(o.forms).toEqual(["table (line 1)"]);
    });

    test("absent", () => {
        expect(observeEntry(undefined, "connectai", basic)).toMatchObject({ present: false, drift: ["entry"] });
    });

    test("field by field, header values as fingerprints only", () => {
        const text = '[mcp_servers]\nconnectai = { url = "https://other/", http_headers = { Authorization = "Basic WRONG-SECRET" }, required = true }\n';
        const o = observeEntry(text, "connectai", basic);
        expect(o.drift).toEqual(["http_headers", "required", "startup_timeout_sec", "url"]);
        expect(o.fields.url).toEqual({ status: "different", actual: "https://other/", desired: basic.url });
        expect(o.fields.startup_timeout_sec.status).toBe("missing");
        expect(o.fields.required.status).toBe("unexpected");
        expect(o.fields.http_headers.actual).toEqual({ Authorization: fingerprint("Basic WRONG-SECRET") });
        const printed = JSON.stringify(o);
        expect(printed).not.toContain("WRONG-SECRET");
        expect(printed).not.toContain(header);
        expect(o.forms).toEqual(["inline table under [mcp_servers] (line 2)"]);
    });

    test("fingerprints are keyed per run: no unkeyed hash of the secret, nothing to compare across runs", () => {
        expect(fingerprint("Basic WRONG-SECRET")).toMatch(/^hmac:[0-9a-f]{12}$/);
        expect(fingerprint("Basic WRONG-SECRET")).toBe(fingerprint("Basic WRONG-SECRET"));
        expect(fingerprint("Basic WRONG-SECRET")).not.toBe(createHash("sha256").update("Basic WRONG-SECRET").digest("hex").slice(0, 12));
    });

    test("a probe with keyed header values: drift found without the value being sent", () => {
        const key = "00".repeat(16) + "ab".repeat(16);
        const keyed = { ...basic, http_headers: { Authorization: keyedHeader(key, header) } };
        expect(JSON.stringify(keyed)).not.toContain(header);
        const text = applyEntry("", "connectai", basic);
        expect(observeEntry(text, "connectai", keyed, key).drift).toEqual([]);
        const tampered = text.replace(header, "Basic c29tZW9uZQ==");
        expect(observeEntry(tampered, "connectai", keyed, key).drift).toEqual(["http_headers"]);
        expect(observeEntry(text, "connectai", keyed, "11".repeat(32)).drift).toEqual(["http_headers"]); // another key, another value
    });

    test("a reformatted but equal entry is not drift", () => {
        const text = '[mcp_servers]\nconnectai.url = "https://mcp.cloud.cdata.com/mcp"\n# note\nconnectai.startup_timeout_sec = 30\n';
        expect(observeEntry(text, "connectai", oauth).drift).toEqual([]);
    });
});

describe("captureEntry and restoreEntry put the user's own entry back", () => {
    const inlineForms: Array<[string, string]> = [
        ["root inline, alone", 'mcp_servers = { connectai = { url = "https://old.example/mcp", startup_timeout_sec = 10.0 } }\n'],
        ["root inline, among others", 'mcp_servers = { a = { url = "https://a/" }, connectai.url = "https://old.example/mcp", b = { url = "https://b/" } }\n'],
    ];
    const all = [...forms, ...inlineForms];
    const file = (existing: string) =>
        existing.startsWith("mcp_servers =")
            ? `# my codex settings\n${existing}model = "o3"\n\n[profiles.x]\nmodel = "m"\n`
            : `# my codex settings\nmodel = "o3"\n\n${existing}\n${OTHER}`;

    test.each(all)("%s: restore(apply(file)) is the file, byte for byte", (_label, existing) => {
        const before = file(existing);
        const captured = captureEntry(before, "connectai")!;
        expect(captured).toBeDefined();
        expect(restoreEntry(applyEntry(before, "connectai", basic), "connectai", captured)).toBe(before);
        expect(restoreEntry(before, "connectai", captured)).toBe(before);
        expect(restoreEntry(removeEntry(before, "connectai"), "connectai", captured)).toBe(before);
    });

    test("no entry, nothing to capture", () => {
        expect(captureEntry(OTHER, "connectai")).toBeUndefined();
        expect(captureEntry("", "connectai")).toBeUndefined();
        expect(captureEntry("mcp_servers = {}\n", "connectai")).toBeUndefined();
    });

    test("the user's edits elsewhere survive and the entry comes back in its place", () => {
        const mine = '[mcp_servers.connectai] # mine\nurl = "https://old.example/mcp"\n# timeouts\nstartup_timeout_sec = 10\n';
        const before = `model = "o3"\n\n[profiles.x]\nmodel = "m"\n\n${mine}\n[mcp_servers.other]\nurl = "https://o/"\n`;
        const captured = captureEntry(before, "connectai")!;
        const applied = applyEntry(before, "connectai", basic);
        const edited = ('approval_policy = "never"\n' + applied).replace('model = "m"', 'model = "m2"\nreasoning = "high"') + '\n[profiles.y]\nmodel = "n"\n';
        const expected = ('approval_policy = "never"\n' + before).replace('model = "m"', 'model = "m2"\nreasoning = "high"') + '\n[profiles.y]\nmodel = "n"\n';
        expect(restoreEntry(edited, "connectai", captured)).toBe(expected);
    });

    test("the same inside the root inline table", () => {
        const before = 'mcp_servers = { a = { url = "https://a/" }, connectai = { url = "https://old/" }, b = { url = "https://b/" } }\n';
        const captured = captureEntry(before, "connectai")!;
        const edited = applyEntry(before, "connectai", basic).replace("https://a/", "https://a2/").replace(" }\n", ', c = { url = "https://c/" } }\n');
        expect(restoreEntry(edited, "connectai", captured)).toBe(
            'mcp_servers = { a = { url = "https://a2/" }, connectai = { url = "https://old/" }, b = { url = "https://b/" }, c = { url = "https://c/" } }\n',
        );
    });

    test("a whole file of the user's, with the entry sub-table elsewhere, in CRLF with a BOM", () => {
        const before =
            '\uFEFF# settings\r\nmodel = "o3"\r\n\r\n[mcp_servers.connectai.env_http_headers]\r\nX = "Y"\r\n\r\n[profiles.x]\r\nmodel = "m"\r\n\r\n' +
            '[mcp_servers.connectai]\r\nurl = "https://old/"\r\n# end';
        const captured = captureEntry(before, "connectai")!;
        expect(restoreEntry(applyEntry(before, "connectai", basic), "connectai", captured)).toBe(before);
    });

    test("when its place is gone, the entry comes back as a table at the end, types kept", () => {
        const before =
            '[mcp_servers]\nother = { url = "https://o/" }\nconnectai.command = "npx"\nconnectai.args = ["-y", "srv"]\nconnectai.startup_timeout_sec = 10.0\n' +
            "connectai.env = { N = 1, D = 1979-05-27T07:32:00Z }\n";
        const captured = captureEntry(before, "connectai")!;
        // The user rewrote the file: other servers as tables, no [mcp_servers] any more.
        const now = applyEntry('[mcp_servers.other]\nurl = "https://o/"\n', "connectai", basic);
        const restored = restoreEntry(now, "connectai", captured);
        expect(restored).toBe(
            '[mcp_servers.other]\nurl = "https://o/"\n\n[mcp_servers.connectai]\ncommand = "npx"\nargs = ["-y", "srv"]\nstartup_timeout_sec = 10.0\n' +
                "env = { N = 1, D = 1979-05-27T07:32:00.000Z }\n",
        );
        expect(servers(restored).connectai).toEqual(servers(before).connectai);
    });

    test("when the file became a root inline table, the entry comes back as an item of it", () => {
        const before = '[mcp_servers.connectai]\nurl = "https://old/" # mine\nstartup_timeout_sec = 10.0\n';
        const captured = captureEntry(before, "connectai")!;
        const now = applyEntry('mcp_servers = { other = { url = "https://o/" } }\n', "connectai", basic);
        expect(restoreEntry(now, "connectai", captured)).toBe(
            'mcp_servers = { other = { url = "https://o/" }, connectai = { url = "https://old/", startup_timeout_sec = 10.0 } }\n',
        );
    });

    test("a capture that is not one is refused, naming the format", () => {
        const captured = captureEntry(canonical, "connectai")!;
        expect(() => restoreEntry("", "connectai", "{}")).toThrow(/codex-mcp-entry\/1/);
        expect(() => restoreEntry("", "other", captured)).toThrow(ConfigEntryError);
        expect(JSON.parse(captured)).toMatchObject({ format: "codex-mcp-entry/1", name: "connectai" });
    });
});

describe("authFound: how an entry authenticates, without a value", () => {
    test("a Basic header by its scheme, variables by name, OAuth when there is none", () => {
        expect(authFound(applyEntry("", "connectai", basic), "connectai")).toEqual(["http_headers.Authorization: present (Basic)"]);
        expect(authFound(applyEntry("", "connectai", { ...oauth, bearer_token_env_var: "TOKEN" }), "connectai")).toEqual(['bearer_token_env_var: "TOKEN"']);
        expect(authFound(applyEntry("", "connectai", { ...oauth, env_http_headers: { "X-Api-Key": "KEY" } }), "connectai")).toEqual([
            'env_http_headers.X-Api-Key: from "KEY"',
        ]);
        expect(authFound(applyEntry("", "connectai", oauth), "connectai")).toEqual(["none in the file (OAuth: codex mcp login connectai)"]);
        expect(authFound('model = "o3"\n', "connectai")).toEqual([]);
    });

    test("a value without a known scheme is only 'present': its first word may be the secret itself", () => {
        const text = applyEntry("", "docs", { url: "https://d.example/", http_headers: { "X-Api-Key": "sk-live-0123 extra", Authorization: "bearer abc" } });
        const found = authFound(text, "docs");
        expect(found).toEqual(["http_headers.X-Api-Key: present", "http_headers.Authorization: present (Bearer)"]);
        expect(found.join("\n")).not.toMatch(/sk-live|abc/);
    });
});
