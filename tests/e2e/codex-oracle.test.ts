// The real Codex CLI is the oracle: what the editor writes, in every starting form, is what Codex
// parses. Also checks the facts the editor relies on (all forms read alike; a wrong type is fatal).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { applyEntry, captureEntry, McpEntry, removeEntry, restoreEntry } from "../../components/core/config-entry";
import { codexBinDir, codexMcpGet } from "../helpers/codex";

const header = "Basic " + Buffer.from("ada@example.com:PAT-oracle-42").toString("base64");
const full: McpEntry = {
    url: "https://mcp.cloud.cdata.com/mcp",
    startup_timeout_sec: 30,
    tool_timeout_sec: 90,
    enabled: true,
    bearer_token_env_var: "CONNECT_AI_TOKEN",
    http_headers: { Authorization: header },
    env_http_headers: { "X-Tenant": "CONNECT_AI_TENANT" },
};

let dir: string;
beforeAll(() => {
    codexBinDir(); // install once, before any timing-sensitive work
    // Not under /tmp: Codex refuses to create its helper links under a temporary directory.
    dir = fs.mkdtempSync(path.join(os.homedir(), ".codex-oracle-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function home(text: string): string {
    const h = fs.mkdtempSync(path.join(dir, "home-"));
    fs.writeFileSync(path.join(h, "config.toml"), text, { mode: 0o600 });
    return h;
}

const expected = {
    name: "connectai",
    enabled: true,
    transport: {
        type: "streamable_http",
        url: full.url,
        bearer_token_env_var: "CONNECT_AI_TOKEN",
        http_headers: { Authorization: "<as expected>" },
        env_http_headers: { "X-Tenant": "CONNECT_AI_TENANT" },
    },
    startup_timeout_sec: 30,
    tool_timeout_sec: 90,
};

const starts: Array<[string, string]> = [
    ["no file content", ""],
    ["table", '[mcp_servers.connectai]\nurl = "https://old/"\nstartup_timeout_sec = 10\n'],
    ["table with sub-table", '[mcp_servers.connectai]\nurl = "https://old/"\n\n[mcp_servers.connectai.http_headers]\nAuthorization = "Basic b2xk"\n'],
    ["inline under [mcp_servers]", '[mcp_servers]\nconnectai = { url = "https://old/" }\nother = { url = "https://other/" }\n'],
    ["dotted under [mcp_servers]", '[mcp_servers]\nconnectai.url = "https://old/"\nconnectai.tool_timeout_sec = 5\n'],
    ["root dotted", 'model = "o3"\nmcp_servers.connectai.url = "https://old/"\nmcp_servers.other.url = "https://other/"\n'],
    ["root inline", 'mcp_servers = { connectai = { url = "https://old/" } }\n'],
    ["root inline, empty", 'model = "o3"\nmcp_servers = {}\n'],
    ["root inline with another server", 'mcp_servers = { other = { url = "https://other/" } }\n'],
    [
        "root inline, ours among others as dotted keys",
        'mcp_servers = { connectai.url = "https://old/", other = { url = "https://other/" }, connectai.tool_timeout_sec = 5 }\n',
    ],
    ["root inline over lines (TOML 1.1, which this Codex reads)", 'mcp_servers = {\n  other = { url = "https://other/" },\n}\n'],
    ["CRLF with BOM and comments", '\uFEFF# mine\r\nmodel = "o3"\r\n\r\n[mcp_servers.connectai] # old\r\nurl = "https://old/"\r\n'],
];

describe(`Codex reads what the editor writes`, () => {
    test.each(starts)("%s", (_label, start) => {
        const h = home(applyEntry(start, "connectai", full));
        expect(codexMcpGet(h, "connectai", full.http_headers)).toMatchObject(expected);
        // Other servers in the file are still read by Codex as they were.
        if (start.includes("other")) {
            expect(codexMcpGet(h, "other")).toMatchObject({ transport: { url: "https://other/" } });
        }
        // And after removal Codex no longer knows the server.
        const r = home(removeEntry(applyEntry(start, "connectai", full), "connectai"));
        const got = spawnSync(path.join(codexBinDir(), "codex"), ["mcp", "get", "connectai", "--json"], {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, CODEX_HOME: r },
            encoding: "utf8",
        });
        expect(got.status).not.toBe(0);
        // What removal leaves (`mcp_servers = {}` included) is still a file Codex reads.
        const list = spawnSync(path.join(codexBinDir(), "codex"), ["mcp", "list", "--json"], {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, CODEX_HOME: r },
            encoding: "utf8",
        });
        expect(list.status).toBe(0);
    });

    test.each([
        ["appended as a table", 'model = "o3"\n'],
        ["as an item of the root inline table", 'mcp_servers = { other = { url = "https://other/" } }\n'],
    ])("a user's entry put back where its place is gone (%s) reads as it did", (_label, now) => {
        const mine = '[mcp_servers]\nconnectai.url = "https://mine/" # mine\nconnectai.startup_timeout_sec = 12.5\nconnectai.http_headers = { X = "y" }\n';
        const restored = restoreEntry(applyEntry(now, "connectai", full), "connectai", captureEntry(mine, "connectai")!);
        expect(restored).not.toContain("[mcp_servers]\n");
        expect(codexMcpGet(home(restored), "connectai", { X: "y" })).toEqual(codexMcpGet(home(mine), "connectai", { X: "y" }));
    });

    test("OAuth mode: no header at all", () => {
        const h = home(applyEntry(undefined, "connectai", { url: full.url, startup_timeout_sec: 30 }));
        const got = codexMcpGet(h, "connectai") as { transport: Record<string, unknown> };
        expect(got.transport.http_headers ?? null).toBeNull();
        expect(got).toMatchObject({ startup_timeout_sec: 30, transport: { url: full.url } });
    });
});

describe("facts the editor relies on, checked against this Codex", () => {
    test("every form of one entry parses identically", () => {
        const forms = [
            '[mcp_servers.x]\nurl = "https://h/"\nstartup_timeout_sec = 30\n[mcp_servers.x.http_headers]\nA = "b"\n',
            '[mcp_servers]\nx = { url = "https://h/", startup_timeout_sec = 30, http_headers = { A = "b" } }\n',
            '[mcp_servers]\nx.url = "https://h/"\nx.startup_timeout_sec = 30\nx.http_headers.A = "b"\n',
            'mcp_servers.x.url = "https://h/"\nmcp_servers.x.startup_timeout_sec = 30\nmcp_servers.x.http_headers = { A = "b" }\n',
            'mcp_servers = { x = { url = "https://h/", startup_timeout_sec = 30, http_headers = { A = "b" } } }\n',
        ];
        const seen = forms.map((f) => JSON.stringify(codexMcpGet(home(f), "x", { A: "b" })));
        expect(new Set(seen).size).toBe(1);
    });

    test("a wrong type is fatal for codex, which is why the editor validates types", () => {
        const h = home('[mcp_servers.x]\nurl = "https://h/"\nstartup_timeout_sec = "30"\n');
        const r = spawnSync(path.join(codexBinDir(), "codex"), ["mcp", "get", "x", "--json"], {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, CODEX_HOME: h },
            encoding: "utf8",
        });
        expect(r.status).not.toBe(0);
    });

    test("codex --version is the pinned version", () => {
        const out = execFileSync(path.join(codexBinDir(), "codex"), ["--version"], { encoding: "utf8" });
        expect(out).toContain(require("../../components/shared/versions").DEFAULT_CODEX_VERSION);
    });
});
