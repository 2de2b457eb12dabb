// The pure entry editor, case by case: every form Codex accepts, the user's bytes preserved.
import { parse } from "smol-toml";
import { createHash } from "crypto";
import { applyEntry, ConfigEntryError, fingerprint, keyedHeader, McpEntry, observeEntry, removeEntry, renderEntry, validateEntry } from "../../components/config-entry";

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
    test("every field, and strings that need escaping", () => {
        const text = renderEntry("x", {
            url: 'https://h/p?q="1"',
            startup_timeout_sec: 2.5,
            tool_timeout_sec: 120,
            enabled: false,
            bearer_token_env_var: "TOKEN",
            env_http_headers: { "X-Api-Key": "API_KEY" },
        });
        expect(servers(text).x).toEqual({
            url: 'https://h/p?q="1"',
            startup_timeout_sec: 2.5,
            tool_timeout_sec: 120,
            enabled: false,
            bearer_token_env_var: "TOKEN",
            env_http_headers: { "X-Api-Key": "API_KEY" },
        });
    });
});

describe("validateEntry names every bad field", () => {
    test.each([
        ["bad name", "conn ai", oauth, "name:"],
        ["dotted name", "a.b", oauth, "name:"],
        ["not a url", "x", { url: "nope" }, "url:"],
        ["ftp url", "x", { url: "ftp://h/" }, "url:"],
        ["zero timeout", "x", { url: "https://h/", startup_timeout_sec: 0 }, "startup_timeout_sec:"],
        ["string timeout", "x", { url: "https://h/", tool_timeout_sec: "30" as unknown as number }, "tool_timeout_sec:"],
        ["bad env var", "x", { url: "https://h/", bearer_token_env_var: "1X" }, "bearer_token_env_var:"],
        ["header with newline", "x", { url: "https://h/", http_headers: { A: "b\nc" } }, "http_headers.A:"],
        ["bad header name", "x", { url: "https://h/", http_headers: { "A B": "c" } }, "http_headers:"],
        ["unknown field", "x", { url: "https://h/", command: "sh" } as McpEntry, "command:"],
    ])("%s", (_label, name, entry, field) => {
        const problems = validateEntry(name, entry as McpEntry);
        expect(problems.some((p) => p.startsWith(field))).toBe(true);
        expect(() => applyEntry("", name, entry as McpEntry)).toThrow(ConfigEntryError);
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
        expect(after.startsWith("# my codex settings\nmodel = \"o3\"\n")).toBe(true);
        expect(after).toContain(OTHER);
        expect(applyEntry(after, "connectai", basic)).toBe(after);
        // Removing leaves the file without any trace of the entry, and the rest intact.
        const removed = removeEntry(after, "connectai");
        expect(servers(removed).connectai).toBeUndefined();
        expect(removed).toContain(OTHER);
        expect(removed).not.toContain("connectai]");
    });
});

test("a root inline table holding only our server is replaced by the table", () => {
    const before = '# top\nmodel = "o3"\nmcp_servers = { connectai = { url = "https://old.example/mcp" } }\n\n[profiles.x]\nmodel = "m"\n';
    const after = applyEntry(before, "connectai", basic);
    expect(after).toBe('# top\nmodel = "o3"\n\n[profiles.x]\nmodel = "m"\n\n' + canonical);
    expect(applyEntry(after, "connectai", basic)).toBe(after);
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

    test("a root inline mcp_servers holding other servers cannot take a table", () => {
        const sealed = 'mcp_servers = { other = { url = "https://o/" } }\n';
        expect(() => applyEntry(sealed, "connectai", oauth)).toThrow(/inline table at line 1/);
        const shared = 'mcp_servers = { other = { url = "https://o/" }, connectai = { url = "https://c/" } }\n';
        expect(() => applyEntry(shared, "connectai", oauth)).toThrow(ConfigEntryError);
        expect(() => removeEntry(shared, "connectai")).toThrow(/by hand/);
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
