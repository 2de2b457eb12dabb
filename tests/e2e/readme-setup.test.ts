// The README's set-up exactly as a newcomer runs it: a fresh clone, a fresh account with its own
// HOME, `npm run up` (nothing set: OAuth, this machine, file backend), then again (no change), then
// `npm run down` from another fresh clone sharing the backend (the entry gone, the rest kept).
// The real Codex of that account reads what was written. No run says it took a plugin from PATH: the
// command plugin is in the account's Pulumi plugin cache.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { codexVersion } from "../helpers/codex";
import { freshClone } from "../helpers/clone";
import { npmSeed } from "../helpers/fleet";
import { caEnv } from "../helpers/ca-env";
import { suiteNeeding } from "../helpers/needs";
import { summaryOf, verdictOf } from "../helpers/run-summary";
import { ambientPluginWarnings, projectRoot, toolchainBin } from "../helpers/toolchain";
import { createUser, TestUser } from "../helpers/users";

const suite = suiteNeeding({ root: true });

suite("the README's two set-up commands, as a newcomer", () => {
    let user: TestUser;
    let pulumiDir: string;
    let cloneA: string;
    const config = () => path.join(user.home, ".codex", "config.toml");
    const codex = () => path.join(user.home, ".local", "bin", "codex");
    /** Every command run as the account, with what it printed. */
    const runs: Array<{ command: string; out: string }> = [];

    /** A command as the account types it in its clone: a login environment, nothing of ours. */
    function asUser(cwd: string, command: string, env: Record<string, string> = {}) {
        const base = {
            HOME: user.home,
            USER: user.name,
            LOGNAME: user.name,
            SHELL: "/bin/bash",
            // The machine has Pulumi installed (README: the toolchain) and Node.js; no Codex.
            PATH: `${pulumiDir}:/usr/local/bin:/usr/bin:/bin`,
            ...caEnv(),
        };
        const r = spawnSync(
            "runuser",
            [
                "-u",
                user.name,
                "--",
                "env",
                "-i",
                ...Object.entries({ ...base, ...env }).map(([k, v]) => `${k}=${v}`),
                "bash",
                "-c",
                `cd "$1" && ${command}`,
                "_",
                cwd,
            ],
            {
                encoding: "utf8",
                timeout: 20 * 60_000,
            },
        );
        const out = `${r.stdout}\n${r.stderr}`;
        runs.push({ command, out });
        return { status: r.status, out, stdout: r.stdout };
    }

    function codexGet(): Record<string, unknown> {
        const r = spawnSync(
            "runuser",
            ["-u", user.name, "--", "env", "-i", `HOME=${user.home}`, "PATH=/usr/bin:/bin", codex(), "mcp", "get", "connectai", "--json"],
            { encoding: "utf8" },
        );
        if (r.status !== 0) throw new Error(`codex mcp get exited ${r.status}`);
        return JSON.parse(r.stdout);
    }

    beforeAll(() => {
        user = createUser("cxr");
        // Pulumi as installed on this machine: a copy the account can run.
        pulumiDir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-pulumi-"));
        for (const f of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-command"]) fs.copyFileSync(path.join(toolchainBin(), f), path.join(pulumiDir, f));
        for (const f of fs.readdirSync(pulumiDir)) fs.chmodSync(path.join(pulumiDir, f), 0o755);
        fs.chmodSync(pulumiDir, 0o755);
        // Codex from the machine's npm cache instead of 400 MB from the registry (content-addressed: the same bytes).
        fs.cpSync(npmSeed([codexVersion]), path.join(user.home, ".npm"), { recursive: true });
        spawnSync("chown", ["-R", `${user.uid}:${user.gid}`, path.join(user.home, ".npm")]);
        cloneA = freshClone(path.join(user.home, "codex-connect-pulumi"), user);
    });

    afterAll(() => {
        user?.remove();
        if (pulumiDir) fs.rmSync(pulumiDir, { recursive: true, force: true });
    });

    test("npm run up: Codex installed, the Connect AI entry in ~/.codex/config.toml (OAuth), read by Codex", () => {
        const r = asUser(cloneA, "npm run up");
        expect({ status: r.status, tail: r.status === 0 ? "" : r.out.slice(-3000) }).toEqual({ status: 0, tail: "" });
        expect(codexGet()).toMatchObject({
            name: "connectai",
            enabled: true,
            transport: { type: "streamable_http", url: "https://mcp.cloud.cdata.com/mcp" },
            startup_timeout_sec: 30,
        });
        expect((codexGet().transport as { http_headers?: unknown }).http_headers ?? null).toBeNull();
        const st = fs.statSync(config());
        expect({ mode: st.mode & 0o777, uid: st.uid }).toEqual({ mode: 0o600, uid: user.uid });
        // It ends with what it did, for a person; the JSON is one command away.
        expect(summaryOf(r.stdout)).toEqual([
            `  local: Codex ${codexVersion} at ${codex()}; connectai in ${config()} (OAuth: run codex mcp login connectai once)`,
        ]);
        expect(r.out).toContain("up: the same as JSON: npm run pulumi -- stack output targets\n");
        // Codex's verdict: nothing signed it in (no credential in the stack), and it says how.
        expect(verdictOf(r.stdout)).toContain(
            "    not ready: Codex is not signed in: run codex login --device-auth on the target, or give the stack openaiApiKey or codexAccessToken",
        );
        // Codex's verdict: nothing signed it in (no credential in the stack), and it says how.
        expect(verdictOf(r.stdout)).toContain(
            "    not ready: Codex is not signed in: run codex login --device-auth on the target, or give the stack openaiApiKey or codexAccessToken",
        );
        expect(spawnSync(codex(), ["--version"], { encoding: "utf8" }).stdout).toContain(codexVersion);
        expect(ambientPluginWarnings(r.out)).toEqual([]);
        // A healthy first run is an install: no warning of any kind (no drift, no plugin from PATH).
        expect(r.out.split("\n").filter((l) => /warning/i.test(l))).toEqual([]);
        // Where the engine found it: the account's own plugin cache (~/.pulumi/plugins), the toolchain's plugin byte for byte.
        const commandVersion = require(path.join(projectRoot, "package.json")).devDependencies["@pulumi/command"];
        const plugin = path.join(user.home, ".pulumi", "plugins", `resource-command-v${commandVersion}`, "pulumi-resource-command");
        expect(fs.readFileSync(plugin).equals(fs.readFileSync(path.join(toolchainBin(), "pulumi-resource-command")))).toBe(true);
        expect(fs.statSync(plugin).uid).toBe(user.uid);
    });

    test("npm run up again changes nothing", () => {
        const before = fs.statSync(config()).mtimeMs;
        const r = asUser(cloneA, "npm run up");
        expect(r.status).toBe(0);
        expect(r.out).toMatch(/Resources:\s+\d+ unchanged/);
        expect(r.out).not.toMatch(/\d+ (updated|created|replaced|deleted)/);
        expect(fs.statSync(config()).mtimeMs).toBe(before);
        expect(r.out.split("\n").filter((l) => /warning/i.test(l))).toEqual([]);
        expect(r.out).not.toContain("installing the command plugin"); // it is in the plugin cache already
    });

    test("npm run down from another fresh clone on the same backend: the entry goes, the rest stays", () => {
        // The user's own settings and servers, added after the up.
        const text = fs.readFileSync(config(), "utf8");
        const mine = '# mine\nmodel = "o3"\n\n[mcp_servers.docs]\nurl = "https://docs.example/mcp" # keep me\n';
        fs.writeFileSync(config(), mine + "\n" + text);
        const cloneB = freshClone(path.join(user.home, "second-clone"), user);
        expect(fs.existsSync(path.join(cloneB, "node_modules"))).toBe(false);
        expect(fs.existsSync(path.join(cloneB, "dist"))).toBe(false);
        const r = asUser(cloneB, "npm run down", {
            PULUMI_BACKEND_URL: `file://${cloneA}/.pulumi-state`,
            PULUMI_CONFIG_PASSPHRASE_FILE: `${cloneA}/.pulumi-state/passphrase`,
        });
        expect({ status: r.status, tail: r.status === 0 ? "" : r.out.slice(-3000) }).toEqual({ status: 0, tail: "" });
        expect(r.out).toMatch(/\d+ deleted/);
        expect(fs.readFileSync(config(), "utf8")).toBe(mine);
        expect(summaryOf(r.stdout)).toEqual([
            `  local: removed the connectai entry from ${config()}; the rest of the file is unchanged; Codex stays (${codexVersion} at ${codex()})`,
            "  (to uninstall Codex too: npm run pulumi -- config set uninstallCodexOnDestroy true, then npm run up to record it, then npm run down)",
        ]);
        // Codex stays (uninstallCodexOnDestroy is off by default) and no longer lists the server.
        const list = spawnSync("runuser", ["-u", user.name, "--", "env", "-i", `HOME=${user.home}`, "PATH=/usr/bin:/bin", codex(), "mcp", "list", "--json"], {
            encoding: "utf8",
        });
        expect(list.status).toBe(0);
        expect(JSON.parse(list.stdout).map((s: { name: string }) => s.name)).toEqual(["docs"]);
    });

    test("the README's variants: Basic auth with the PAT from a file, another CODEX_HOME, a rotated PAT, back to OAuth; the PAT never shown", () => {
        const PAT = "PAT-readme-setup-7c1e55";
        const b64 = Buffer.from(`ada@example.com:${PAT}`).toString("base64");
        fs.writeFileSync(path.join(user.home, ".connect-ai-pat"), `${PAT}\n`, { mode: 0o600 });
        fs.chownSync(path.join(user.home, ".connect-ai-pat"), user.uid, user.gid);
        const refused = asUser(cloneA, `CONNECT_AI_EMAIL=ada@example.com CONNECT_AI_PAT=${PAT} npm run up`);
        expect(refused.status).toBe(2);
        expect(refused.out).toContain("use CONNECT_AI_PAT_FILE");

        const alt = path.join(user.home, "alt-codex");
        const r = asUser(cloneA, `CODEX_HOME=${alt} CONNECT_AI_EMAIL=ada@example.com CONNECT_AI_PAT_FILE=~/.connect-ai-pat npm run up`);
        expect({ status: r.status, tail: r.status === 0 ? "" : r.out.slice(-3000) }).toEqual({ status: 0, tail: "" });
        const got = spawnSync(
            "runuser",
            ["-u", user.name, "--", "env", "-i", `HOME=${user.home}`, `CODEX_HOME=${alt}`, "PATH=/usr/bin:/bin", codex(), "mcp", "get", "connectai", "--json"],
            { encoding: "utf8" },
        );
        expect(got.status).toBe(0);
        expect(JSON.parse(got.stdout).transport.http_headers.Authorization === `Basic ${b64}`).toBe(true); // compared, never printed
        const stateFiles = fs.readdirSync(path.join(cloneA, ".pulumi-state"), { recursive: true }) as string[];
        const state = stateFiles
            .map((f) => path.join(cloneA, ".pulumi-state", f))
            .filter((f) => fs.statSync(f).isFile())
            .map((f) => fs.readFileSync(f, "utf8"))
            .join("\n");
        expect(state).toContain("command:local:Command"); // the scan reads the real state
        for (const secret of [PAT, b64]) {
            expect(r.out.includes(secret)).toBe(false);
            expect(state.includes(secret)).toBe(false);
            expect(fs.readFileSync(path.join(cloneA, "Pulumi.local.yaml"), "utf8").includes(secret)).toBe(false);
        }
        // A rotated PAT, the same way: a change of the stack's, said as one (no drift, no warning).
        const PAT2 = "PAT-readme-setup-rotated-90d2";
        fs.writeFileSync(path.join(user.home, ".connect-ai-pat"), `${PAT2}\n`);
        const rotated = asUser(cloneA, `CODEX_HOME=${alt} CONNECT_AI_EMAIL=ada@example.com CONNECT_AI_PAT_FILE=~/.connect-ai-pat npm run up`);
        expect({ status: rotated.status, tail: rotated.status === 0 ? "" : rotated.out.slice(-3000) }).toEqual({ status: 0, tail: "" });
        expect(rotated.out).toMatch(/local \S+: to change: entry\.http_headers/);
        expect(rotated.out.split("\n").filter((l) => /warning|drifted/i.test(l))).toEqual([]);
        const got2 = spawnSync(
            "runuser",
            ["-u", user.name, "--", "env", "-i", `HOME=${user.home}`, `CODEX_HOME=${alt}`, "PATH=/usr/bin:/bin", codex(), "mcp", "get", "connectai", "--json"],
            { encoding: "utf8" },
        );
        expect(JSON.parse(got2.stdout).transport.http_headers.Authorization === `Basic ${Buffer.from(`ada@example.com:${PAT2}`).toString("base64")}`).toBe(
            true,
        );
        for (const secret of [PAT2, Buffer.from(`ada@example.com:${PAT2}`).toString("base64")]) expect(rotated.out.includes(secret)).toBe(false);
        // The mode stays in the stack, and says so; CONNECT_AI_AUTH=oauth goes back, email and PAT gone from it.
        const again = asUser(cloneA, `CODEX_HOME=${alt} npm run up`);
        expect(again.status).toBe(0);
        expect(again.out).toContain("(auth basic, kept in the stack; CONNECT_AI_AUTH=oauth npm run up goes back to OAuth)");
        const back = asUser(cloneA, `CODEX_HOME=${alt} CONNECT_AI_AUTH=oauth npm run up`);
        expect({ status: back.status, tail: back.status === 0 ? "" : back.out.slice(-3000) }).toEqual({ status: 0, tail: "" });
        expect(back.out).toContain("(auth oauth)");
        expect(back.out).toMatch(/local \S+: to change: entry\.http_headers/);
        expect(back.out.split("\n").filter((l) => /warning|drifted/i.test(l))).toEqual([]);
        const oauth = spawnSync(
            "runuser",
            ["-u", user.name, "--", "env", "-i", `HOME=${user.home}`, `CODEX_HOME=${alt}`, "PATH=/usr/bin:/bin", codex(), "mcp", "get", "connectai", "--json"],
            { encoding: "utf8" },
        );
        expect(JSON.parse(oauth.stdout).transport.http_headers ?? null).toBeNull();
        // `pulumi` as the README's fleet section means it here: the same stack, backend and passphrase.
        const get = asUser(cloneA, "npm run --silent pulumi -- config get auth");
        expect({ status: get.status, out: get.out }).toEqual({ status: 0, out: expect.stringMatching(/^oauth\n[\s\S]*pulumi: stack local in file:\/\//) });
        const stackConfig = fs.readFileSync(path.join(cloneA, "Pulumi.local.yaml"), "utf8");
        expect(stackConfig).toMatch(/auth: oauth/);
        expect(stackConfig).not.toMatch(/codex-connect:(email|pat):/);
        // Going back to OAuth rewrote the entry, so this tool kept a backup; the destroy takes it away with the entry.
        expect(fs.existsSync(path.join(alt, "config.toml.bak"))).toBe(true);
        const down = asUser(cloneA, "npm run down");
        expect(down.status).toBe(0);
        expect(fs.readFileSync(path.join(alt, "config.toml"), "utf8")).toBe("");
        expect(fs.readdirSync(alt).filter((f) => f.includes("bak"))).toEqual([]);
    });

    test("no run above said it took a plugin from PATH", () => {
        expect(runs.map((r) => r.command)).toEqual(expect.arrayContaining(["npm run up", "npm run down", "npm run --silent pulumi -- config get auth"]));
        expect(runs.map((r) => ({ command: r.command, ambient: ambientPluginWarnings(r.out) }))).toEqual(
            runs.map((r) => ({ command: r.command, ambient: [] })),
        );
    });
});
