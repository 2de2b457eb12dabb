// The runner as root on behalf of an account (`docker exec` as root, request field `user`) when
// that account is hostile: everything under its home is its to shape, so root must never write
// through its links, run its programs or scripts, read its npm settings, or believe its records.
// Each attack is made for real: a real account, the bundled runner started as root by the launcher
// exactly as a transport starts it, the real npm. Root's npm global prefix is always a temporary
// root-owned directory (npm_config_prefix), so the machine's /usr is never touched.
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { McpEntry } from "../../components/core/config-entry";
import { codexVersion } from "../helpers/codex";
import { launch, loginEnv } from "../helpers/launch";
import { suiteNeeding } from "../helpers/needs";
import { snapshot } from "../helpers/snapshot";
import { createUser, TestUser } from "../helpers/users";
import type { RunnerRequest, RunnerResult } from "../../components/protocol/types";

const PAT = "PAT-hostile-e2e-9c4e";
const credential = Buffer.from(`eve@example.com:${PAT}`).toString("base64");
const header = `Basic ${credential}`;
const withHeader: McpEntry = { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30, http_headers: { Authorization: header } };
const noHeader: McpEntry = { url: "https://mcp.example.com/mcp" };
const CODEX_PACKAGE_PATH = path.join("lib", "node_modules", "@openai", "codex");

type Result = RunnerResult & { error?: { code: string; message: string; line?: number } };

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

const suite = suiteNeeding({ root: true });

suite("a hostile account cannot make root run, follow or trust what it controls", () => {
    const outputs: string[] = [];
    const accounts: TestUser[] = [];
    const tempDirs: string[] = [];
    /** Root's npm global prefix for the runs that do not bring their own. */
    let rootPrefix: string;

    /** A root-owned 0755 directory outside every account's reach (never a real system path). */
    function rootDir(label: string): string {
        const dir = fs.mkdtempSync(path.join("/var/tmp", `cxm-hostile-${label}-`));
        fs.chmodSync(dir, 0o755);
        tempDirs.push(dir);
        return dir;
    }

    function account(): TestUser {
        const u = createUser("cxh");
        accounts.push(u);
        return u;
    }

    /** Hands what the test planted to the account, as if the account had made it (symlinks themselves, not their targets). */
    function give(u: TestUser, p: string): void {
        fs.lchownSync(p, u.uid, u.gid);
        const st = fs.lstatSync(p);
        if (st.isDirectory()) for (const name of fs.readdirSync(p)) give(u, path.join(p, name));
    }

    /** The runner started as root for the account, as `docker exec` as root would start it. */
    function runAsRoot(u: TestUser, req: RunnerRequest, env: NodeJS.ProcessEnv = {}): Result {
        return launch({ ...req, user: u.name }, { env: { ...loginEnv("/root", "root"), npm_config_prefix: rootPrefix, ...env }, printed: outputs });
    }

    /**
     * The account's home outside its CODEX_HOME and ~/.local (which the runner may legitimately
     * write, as the account), and the given directories: the returned check asserts none changed.
     */
    function watch(u: TestUser, dirs: string[] = []): () => void {
        const roots = [u.home, ...dirs];
        const exclude = [path.join(u.home, ".codex"), path.join(u.home, ".local")];
        const before = snapshot(roots, exclude);
        return () => expect(snapshot(roots, exclude)).toEqual(before);
    }

    beforeAll(() => {
        rootPrefix = rootDir("prefix");
    });

    afterAll(() => {
        for (const u of accounts) u.remove();
        for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
    });

    test("config.toml symlinked to a root-owned file outside the account: refused, the file untouched", () => {
        // The escalation: root would write a file of the account's choosing that only root may write
        // (/etc/ld.so.preload, /etc/sudoers.d/..., a root cron file), with content the account partly
        // chooses (its own lines kept, an entry added): code execution as root.
        const u = account();
        const victimDir = rootDir("victim");
        const victim = path.join(victimDir, "victim.conf");
        fs.writeFileSync(victim, '# only root may write this file\nsetting = "root"\n');
        fs.chmodSync(victim, 0o644);
        const past = new Date("2020-01-02T03:04:05Z");
        fs.utimesSync(victim, past, past);
        const codexHome = path.join(u.home, ".codex");
        const config = path.join(codexHome, "config.toml");
        fs.mkdirSync(codexHome, { mode: 0o700 });
        fs.symlinkSync(victim, config);
        give(u, codexHome);

        const victimState = () => {
            const st = fs.lstatSync(victim);
            return { mode: (st.mode & 0o7777).toString(8), uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(victim) };
        };
        const before = victimState();
        expect(before).toMatchObject({ mode: "644", uid: 0, gid: 0 });
        const unchanged = watch(u, [victimDir]);

        for (const entry of [withHeader, noHeader]) {
            const r = runAsRoot(u, { op: "ensure", name: "connectai", entry });
            expect(r).toMatchObject({ ok: false, error: { code: "symlink-refused" } });
            expect(r.error!.message).toContain(config);
        }
        expect(victimState()).toEqual(before);
        // No temporary file, backup or lock of ours beside the victim.
        expect(fs.readdirSync(victimDir)).toEqual(["victim.conf"]);
        expect(fs.readlinkSync(config)).toBe(victim);
        unchanged();
    });

    test("CODEX_HOME (~/.codex) symlinked to a root-owned directory: refused, nothing created or changed there", () => {
        // The escalation: root would create files in a directory of the account's choosing
        // (/etc/cron.d, /etc/sudoers.d, /etc/profile.d): a config, a backup, a lock, temporary files,
        // the ownership record, some of them chowned to the account, which could then rewrite them.
        const u = account();
        const victimDir = rootDir("codexhome");
        fs.writeFileSync(path.join(victimDir, "config.toml"), 'model = "root-only"\n');
        fs.chmodSync(path.join(victimDir, "config.toml"), 0o644);
        const link = path.join(u.home, ".codex");
        fs.symlinkSync(victimDir, link);
        give(u, link);
        const unchanged = watch(u, [victimDir]);

        const r = runAsRoot(u, { op: "ensure", name: "connectai", entry: withHeader });
        expect(r.ok).toBe(false);
        expect(["symlink-refused", "not-owned"]).toContain(r.error?.code);
        expect(fs.readlinkSync(link)).toBe(victimDir);
        unchanged();
    });

    test("a planted ~/.local/bin/codex, ~/.profile and ~/.bashrc: probe and ensure never run them as root", () => {
        // The escalation: anything the account writes into its own files would run with uid 0, a
        // root shell for any account whose Codex root manages. (Run as the account, it is the
        // account's own code with the account's rights: allowed.)
        const u = account();
        const markDir = fs.mkdtempSync(path.join(os.tmpdir(), "cxm-hostile-marker-"));
        tempDirs.push(markDir);
        fs.chmodSync(markDir, 0o1777);
        const marker = path.join(markDir, "ran-as");
        const record = `echo "$(id -u)" >> ${marker}\n`;
        const bin = path.join(u.home, ".local", "bin");
        fs.mkdirSync(bin, { recursive: true });
        // No package.json beside it: only running it would tell its version.
        const planted = path.join(bin, "codex");
        fs.writeFileSync(planted, `#!/bin/sh\n${record}echo "codex-cli 0.0.1-planted"\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(u.home, ".profile"), `${record}PATH="$HOME/.local/bin:$PATH"\n`);
        fs.writeFileSync(path.join(u.home, ".bashrc"), record);
        give(u, path.join(u.home, ".local"));
        give(u, path.join(u.home, ".profile"));
        give(u, path.join(u.home, ".bashrc"));

        const readMarker = () => (fs.existsSync(marker) ? fs.readFileSync(marker, "utf8").split("\n").filter(Boolean) : []);
        // The marker works: the planted codex, a login shell (~/.profile) and an interactive one
        // (~/.bashrc), each started as the account, each leave the account's uid.
        const asAccount = { uid: u.uid, gid: u.gid, env: { HOME: u.home, USER: u.name, PATH: "/usr/bin:/bin" }, stdio: "ignore" as const, timeout: 30_000 };
        spawnSync(planted, ["--version"], asAccount);
        spawnSync("/bin/bash", ["-lc", "true"], asAccount);
        spawnSync("/bin/bash", ["-ic", "true"], asAccount);
        expect(readMarker()).toEqual([String(u.uid), String(u.uid), String(u.uid)]);
        fs.rmSync(marker);
        const unchanged = watch(u);

        runAsRoot(u, { op: "probe", name: "connectai", entry: withHeader, codex: { version: codexVersion } });
        runAsRoot(u, { op: "ensure", name: "connectai", entry: withHeader, codex: { version: codexVersion } });
        runAsRoot(u, { op: "ensure", name: "other", entry: noHeader });
        const ran = readMarker();
        expect({ ranAsRoot: ran.includes("0") }).toEqual({ ranAsRoot: false });
        expect(ran.filter((uid) => uid !== String(u.uid))).toEqual([]);
        unchanged();
    });

    test.each([
        ["root's own HOME", false],
        ["the account's HOME (as sudo without -H passes it)", true],
    ])(
        "the account's ~/.npmrc (unreachable registry, its own cache): root's npm never reads it, Codex goes into root's prefix; root started with %s",
        (_how, accountHome) => {
            // The escalation: root's npm reading the account's .npmrc takes the account's registry (its
            // packages' install scripts run as root) and its cache (tarballs it planted; root-owned files
            // left in its home), and any other npm setting the account likes (script-shell, prefix...).
            const u = account();
            const prefix = rootDir("npm-prefix");
            const cache = path.join(u.home, "npm-cache");
            fs.mkdirSync(cache);
            fs.writeFileSync(path.join(u.home, ".npmrc"), `registry=http://127.0.0.1:9/\ncache=${cache}\n`);
            give(u, cache);
            give(u, path.join(u.home, ".npmrc"));
            const unchanged = watch(u);

            const env = { npm_config_prefix: prefix, ...(accountHome ? { HOME: u.home } : {}) };
            const r = runAsRoot(u, { op: "ensure", name: "connectai", entry: withHeader, codex: { version: codexVersion } }, env);
            expect(r.error).toBeUndefined();
            expect(r).toMatchObject({ ok: true, codex: { version: codexVersion } });
            // Installed by root's npm into root's global prefix (root can write it).
            const pkg = path.join(prefix, CODEX_PACKAGE_PATH, "package.json");
            expect(fs.existsSync(pkg)).toBe(true);
            expect(JSON.parse(fs.readFileSync(pkg, "utf8")).version).toBe(codexVersion);
            expect(fs.statSync(pkg).uid).toBe(0);
            expect({ codexPath: r.codex?.path, underRootPrefix: r.codex?.path?.startsWith(prefix + path.sep) }).toMatchObject({ underRootPrefix: true });
            // Root left nothing of its own in the account's home, and never used the account's cache.
            const rootOwned = spawnSync("find", [u.home, "-uid", "0"], { encoding: "utf8" });
            expect(rootOwned.stdout).toBe("");
            expect(fs.readdirSync(cache)).toEqual([]);
            unchanged();

            // The probe finds that Codex, in root's prefix, at the version asked for.
            expect(runAsRoot(u, { op: "probe", name: "connectai", entry: withHeader, codex: { version: codexVersion } }, env)).toMatchObject({
                ok: true,
                drift: [],
            });
        },
    );

    test("a forged ownership record naming a root-owned Codex the tool did not install: remove with uninstall leaves it byte for byte", () => {
        // The escalation: root would run npm uninstall in any prefix the account names, deleting a
        // Codex an administrator installed for everyone (or anything else npm would remove there):
        // the account's word, written in its own home, taken for root's own record.
        const u = account();
        const foreign = rootDir("foreign-codex");
        const pkgDir = path.join(foreign, CODEX_PACKAGE_PATH);
        fs.mkdirSync(path.join(pkgDir, "bin"), { recursive: true, mode: 0o755 });
        fs.writeFileSync(
            path.join(pkgDir, "package.json"),
            JSON.stringify({ name: "@openai/codex", version: codexVersion, bin: { codex: "bin/codex.js" } }, null, 2) + "\n",
        );
        fs.writeFileSync(path.join(pkgDir, "bin", "codex.js"), `#!/usr/bin/env node\nconsole.log("codex-cli ${codexVersion}");\n`, { mode: 0o755 });
        fs.mkdirSync(path.join(foreign, "bin"), { mode: 0o755 });
        fs.symlinkSync(path.join("..", CODEX_PACKAGE_PATH, "bin", "codex.js"), path.join(foreign, "bin", "codex"));
        for (const d of ["lib", "lib/node_modules", "lib/node_modules/@openai", CODEX_PACKAGE_PATH]) fs.chmodSync(path.join(foreign, d), 0o755);
        const foreignBefore = snapshot([foreign]);

        const codexHome = path.join(u.home, ".codex");
        fs.mkdirSync(codexHome, { mode: 0o700 });
        fs.writeFileSync(path.join(codexHome, "config.toml"), '[mcp_servers.connectai]\nurl = "https://mcp.cloud.cdata.com/mcp"\n', { mode: 0o600 });
        const forge = () => {
            fs.writeFileSync(
                path.join(codexHome, ".codex-mcp-owner.json"),
                JSON.stringify({ servers: {}, codex: { installedByUs: true, prefix: foreign } }) + "\n",
            );
            give(u, codexHome);
        };
        const unchanged = watch(u, [foreign]);

        // The foreign Codex is in some root-owned prefix; root's npm has another global prefix.
        forge();
        const elsewhere = runAsRoot(u, { op: "remove", name: "connectai", codex: { uninstall: true } });
        expect(snapshot([foreign])).toEqual(foreignBefore);
        expect(elsewhere.codex?.action).not.toBe("uninstalled");

        // The foreign Codex is root's own global one (what `npm install -g` by an administrator leaves).
        forge();
        const global = runAsRoot(u, { op: "remove", name: "connectai", codex: { uninstall: true } }, { npm_config_prefix: foreign });
        expect(snapshot([foreign])).toEqual(foreignBefore);
        expect(global.codex?.action).not.toBe("uninstalled");
        unchanged();
    });

    // Last: what every attack above made the runner print.
    test("nothing the runner printed, in any attack, holds the PAT or the header", () => {
        const printed = outputs.join("\n");
        expect(printed).toContain('{"ok":'); // the witness: the scan sees the runner's answers
        expect(printed).not.toContain(PAT);
        expect(printed).not.toContain(credential);
        expect(printed).not.toContain(header);
    });
});
