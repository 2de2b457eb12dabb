// The runner end to end on this machine, as another user with its own home: the bundled runner
// started by the launcher exactly as a transport starts it, the real npm and the real Codex.
import { spawnSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { McpEntry } from "../../components/core/config-entry";
import { distFile, LAUNCHER, launcherInput, RUNNER_FILE } from "../../components/protocol/launcher";
import { codexBinDir, codexVersion } from "../helpers/codex";
import { launch, LaunchResult, loginEnv } from "../helpers/launch";
import { startMcpDouble } from "../helpers/mcp-server";
import { suiteNeeding } from "../helpers/needs";
import { createUser, TestUser } from "../helpers/users";
import type { RunnerRequest } from "../../components/protocol/types";

const PAT = "PAT-runner-e2e-5b1d";
const header = "Basic " + Buffer.from(`ada@example.com:${PAT}`).toString("base64");
const basic: McpEntry = { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30, http_headers: { Authorization: header } };
const nodeDir = path.dirname(process.execPath);

const suite = suiteNeeding({ root: true });

suite("runner as another user", () => {
    let user: TestUser;
    let codexHome: string;
    let config: string;
    const outputs: string[] = [];

    function runAs(req: RunnerRequest, env: NodeJS.ProcessEnv = {}, asRoot = false): LaunchResult {
        const login = asRoot ? loginEnv("/root", "root") : loginEnv(user.home, user.name);
        return launch(req, {
            ...(asRoot ? {} : { uid: user.uid, gid: user.gid }),
            env: { ...login, npm_config_cache: path.join(user.home, ".npm"), ...env },
            printed: outputs,
        });
    }
    const npmLogs = () => (fs.existsSync(path.join(user.home, ".npm", "_logs")) ? fs.readdirSync(path.join(user.home, ".npm", "_logs")).sort() : []);
    const ensure = (extra: Partial<RunnerRequest> = {}) => runAs({ op: "ensure", name: "connectai", entry: basic, codex: { version: codexVersion }, ...extra });
    const probe = () => runAs({ op: "probe", name: "connectai", entry: basic, codex: { version: codexVersion } });

    beforeAll(() => {
        user = createUser();
        codexHome = path.join(user.home, ".codex");
        config = path.join(codexHome, "config.toml");
    });
    afterAll(() => user?.remove());

    test("fresh machine: Codex installed in the user's prefix, entry written, verified by Codex", () => {
        // The precondition, stated: no codex this account could already find (a global install would be used as is).
        const found = spawnSync("/bin/sh", ["-c", "command -v codex"], {
            uid: user.uid,
            gid: user.gid,
            env: { PATH: `${nodeDir}:/usr/local/bin:/usr/bin:/bin` },
            encoding: "utf8",
        });
        expect({ codexAlreadyOnPath: found.stdout.trim() }).toEqual({ codexAlreadyOnPath: "" });
        const r = ensure();
        expect(r.error).toBeUndefined();
        expect(r).toMatchObject({ ok: true, changed: true, user: user.name, codexHome, drift: ["file-missing", "codex-missing"] });
        expect(r.codex).toMatchObject({
            action: "installed",
            version: codexVersion,
            path: path.join(user.home, ".local", "bin", "codex"),
            installedByUs: true,
        });
        expect(typeof r.codex!.onLoginPath).toBe("boolean");
        expect(r.verified).toEqual({ ok: true, problems: [] });
        const st = fs.statSync(config);
        expect(st.mode & 0o777).toBe(0o600);
        expect(st.uid).toBe(user.uid);
        expect(fs.statSync(codexHome).mode & 0o777).toBe(0o700);
        expect(fs.readFileSync(config, "utf8")).toContain(`http_headers = { "Authorization" = "${header}" }`);
    });

    test("second run changes nothing: no write, no npm", () => {
        const logs = npmLogs();
        const mtime = fs.statSync(config).mtimeMs;
        const r = ensure();
        expect(r).toMatchObject({ ok: true, changed: false, drift: [] });
        expect(r.codex!.action).toBe("none");
        expect(fs.statSync(config).mtimeMs).toBe(mtime);
        expect(npmLogs()).toEqual(logs);
        expect(probe()).toMatchObject({ ok: true, drift: [] });
    });

    test("a probe reads Codex's version from the installed package, without starting codex", () => {
        const pkgFile = path.join(user.home, ".local", "lib", "node_modules", "@openai", "codex", "package.json");
        const original = fs.readFileSync(pkgFile, "utf8");
        try {
            // What npm would leave after installing another version; `codex --version` still says the pinned one.
            fs.writeFileSync(pkgFile, original.replace(`"version": "${codexVersion}"`, '"version": "0.0.1-probe"'));
            const r = probe();
            expect(r.codex).toMatchObject({ version: "0.0.1-probe" });
            expect(r.codex!.onLoginPath).toBeUndefined(); // no login shell either
            expect(r.drift).toEqual(["codex-version"]);
        } finally {
            fs.writeFileSync(pkgFile, original);
        }
        expect(probe().drift).toEqual([]);
    });

    test("drift in the entry, the mode, the file: each found by probe and repaired by ensure", () => {
        fs.writeFileSync(config, fs.readFileSync(config, "utf8").replace("https://mcp.cloud.cdata.com/mcp", "https://evil.example/mcp"));
        expect(probe().drift).toEqual(["entry.url"]);
        const r = ensure();
        expect(r).toMatchObject({ changed: true, backup: `${config}.bak` });
        // The backup keeps the user's file, not our credential.
        expect(fs.readFileSync(`${config}.bak`, "utf8")).not.toContain(header);
        expect(fs.statSync(`${config}.bak`).mode & 0o777).toBe(0o600);
        expect(probe().drift).toEqual([]);

        fs.chmodSync(config, 0o644);
        expect(probe().drift).toEqual(["file-mode"]);
        expect(ensure().changed).toBe(true);
        expect(fs.statSync(config).mode & 0o777).toBe(0o600);

        fs.rmSync(config);
        expect(probe().drift).toEqual(["file-missing"]);
        expect(ensure().changed).toBe(true);
        expect(probe().drift).toEqual([]);
    });

    test("the user's own settings, comments and CRLF survive ensure and remove byte for byte", () => {
        const mine = '# my settings\r\nmodel = "o3"\r\n\r\n[mcp_servers.other]\r\nurl = "https://other.example/mcp" # keep\r\n';
        fs.writeFileSync(config, mine);
        expect(ensure()).toMatchObject({ ok: true, changed: true });
        const withEntry = fs.readFileSync(config, "utf8");
        expect(withEntry.startsWith(mine)).toBe(true);
        // Adding a comment or another server is not drift.
        fs.writeFileSync(config, withEntry + '\r\n# a note\r\n[mcp_servers.third]\r\nurl = "https://third.example/"\r\n');
        expect(probe().drift).toEqual([]);
        expect(runAs({ op: "remove", name: "connectai" })).toMatchObject({ ok: true, changed: true });
        expect(fs.readFileSync(config, "utf8")).toBe(mine + '\r\n# a note\r\n[mcp_servers.third]\r\nurl = "https://third.example/"\r\n');
        fs.writeFileSync(config, mine);
        expect(ensure().changed).toBe(true);
    });

    test("invalid TOML: an error with line and column, the file untouched", () => {
        const broken = '[mcp_servers.connectai]\nurl = "https://x/\nother = 1\n';
        fs.writeFileSync(config, broken);
        const r = runAs({ op: "ensure", name: "connectai", entry: basic });
        expect(r.ok).toBe(false);
        expect(r.error!.code).toBe("parse");
        expect(r.error!.line).toBe(2);
        expect(r.error!.message).toContain(config);
        expect(fs.readFileSync(config, "utf8")).toBe(broken);
        fs.rmSync(config);
    });

    test("bad requests name the field and change nothing", () => {
        const r = runAs({ op: "ensure", name: "connect ai", entry: { url: "ftp://x/", startup_timeout_sec: -1 } });
        expect(r.ok).toBe(false);
        expect(r.error!.message).toMatch(/name:.*url:.*startup_timeout_sec:/);
        expect(runAs({ op: "ensure", name: "connectai", entry: basic, user: "root" }).error!.message).toMatch(/^user:/);
    });

    test("concurrent runs never lose each other's entries", async () => {
        const names = ["c1", "c2", "c3", "c4", "c5", "c6"];
        await Promise.all(
            names.map(
                (name) =>
                    new Promise<void>((resolve, reject) => {
                        const p = spawn("/bin/sh", ["-c", LAUNCHER], {
                            uid: user.uid,
                            gid: user.gid,
                            env: { HOME: user.home, PATH: `${nodeDir}:/usr/bin:/bin` },
                        });
                        let out = "";
                        p.stdout.on("data", (d) => (out += d));
                        p.on("close", () => (JSON.parse(out).ok ? resolve() : reject(new Error(out))));
                        p.stdin.end(launcherInput(JSON.stringify({ op: "ensure", name, entry: { url: `https://${name}.example/` }, verify: false })));
                    }),
            ),
        );
        const text = fs.readFileSync(config, "utf8");
        for (const name of names) expect(text).toContain(`[mcp_servers.${name}]`);
        expect(fs.readdirSync(codexHome).filter((f) => f.includes(".lock") || f.endsWith(".tmp"))).toEqual([]);
    });

    test("a symlinked config.toml (dotfiles): the link stays, its target is edited, no backup or temp file lands beside it", () => {
        const dotfiles = path.join(user.home, "dotfiles");
        fs.mkdirSync(dotfiles, { recursive: true });
        fs.writeFileSync(path.join(dotfiles, "codex.toml"), 'model = "o3"\n');
        fs.rmSync(config, { force: true });
        fs.symlinkSync("../dotfiles/codex.toml", config);
        spawnSync("chown", ["-R", `${user.uid}:${user.gid}`, dotfiles]);
        spawnSync("chown", ["-h", `${user.uid}:${user.gid}`, config]);
        // OAuth: no credential in the entry (a header would be refused: see runner-data.test.ts).
        const r = ensure({ entry: { url: basic.url, startup_timeout_sec: 30 } });
        expect(r).toMatchObject({ ok: true, changed: true, configPath: path.join(dotfiles, "codex.toml"), file: { symlink: true }, backup: `${config}.bak` });
        expect(fs.lstatSync(config).isSymbolicLink()).toBe(true);
        expect(fs.readFileSync(config, "utf8")).toContain("[mcp_servers.connectai]");
        expect(fs.readdirSync(dotfiles)).toEqual(["codex.toml"]);
        fs.rmSync(config);
    });

    test("run as root for the user: files stay the user's", () => {
        const r = runAs({ op: "ensure", name: "connectai", entry: basic, user: user.name, verify: false }, {}, true);
        expect(r.error).toBeUndefined();
        expect(r).toMatchObject({ ok: true, user: user.name, configPath: config });
        expect(fs.statSync(config).uid).toBe(user.uid);
        expect(fs.statSync(path.join(codexHome, ".codex-mcp-owner.json")).uid).toBe(user.uid);
    });

    test("remove with uninstall: the entry and the Codex we installed are gone, the rest stays", () => {
        fs.writeFileSync(config, 'model = "o3"\n');
        expect(ensure().ok).toBe(true);
        const r = runAs({ op: "remove", name: "connectai", codex: { uninstall: true } });
        expect(r).toMatchObject({ ok: true, changed: true, codex: { action: "uninstalled" } });
        expect(fs.existsSync(path.join(user.home, ".local", "bin", "codex"))).toBe(false);
        expect(fs.readFileSync(config, "utf8")).toBe('model = "o3"\n');
        expect(runAs({ op: "remove", name: "connectai" })).toMatchObject({ ok: true, changed: false });
    });

    test("no Node on the target: a clear error", () => {
        const r = runAs({ op: "probe", name: "connectai" }, { PATH: "/nonexistent", SHELL: "/nonexistent" });
        expect(r.error).toMatchObject({ code: "node-missing" });
        expect(r.error!.message).toContain("/nonexistent");
    });

    test("a Node that is too old: a clear error naming what was found", () => {
        const stubDir = fs.mkdtempSync(path.join(os.tmpdir(), "old-node-"));
        fs.chmodSync(stubDir, 0o755);
        fs.writeFileSync(
            path.join(stubDir, "node"),
            `#!/bin/sh\n# Pretends to be Node.js 16.\n[ "$1" = "-e" ] && exec ${process.execPath} -e "Object.defineProperty(process.versions,'node',{value:'16.20.2'});$2"\nexec ${process.execPath} "$@"\n`,
            { mode: 0o755 },
        );
        const r = runAs({ op: "probe", name: "connectai" }, { PATH: `${stubDir}:/usr/bin:/bin` });
        expect(r.error).toMatchObject({ code: "node-too-old" });
        expect(r.error!.message).toContain("16.20.2");
        expect(r.error!.message).toContain(path.join(stubDir, "node"));
        fs.rmSync(stubDir, { recursive: true });
    });

    // Last: what every test above made the runner print.
    test("nothing the runner printed, in any step, holds the PAT or the header", () => {
        const printed = outputs.join("\n");
        expect(printed).toContain('"ok":true'); // the witness: the scan sees the runner's answers
        expect(printed).not.toContain(PAT);
        expect(printed).not.toContain(header);
        expect(printed).not.toContain(Buffer.from(`ada@example.com:${PAT}`).toString("base64"));
    });
});

suite("codex-mcp command line", () => {
    // The `codex-mcp` command as the package ships it (npm run build).
    const bin = distFile("runner", RUNNER_FILE);
    let home: string;
    beforeAll(() => {
        home = fs.mkdtempSync(path.join(os.homedir(), ".cli-test-"));
    });
    afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
    const cli = (args: string[], input = "") =>
        spawnSync(process.execPath, [bin, ...args, "--codex-home", home], { input, encoding: "utf8", env: { PATH: process.env.PATH, HOME: os.homedir() } });

    test("--help explains every flag and the exit codes", () => {
        const r = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
        expect(r.status).toBe(0);
        for (const flag of ["--name", "--url", "--basic-email", "--pat-stdin", "--pat-env", "--codex-home", "--codex-version", "Exit codes"])
            expect(r.stdout).toContain(flag);
    });

    test("ensure with the PAT on stdin, show-drift, remove", () => {
        let r = cli(["ensure", "--basic-email", "ada@example.com", "--pat-stdin", "--no-verify"], `${PAT}\n`);
        expect(r.status).toBe(0);
        expect(r.stdout + r.stderr).not.toContain(PAT);
        expect(fs.readFileSync(path.join(home, "config.toml"), "utf8")).toContain(header);
        r = cli(["show-drift", "--basic-email", "ada@example.com", "--pat-env", "CXM_PAT"]);
        expect(r.status).toBe(2); // the variable is not set: a usage error, not a silent empty PAT
        r = spawnSync(process.execPath, [bin, "show-drift", "--basic-email", "ada@example.com", "--pat-env", "CXM_PAT", "--codex-home", home], {
            encoding: "utf8",
            env: { PATH: process.env.PATH, HOME: os.homedir(), CXM_PAT: "another-pat" },
        });
        expect(r.status).toBe(4);
        expect(r.stdout).toContain("http_headers: different");
        expect(r.stdout).not.toContain("another-pat");
        expect(cli(["remove"]).status).toBe(0);
        expect(fs.readFileSync(path.join(home, "config.toml"), "utf8")).toBe("");
    });

    test("Codex's sign-in: the API key from stdin signs in with Codex itself, show-drift sees a sign-out, remove signs out", () => {
        const KEY = "sk-cli-e2e-5e1f7a9b3c";
        const own = fs.mkdtempSync(path.join(os.homedir(), ".cli-signin-"));
        const env = { PATH: `${codexBinDir()}:${process.env.PATH}`, HOME: os.homedir() };
        const run = (args: string[], input = "") => spawnSync(process.execPath, [bin, ...args, "--codex-home", own], { input, encoding: "utf8", env });
        const status = () => spawnSync(path.join(codexBinDir(), "codex"), ["login", "status"], { env: { ...env, CODEX_HOME: own }, stdio: "ignore" }).status;
        try {
            let r = run(["ensure", "--openai-api-key-stdin"], `${KEY}\n`);
            expect(r.status).toBe(0);
            expect(r.stdout).toContain("codex sign-in: signed-in (api-key), by this-stack: signed-in");
            expect(status()).toBe(0);
            expect(run(["show-drift", "--openai-api-key-stdin"], KEY).status).toBe(0);
            expect(run(["ensure", "--openai-api-key-stdin", "--pat-stdin", "--basic-email", "a@b.example"], KEY).status).toBe(2);
            spawnSync(path.join(codexBinDir(), "codex"), ["logout"], { env: { ...env, CODEX_HOME: own }, stdio: "ignore" });
            r = run(["show-drift", "--openai-api-key-stdin"], KEY);
            expect([r.status, r.stdout]).toEqual([4, expect.stringContaining("signin-missing")]);
            expect(run(["ensure", "--openai-api-key-stdin"], KEY).status).toBe(0);
            r = run(["remove", "--openai-api-key-stdin"], KEY);
            expect(r.stdout).toContain("codex sign-in: signed-out: signed-out");
            expect(status()).toBe(1);
            for (const out of [r.stdout, r.stderr]) expect(out).not.toContain(KEY);
        } finally {
            fs.rmSync(own, { recursive: true, force: true });
        }
    });

    test("show-drift without the auth options: in sync, the header shown as found (never its value); --oauth compares against none", () => {
        fs.writeFileSync(path.join(home, "config.toml"), 'model = "o3"\n');
        expect(cli(["ensure", "--basic-email", "ada@example.com", "--pat-stdin", "--no-verify"], `${PAT}\n`).status).toBe(0);
        const plain = cli(["show-drift"]);
        expect({ status: plain.status, stdout: plain.stdout }).toEqual({
            status: 0,
            stdout: expect.stringMatching(
                /\nin sync\nauthentication as found \(not compared: no authentication option given\):\n {2}http_headers\.Authorization: present \(Basic\)\nnot ready:\n  - Codex is not installed\n$/,
            ),
        });
        const oauth = cli(["show-drift", "--oauth"]);
        expect({ status: oauth.status, drift: oauth.stdout.split("\n")[1] }).toEqual({ status: 4, drift: "drift: entry.http_headers" });
        expect(oauth.stdout).toContain('http_headers: unexpected (have {"Authorization":"hmac:');
        // Everything else is still compared without the auth options.
        fs.writeFileSync(
            path.join(home, "config.toml"),
            fs.readFileSync(path.join(home, "config.toml"), "utf8").replace("startup_timeout_sec = 30", "startup_timeout_sec = 5"),
        );
        const drifted = cli(["show-drift"]);
        expect({ status: drifted.status, drift: drifted.stdout.split("\n")[1] }).toEqual({ status: 4, drift: "drift: entry.startup_timeout_sec" });
        expect(cli(["show-drift", "--oauth", "--basic-email", "ada@example.com", "--pat-stdin"], `${PAT}\n`).status).toBe(2);
        for (const r of [plain, oauth, drifted])
            for (const s of [PAT, header, header.slice(6)]) expect(r.stdout.includes(s) || r.stderr.includes(s)).toBe(false);
        expect(cli(["remove"]).status).toBe(0);
    });

    test("remove says what it did, and takes this tool's config.toml.bak with the entry; a .bak of the user's is never replaced nor deleted", () => {
        const config = path.join(home, "config.toml");
        const bak = `${config}.bak`;
        const mine = '# mine\nmodel = "o3"\n';
        fs.writeFileSync(config, mine);
        fs.rmSync(bak, { force: true });
        const ensure = cli(["ensure", "--basic-email", "ada@example.com", "--pat-stdin", "--no-verify"], `${PAT}\n`);
        expect(ensure.stdout).toContain(`wrote the connectai entry into ${config} (the previous file, without this entry: ${bak})\n`);
        expect(fs.readFileSync(bak, "utf8")).toBe(mine);
        // Codex (or the user) changes the file meanwhile; the remove keeps that, and the .bak goes.
        fs.appendFileSync(config, '\n[projects."/work/x"]\ntrust_level = "trusted"\n');
        const remove = cli(["remove"]);
        expect({ status: remove.status, stdout: remove.stdout.split("\n").slice(1) }).toEqual({
            status: 0,
            stdout: [
                `removed the connectai entry from ${config}; the rest of the file is unchanged`,
                `removed ${bak}, this tool's backup of the file`,
                "Codex stays (--uninstall-codex removes it too, if this tool installed it)",
                "",
            ],
        });
        expect(fs.readFileSync(config, "utf8")).toBe(mine + '\n[projects."/work/x"]\ntrust_level = "trusted"\n');
        expect(fs.readdirSync(home).sort()).toEqual(["config.toml"]);
        expect(cli(["remove"]).stdout).toContain(`no connectai entry in ${config}: nothing to remove`);

        // The user's own .bak: not replaced by an ensure, not deleted by the remove.
        fs.writeFileSync(config, mine);
        fs.writeFileSync(bak, "the user's own backup\n");
        expect(cli(["ensure", "--no-verify"]).stdout).toContain(`(no backup written: ${bak} is not this tool's, left as it is)`);
        expect(cli(["remove"]).status).toBe(0);
        expect(fs.readFileSync(bak, "utf8")).toBe("the user's own backup\n");
        // Nor a .bak of ours that the user then edited.
        fs.rmSync(bak);
        expect(cli(["ensure", "--no-verify"]).status).toBe(0);
        fs.appendFileSync(bak, "# a note of the user's\n");
        const kept = cli(["remove"]);
        expect(kept.stdout).not.toContain(bak);
        expect(fs.readFileSync(bak, "utf8")).toBe(mine + "# a note of the user's\n");
        expect(fs.readFileSync(config, "utf8")).toBe(mine);
        fs.rmSync(bak);
    });

    test("Codex's verdict: signed in and the server answering is ready; the server gone is not, in Codex's words", async () => {
        const KEY = "sk-cli-ready-2b4d6f8a";
        const basic = `Basic ${Buffer.from(`ada@example.com:${PAT}`).toString("base64")}`;
        const server = await startMcpDouble(basic);
        const own = fs.mkdtempSync(path.join(os.homedir(), ".cli-ready-"));
        const env = { PATH: `${codexBinDir()}:${process.env.PATH}`, HOME: os.homedir(), CXM_PAT: PAT };
        // Asynchronously: the MCP server answers Codex from this very process.
        const run = (args: string[], input = "") =>
            new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
                const child = spawn(
                    process.execPath,
                    [bin, ...args, "--url", server.url, "--basic-email", "ada@example.com", "--pat-env", "CXM_PAT", "--codex-home", own],
                    { env },
                );
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (d) => (stdout += d));
                child.stderr.on("data", (d) => (stderr += d));
                child.on("close", (status) => resolve({ status, stdout, stderr }));
                child.stdin.end(input);
            });
        try {
            let r = await run(["ensure", "--openai-api-key-stdin", "--live-check"], KEY);
            expect([r.status, r.stdout]).toEqual([0, expect.stringContaining("\nready: Codex can use it\n")]);
            expect(server.initialized).toBe(1); // the live check's initialize, with the file's header
            // The server now wants another credential: the live check says so, Codex's own checks cannot.
            server.expect = "Basic another";
            r = await run(["show-drift", "--openai-api-key-stdin", "--live-check"], KEY);
            expect(r.stdout).toContain("\nnot ready:\n  - the server refused the credential (HTTP 401 to an MCP initialize)\n");
            expect((await run(["show-drift", "--openai-api-key-stdin"], KEY)).stdout).toContain("\nready: Codex can use it\n");
            await server.close();
            r = await run(["show-drift", "--openai-api-key-stdin"], KEY);
            expect(r.status).toBe(0); // nothing drifted: the verdict changed, not the file
            expect(r.stdout).toMatch(
                new RegExp(
                    `\nnot ready:\n  - the server is unreachable from the target \\(codex doctor: ${server.url.replace(/[.]/g, "\\.")} \\(HEAD connect failed; GET connect failed\\)\\)\n`,
                ),
            );
            for (const out of [r.stdout, r.stderr]) for (const secret of [KEY, PAT, basic]) expect(out.includes(secret)).toBe(false);
        } finally {
            await server.close().catch(() => undefined);
            fs.rmSync(own, { recursive: true, force: true });
        }
    });

    test("usage errors exit 2, failures exit 1", () => {
        expect(cli(["frobnicate"]).status).toBe(2);
        expect(cli(["ensure", "--url"]).status).toBe(2);
        fs.writeFileSync(path.join(home, "config.toml"), "a = \n");
        const r = cli(["ensure", "--no-verify"]);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/line 1, column \d+/);
    });
});
