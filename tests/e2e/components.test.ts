// Each public component on its own through the real engine (tests/programs/components): CodexCli
// installing Codex into an account that has none; CodexMcpServer without Codex, with verify off,
// with literal (secret) headers, bearerTokenEnvVar and envHttpHeaders; ConnectAiCodex in each auth
// mode. Up, Codex reading each entry, a clean preview, a create that fails leaving nothing, destroy.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexBinDir, codexMcpGet, codexVersion } from "../helpers/codex";
import { npmSeed } from "../helpers/fleet";
import { caEnvArgs } from "../helpers/ca-env";
import { suiteNeeding } from "../helpers/needs";
import { PulumiSandbox, sandboxStack } from "../helpers/stack";
import { projectRoot } from "../helpers/toolchain";
import { createUser, TestUser } from "../helpers/users";

const PAT = "PAT-components-e2e-a11ce";
const basic = "Basic " + Buffer.from(`ada@example.com:${PAT}`).toString("base64");
const LOCAL = ["noverify", "headers", "bearer", "envheaders", "oauth", "basic", "bearerenv", "envhdr"];

const suite = suiteNeeding({ root: true });

suite("each component on its own, with the real engine", () => {
    let cliUser: TestUser;
    let bareUser: TestUser;
    let homesDir: string;
    let sandbox: PulumiSandbox;
    let stack: Stack;
    let remove: (() => Promise<void>) | undefined;
    const printed: string[] = [];
    const onOutput = (s: string) => printed.push(s);
    const home = (n: string) => path.join(homesDir, n);
    // The account's own PATH: never the engine's, which holds this machine's cached Codex.
    const prefix = (u: TestUser) => ["runuser", "-u", u.name, "--", "env", `HOME=${u.home}`, "PATH=/usr/local/bin:/usr/bin:/bin", ...caEnvArgs()];
    const bareConfig = () => path.join(bareUser.home, ".codex", "config.toml");
    const cliCodex = () => path.join(cliUser.home, ".local", "bin", "codex");

    async function setSetup(failing: boolean) {
        await stack.setConfig("setup", {
            value: JSON.stringify({
                homes: Object.fromEntries(LOCAL.map((n) => [n, home(n)])),
                cliPrefix: prefix(cliUser),
                barePrefix: prefix(bareUser),
                failing,
            }),
        });
    }

    beforeAll(async () => {
        codexBinDir();
        cliUser = createUser("cxc");
        bareUser = createUser("cxc");
        fs.cpSync(npmSeed([codexVersion]), path.join(cliUser.home, ".npm"), { recursive: true });
        spawnSync("chown", ["-R", `${cliUser.uid}:${cliUser.gid}`, path.join(cliUser.home, ".npm")]);
        homesDir = fs.mkdtempSync(path.join(os.tmpdir(), "components-e2e-"));
        // The local targets find the cached Codex first on PATH; the accounts have none.
        ({ stack, sandbox, remove } = await sandboxStack({
            name: "components",
            workDir: path.join(projectRoot, "tests", "programs", "components"),
            path: [codexBinDir()],
        }));
        await stack.setConfig("pat", { value: PAT, secret: true });
        await setSetup(false);
    });

    afterAll(async () => {
        await remove?.();
        if (homesDir) fs.rmSync(homesDir, { recursive: true, force: true });
        cliUser?.remove();
        bareUser?.remove();
    });

    test("up: every component converges, and Codex reads each entry as meant", async () => {
        const up = await stack.up({ onOutput });
        expect(up.summary.result).toBe("succeeded");
        // CodexCli: installed into the account's own prefix at the pinned version, no config written.
        expect(spawnSync(cliCodex(), ["--version"], { encoding: "utf8" }).stdout).toContain(codexVersion);
        expect(fs.existsSync(path.join(cliUser.home, ".codex", "config.toml"))).toBe(false);
        // CodexMcpServer on an account without Codex: the entry is written (nothing could verify it).
        expect(fs.readFileSync(bareConfig(), "utf8")).toBe('[mcp_servers.docs]\nurl = "https://docs.example/mcp"\n');
        expect(codexMcpGet(path.dirname(bareConfig()), "docs")).toMatchObject({ transport: { url: "https://docs.example/mcp" } });
        expect(codexMcpGet(home("noverify"), "plain")).toMatchObject({
            enabled: false,
            startup_timeout_sec: 20,
            tool_timeout_sec: 90,
            transport: { url: "https://plain.example/mcp" },
        });
        expect(codexMcpGet(home("headers"), "hdr", { "X-Api-Key": PAT, "X-Team": "blue" })).toMatchObject({
            transport: { http_headers: { "X-Api-Key": "<as expected>", "X-Team": "<as expected>" } },
        });
        expect(codexMcpGet(home("bearer"), "docs")).toMatchObject({ transport: { bearer_token_env_var: "DOCS_TOKEN" } });
        expect(codexMcpGet(home("envheaders"), "env")).toMatchObject({ transport: { env_http_headers: { "X-Api-Key": "ENV_API_KEY" } } });
        const connect = { transport: { type: "streamable_http", url: "https://mcp.cloud.cdata.com/mcp" }, startup_timeout_sec: 30 };
        expect(codexMcpGet(home("oauth"), "connectai")).toMatchObject({ ...connect, transport: { ...connect.transport, http_headers: null } });
        expect(codexMcpGet(home("basic"), "connectai", { Authorization: basic })).toMatchObject({
            ...connect,
            transport: { ...connect.transport, http_headers: { Authorization: "<as expected>" } },
        });
        expect(codexMcpGet(home("bearerenv"), "connectai")).toMatchObject({ transport: { bearer_token_env_var: "CONNECT_AI_TOKEN" } });
        expect(codexMcpGet(home("envhdr"), "connectai")).toMatchObject({ transport: { env_http_headers: { Authorization: "CONNECT_AI_AUTH" } } });
        const outs = up.outputs.components.value as Record<string, { configPath: string; codexVersion: string | null }>;
        expect(outs.cli.codexVersion).toBe(codexVersion);
        expect(outs.nocodex).toMatchObject({ configPath: bareConfig(), codexVersion: null });
    });

    test("a second preview expects no changes", async () => {
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("a create that fails (verify requested, no Codex) leaves no entry that no state knows of", async () => {
        const before = fs.readFileSync(bareConfig(), "utf8");
        await setSetup(true);
        await expect(stack.up({ onOutput })).rejects.toThrow(/verify was requested but codex is not installed/);
        expect(fs.readFileSync(bareConfig(), "utf8")).toBe(before);
        // The component was registered; no command for it (the only thing that could remove an entry) was.
        const deployment = (await stack.exportStack()).deployment as { resources: Array<{ urn: string; custom: boolean }> };
        expect(deployment.resources.filter((r) => r.urn.endsWith("::failing")).map((r) => r.custom)).toEqual([false]);
        await setSetup(false);
        await stack.up({ onOutput });
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("no secret in plain text: engine output, the state files", async () => {
        const files = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : [path.join(dir, d.name)]));
        const state = files(path.join(sandbox.dir, "state"))
            .map((f) => fs.readFileSync(f, "utf8"))
            .join("\n");
        expect(state).toContain("codex-connect-pulumi:index:CodexMcpServer"); // the scan sees the components
        for (const s of [PAT, basic, basic.slice(6)]) {
            expect(printed.join("").includes(s)).toBe(false);
            expect(state.includes(s)).toBe(false);
        }
    });

    test("destroy removes every entry, and Codex where uninstallOnDestroy says so", async () => {
        const destroy = await stack.destroy({ onOutput });
        expect(destroy.summary.result).toBe("succeeded");
        expect(fs.existsSync(cliCodex())).toBe(false);
        expect(fs.readFileSync(bareConfig(), "utf8")).toBe("");
        for (const n of LOCAL) expect(fs.readFileSync(path.join(home(n), "config.toml"), "utf8")).toBe("");
    });
});
