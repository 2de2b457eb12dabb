// The runner and the user's data, end to end on this machine: config.toml is the user's file, and
// other programs (Codex itself, a dotfiles manager, a second stack) write to it and around it while
// the runner works. The bundled runner is started as a transport starts it (LAUNCHER +
// launcherInput), as a real account, with the real npm and the real Codex where a test says so.
//
// Written against the runner's data contract (request managedBy/takeOver; result adopted,
// restored, keptFor): no concurrent write lost (Codex installed first, then read-edit-replace
// under the lock with a compare-and-swap), locks of live holders never broken, a user's own entry
// adopted and given back, one manager per entry, symlinked files, invalid UTF-8, CODEX_HOME's
// mode, Node only from a login shell, accounts that only NSS knows.
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { McpEntry, removeEntry } from "../../components/core/config-entry";
import { LAUNCHER, launcherInput, shq } from "../../components/protocol/launcher";
import { caEnv } from "../helpers/ca-env";
import { codexVersion } from "../helpers/codex";
import { SKIP_MARK, suiteNeeding } from "../helpers/needs";
import { createUser, TestUser } from "../helpers/users";
import type { RunnerRequest, RunnerResult } from "../../components/protocol/types";

const PAT = "PAT-runner-data-7c2e";
const header = "Basic " + Buffer.from(`ada@example.com:${PAT}`).toString("base64");
const basic: McpEntry = { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30, http_headers: { Authorization: header } };
/** An OAuth entry: no header, nothing secret in it. */
const oauth: McpEntry = { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30 };
/** The header of the user's own, hand-written entry (test 3): a secret of theirs. */
const USER_SECRET = "users-own-key-41d9a0";
const nodeDir = path.dirname(process.execPath);
const LOCK = ".config.toml.lock";

/** The request and result as the contract extends them (managedBy, takeOver; adopted, restored). */
type DataRequest = RunnerRequest & { managedBy?: string; takeOver?: boolean };
type DataResult = RunnerResult & {
    adopted?: boolean;
    restored?: boolean;
    keptFor?: string;
    error?: { code: string; message: string; line?: number; column?: number };
};

const pickProxy = () =>
    Object.fromEntries(["HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codexHomeOf = (u: TestUser) => path.join(u.home, ".codex");
const configOf = (u: TestUser) => path.join(codexHomeOf(u), "config.toml");

interface RunOpts {
    /** Run as root (for `user:` requests) instead of as the account. */
    asRoot?: boolean;
    env?: NodeJS.ProcessEnv;
    /** Start the runner with this node, as the launcher does once it has found one. */
    node?: string;
    /** argv run before `/bin/sh -c LAUNCHER` (a mount namespace). */
    wrap?: string[];
    /** Like wrap, but started as root with the account's environment; it drops to the account itself. */
    rootWrap?: string[];
}

/** A process's start time (clock ticks since boot, field 22 of /proc/PID/stat), as the runner's lock records it. */
function startTime(pid: number): string {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/** The launcher, with its node lookup replaced by a fixed node when one is given. */
function launcherFor(node?: string): string {
    if (!node) return LAUNCHER;
    const lines = LAUNCHER.split("\n");
    if (!lines[0].startsWith("N=")) throw new Error(`the launcher's first line no longer finds node (N=...): ${lines[0]}`);
    lines[0] = `N=${shq(node)}`;
    return lines.join("\n");
}

suiteNeeding({ root: true })("the runner and the user's data", () => {
    const outputs: string[] = [];
    const cleanups: Array<() => void> = [];
    const children: ChildProcess[] = [];

    function account(): TestUser {
        const u = createUser("cxd");
        cleanups.push(() => u.remove());
        return u;
    }

    function spawnArgs(u: TestUser | undefined, req: DataRequest, opts: RunOpts) {
        const asRoot = opts.asRoot ?? !u;
        const argv = [...(opts.rootWrap ?? opts.wrap ?? []), "/bin/sh", "-c", launcherFor(opts.node)];
        const home = asRoot ? "/root" : u!.home;
        return {
            cmd: argv[0],
            args: argv.slice(1),
            input: launcherInput(JSON.stringify(req)),
            options: {
                ...(asRoot || opts.rootWrap ? {} : { uid: u!.uid, gid: u!.gid }),
                env: {
                    HOME: home,
                    USER: asRoot ? "root" : u!.name,
                    SHELL: "/bin/bash",
                    PATH: `${nodeDir}:/usr/local/bin:/usr/bin:/bin`,
                    npm_config_cache: path.join(home, ".npm"),
                    ...caEnv(),
                    ...pickProxy(),
                    ...opts.env,
                } as NodeJS.ProcessEnv,
            },
        };
    }

    function parse(stdout: string, stderr: string, status: number | null): DataResult {
        outputs.push(stdout, stderr);
        const line = stdout.trim().split("\n").pop() ?? "";
        try {
            return JSON.parse(line);
        } catch {
            throw new Error(`runner printed no JSON (exit ${status}): ${stdout.slice(0, 500)} ${stderr.slice(0, 500)}`);
        }
    }

    function runSync(u: TestUser | undefined, req: DataRequest, opts: RunOpts = {}): DataResult {
        const s = spawnArgs(u, req, opts);
        const r = spawnSync(s.cmd, s.args, { ...s.options, input: s.input, encoding: "utf8" });
        return parse(r.stdout, r.stderr, r.status);
    }

    /** The runner in the background; endedAt is when its process exited. */
    function runAsync(u: TestUser | undefined, req: DataRequest, opts: RunOpts = {}): Promise<{ result: DataResult; endedAt: number }> {
        const s = spawnArgs(u, req, opts);
        return new Promise((resolve, reject) => {
            const p = spawn(s.cmd, s.args, s.options);
            let out = "";
            let err = "";
            p.stdout!.on("data", (d) => (out += d));
            p.stderr!.on("data", (d) => (err += d));
            p.on("error", reject);
            p.on("close", (status) => {
                const endedAt = Date.now();
                try {
                    resolve({ result: parse(out, err, status), endedAt });
                } catch (e) {
                    reject(e);
                }
            });
            p.stdin!.end(s.input);
        });
    }

    const ensure = (u: TestUser, entry: McpEntry, extra: Partial<DataRequest> = {}, opts: RunOpts = {}) =>
        runSync(u, { op: "ensure", name: "connectai", entry, verify: false, ...extra }, opts);
    const probe = (u: TestUser, entry: McpEntry, extra: Partial<DataRequest> = {}, opts: RunOpts = {}) =>
        runSync(u, { op: "probe", name: "connectai", entry, ...extra }, opts);
    const remove = (u: TestUser, extra: Partial<DataRequest> = {}) => runSync(u, { op: "remove", name: "connectai", ...extra });

    /** A file (and its directories up from `from`) as the account's, the way it would have made it. */
    function writeAsUser(u: TestUser, file: string, content: string | Buffer, mode = 0o600): void {
        const dir = path.dirname(file);
        if (!fs.existsSync(dir)) {
            fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
            fs.chownSync(dir, u.uid, u.gid);
        }
        fs.writeFileSync(file, content, { mode });
        fs.chmodSync(file, mode);
        fs.chownSync(file, u.uid, u.gid);
    }

    /** Every regular file under a directory, recursively. */
    function filesUnder(dir: string): string[] {
        if (!fs.existsSync(dir)) return [];
        return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
            const p = path.join(dir, d.name);
            return d.isDirectory() ? filesUnder(p) : d.isFile() ? [p] : [];
        });
    }

    // Codex's own way of writing config.toml: read, edit, write a temporary file beside it, rename.
    // It takes no lock of ours. Run as the account (node -e SCRIPT FILE TEXT).
    const CODEX_LIKE_WRITE = `
        const fs = require("fs"), path = require("path");
        const [file, add] = process.argv.slice(1);
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        let t = "";
        try { t = fs.readFileSync(file, "utf8"); } catch (e) { if (e.code !== "ENOENT") throw e; }
        if (t && !t.endsWith("\\n")) t += "\\n";
        const tmp = path.join(path.dirname(file), ".config.toml.codex-" + process.pid + ".tmp");
        fs.writeFileSync(tmp, t + (t ? "\\n" : "") + add, { mode: 0o600 });
        fs.renameSync(tmp, file);`;

    // A writer that keeps editing for DURATION ms: prepends "# w<i>" by read-modify-rename, prints
    // each i once its rename is done, and pauses 30-60 ms between edits (node -e SCRIPT FILE DURATION).
    const HAMMER_WRITE = `
        const fs = require("fs"), path = require("path");
        const [file, duration] = process.argv.slice(1);
        const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
        const end = Date.now() + Number(duration);
        for (let i = 0; Date.now() < end; i++) {
            let t = "";
            try { t = fs.readFileSync(file, "utf8"); } catch (e) { if (e.code !== "ENOENT") throw e; }
            const tmp = path.join(path.dirname(file), ".config.toml.w" + i + ".tmp");
            fs.writeFileSync(tmp, "# w" + i + "\\n" + t, { mode: 0o600 });
            fs.renameSync(tmp, file);
            fs.writeSync(1, i + "\\n");
            // Codex saves config.toml now and then, not in a tight loop. Between our check and our
            // rename there is a window of microseconds that no portable file API closes (Linux's
            // RENAME_EXCHANGE is not in Node): pauses of this size keep a collision in it (and so
            // this test) far from chance, while the old runner's read-before-edit lost edits here.
            pause(120 + Math.random() * 120);
        }`;

    afterAll(() => {
        for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
        for (const c of cleanups.reverse()) {
            try {
                c();
            } catch (e) {
                process.stderr.write(`runner-data cleanup: ${(e as Error).message}\n`);
            }
        }
    });

    describe("1. no concurrent write is lost", () => {
        test("Codex writing config.toml while npm installs Codex: both its table and our entry are in the file (real npm)", async () => {
            const u = account();
            const config = configOf(u);
            const npmStarted = () => fs.existsSync(path.join(u.home, ".npm", "_cacache")) || fs.existsSync(path.join(u.home, ".local", "lib"));
            let finished = false;
            const run = runAsync(u, { op: "ensure", name: "connectai", entry: basic, codex: { version: codexVersion } });
            run.then(
                () => (finished = true),
                () => (finished = true),
            );
            const deadline = Date.now() + 300_000;
            while (!npmStarted() && !finished && Date.now() < deadline) await sleep(50);
            expect({ npmStartedWhileTheRunnerRan: npmStarted() && !finished }).toEqual({ npmStartedWhileTheRunnerRan: true });

            const w = spawnSync(process.execPath, ["-e", CODEX_LIKE_WRITE, config, '[projects."/work/x"]\ntrust_level = "trusted"\n'], {
                uid: u.uid,
                gid: u.gid,
                encoding: "utf8",
            });
            expect({ writer: w.status, stderr: w.stderr }).toEqual({ writer: 0, stderr: "" });
            // The edit landed while the runner was still at work (else this test proves nothing).
            expect({ runnerStillRunningAfterTheWrite: !finished }).toEqual({ runnerStillRunningAfterTheWrite: true });

            const { result: r } = await run;
            expect(r.error).toBeUndefined();
            expect(r).toMatchObject({ ok: true, changed: true });
            expect(r.codex).toMatchObject({ action: "installed", version: codexVersion });
            expect(r.verified).toEqual({ ok: true, problems: [] });
            const text = fs.readFileSync(config, "utf8");
            expect(text).toContain('[projects."/work/x"]\ntrust_level = "trusted"\n');
            expect(text).toContain("[mcp_servers.connectai]");
            expect(text).toContain(`http_headers = { "Authorization" = "${header}" }`);
        });

        test("a writer hammering config.toml by read-modify-rename during repeated ensure/remove: every edit it completed is kept", async () => {
            const u = account();
            const config = configOf(u);
            writeAsUser(u, config, 'model = "o3"\n');
            const writer = spawn(process.execPath, ["-e", HAMMER_WRITE, config, "6000"], { uid: u.uid, gid: u.gid });
            children.push(writer);
            let done = "";
            let werr = "";
            writer.stdout!.on("data", (d) => (done += d));
            writer.stderr!.on("data", (d) => (werr += d));
            let writerExited = false;
            const writerExit = new Promise<number | null>((resolve) =>
                writer.on("close", (code) => {
                    writerExited = true;
                    resolve(code);
                }),
            );

            const urls = ["https://a.example/mcp", "https://b.example/mcp"];
            const ops: string[] = [];
            for (let i = 0; !writerExited; i++) {
                const req: DataRequest =
                    i % 3 === 2 ? { op: "remove", name: "connectai" } : { op: "ensure", name: "connectai", entry: { url: urls[i % 3] }, verify: false };
                const { result } = await runAsync(u, req);
                ops.push(`${req.op} ${result.ok ? "ok" : `${result.error?.code}: ${result.error?.message}`}`);
            }
            expect(await writerExit).toBe(0);
            expect(werr).toBe("");
            // Every run succeeded, and there were enough of both to overlap.
            expect(ops.filter((o) => !o.endsWith(" ok"))).toEqual([]);
            expect(ops.length).toBeGreaterThanOrEqual(6);
            const completed = done.trim().split("\n").filter(Boolean);
            expect(completed.length).toBeGreaterThanOrEqual(20);

            // Once the writer is done, a last ensure: our entry and every completed edit are there.
            expect(ensure(u, { url: urls[0] })).toMatchObject({ ok: true });
            const lines = fs.readFileSync(config, "utf8").split("\n");
            const missing = completed.filter((i) => !lines.includes(`# w${i}`));
            expect({ lostWriterEdits: missing, of: completed.length }).toEqual({ lostWriterEdits: [], of: completed.length });
            expect(lines).toContain("[mcp_servers.connectai]");
            expect(lines).toContain('model = "o3"');
        });
    });

    describe("2. the lock", () => {
        test("a lock whose holder is alive is never broken, even 11 minutes old: ensure waits for the holder to end", async () => {
            const u = account();
            const codexHome = codexHomeOf(u);
            writeAsUser(u, configOf(u), 'model = "o3"\n');
            const holder = spawn("sleep", ["30"], { uid: u.uid, gid: u.gid, stdio: "ignore" });
            children.push(holder);
            const holderGone = new Promise((resolve) => holder.on("exit", resolve));
            const lock = path.join(codexHome, LOCK);
            // As the runner writes it: "<pid> <start time> <host>" (a bare pid is read the same way).
            writeAsUser(u, lock, `${holder.pid} ${startTime(holder.pid!)} ${os.hostname()}`);
            const old = new Date(Date.now() - 11 * 60_000);
            fs.utimesSync(lock, old, old);

            const run = runAsync(u, { op: "ensure", name: "connectai", entry: oauth, verify: false });
            await sleep(3000);
            // Still the holder's lock: not broken, whatever its age.
            expect(fs.readFileSync(lock, "utf8")).toBe(`${holder.pid} ${startTime(holder.pid!)} ${os.hostname()}`);
            const killedAt = Date.now();
            holder.kill("SIGKILL");
            await holderGone; // reaped: no zombie that would still answer kill(pid, 0)
            const { result, endedAt } = await run;
            expect(result.error).toBeUndefined();
            expect(result).toMatchObject({ ok: true, changed: true });
            expect({ ensureEndedAfterTheHolder: endedAt >= killedAt }).toEqual({ ensureEndedAfterTheHolder: true });
            expect(fs.existsSync(lock)).toBe(false);
            expect(fs.readFileSync(configOf(u), "utf8")).toContain("[mcp_servers.connectai]");
        });

        test("a lock of a dead process is broken at once", () => {
            const u = account();
            writeAsUser(u, configOf(u), 'model = "o3"\n');
            const dead = Number(execFileSync("/bin/sh", ["-c", "echo $$"], { encoding: "utf8" }).trim());
            const lock = path.join(codexHomeOf(u), LOCK);
            writeAsUser(u, lock, String(dead));
            const t0 = Date.now();
            const r = ensure(u, oauth);
            const took = Date.now() - t0;
            expect(r.error).toBeUndefined();
            expect(r).toMatchObject({ ok: true, changed: true });
            expect({ tookUnder5s: took < 5000, took }).toMatchObject({ tookUnder5s: true });
            expect(fs.existsSync(lock)).toBe(false);
        });
    });

    describe("3. the user's own entry", () => {
        test("adopted on ensure (kept privately), given back byte for byte on remove, with the user's later edits", () => {
            const u = account();
            const codexHome = codexHomeOf(u);
            const config = configOf(u);
            const original = [
                "# my settings",
                'model = "o3"',
                "",
                "# CData, set up by hand",
                "[mcp_servers.connectai]",
                "# my own tenant",
                'url = "https://my-tenant.example/mcp" # not the default one',
                `http_headers = { "X-Api-Key" = "${USER_SECRET}" }`,
                "",
                "[mcp_servers.other]",
                'url = "https://other.example/mcp"',
                "",
            ].join("\n");
            writeAsUser(u, config, original);

            const r = ensure(u, basic);
            expect(r.error).toBeUndefined();
            expect(r).toMatchObject({ ok: true, changed: true, adopted: true });
            // The entry is ours now.
            const text = fs.readFileSync(config, "utf8");
            expect(text).toContain(`http_headers = { "Authorization" = "${header}" }`);
            expect(text).not.toContain(USER_SECRET);
            expect(probe(u, basic).drift).toEqual([]);
            // The user's original is kept under CODEX_HOME, private to the account, and not in the .bak.
            const keepers = filesUnder(codexHome).filter((f) => f !== config && fs.readFileSync(f, "utf8").includes(USER_SECRET));
            expect(keepers.length).toBeGreaterThanOrEqual(1);
            for (const f of keepers) {
                const st = fs.statSync(f);
                expect({ file: f, mode: (st.mode & 0o777).toString(8), uid: st.uid }).toEqual({ file: f, mode: "600", uid: u.uid });
                expect(f).not.toBe(`${config}.bak`);
            }
            // The account had a config.toml and no .bak: the ensure that changed the file wrote this
            // tool's backup of it, which is the previous file without the entry (the user's secret
            // went with it; it is kept privately above).
            expect(r.backup).toBe(`${config}.bak`);
            expect(fs.readFileSync(`${config}.bak`, "utf8")).toBe(removeEntry(original, "connectai"));
            expect(fs.readFileSync(`${config}.bak`, "utf8")).not.toContain(USER_SECRET);

            // The user edits something else meanwhile; it survives the remove.
            const later = '\n[projects."/work/y"]\ntrust_level = "trusted"\n';
            fs.appendFileSync(config, later);
            const rm = remove(u);
            expect(rm.error).toBeUndefined();
            expect(rm).toMatchObject({ ok: true, changed: true, restored: true, backupRemoved: `${config}.bak` });
            expect(fs.readFileSync(config, "utf8")).toBe(original + later);
            expect(fs.existsSync(`${config}.bak`)).toBe(false);
        });
    });

    describe("4. one manager per entry", () => {
        const A = "pulumi:p/a/x";
        const B = "pulumi:p/b/x";

        test("a second manager is refused (naming the first, mentioning takeOver) until it takes over; the first's remove then keeps the entry", () => {
            const u = account();
            const config = configOf(u);
            expect(ensure(u, oauth, { managedBy: A })).toMatchObject({ ok: true, changed: true });
            const before = fs.readFileSync(config);
            const mtime = fs.statSync(config).mtimeMs;

            const other: McpEntry = { url: "https://b.example/mcp" };
            const refused = ensure(u, other, { managedBy: B });
            expect(refused.ok).toBe(false);
            expect(refused.error?.code).toBe("managed-elsewhere");
            expect(refused.error?.message).toContain(A);
            expect(refused.error?.message).toContain("takeOver");
            expect(fs.readFileSync(config).equals(before)).toBe(true);
            expect(fs.statSync(config).mtimeMs).toBe(mtime);

            const taken = ensure(u, other, { managedBy: B, takeOver: true });
            expect(taken.error).toBeUndefined();
            expect(taken).toMatchObject({ ok: true, changed: true });
            expect(fs.readFileSync(config, "utf8")).toContain('url = "https://b.example/mcp"');

            const oldRemove = remove(u, { managedBy: A });
            expect(oldRemove.error).toBeUndefined();
            expect(oldRemove).toMatchObject({ ok: true, keptFor: B });
            expect(fs.readFileSync(config, "utf8")).toContain("[mcp_servers.connectai]");
            expect(fs.readFileSync(config, "utf8")).toContain('url = "https://b.example/mcp"');

            expect(remove(u, { managedBy: B })).toMatchObject({ ok: true, changed: true });
            expect(fs.readFileSync(config, "utf8")).not.toContain("[mcp_servers.connectai]");
        });

        test("a record an older version wrote (no managedBy) is adopted silently by the first manager that comes", () => {
            const u = account();
            const config = configOf(u);
            // What an ensure of the version before managedBy left: the entry and a record without it.
            expect(ensure(u, oauth)).toMatchObject({ ok: true });
            writeAsUser(u, path.join(codexHomeOf(u), ".codex-mcp-owner.json"), JSON.stringify({ servers: { connectai: { token: "t-old" } } }, null, 2) + "\n");

            const C = "pulumi:p/c/x";
            const r = ensure(u, oauth, { managedBy: C });
            expect(r.error).toBeUndefined();
            expect(r.ok).toBe(true);
            // From now on C manages it: another manager is refused, naming C.
            const before = fs.readFileSync(config);
            const d = ensure(u, { url: "https://d.example/mcp" }, { managedBy: "pulumi:p/d/x" });
            expect(d.error?.code).toBe("managed-elsewhere");
            expect(d.error?.message).toContain(C);
            expect(fs.readFileSync(config).equals(before)).toBe(true);
        });
    });

    describe("5. a symlinked config.toml (dotfiles manager)", () => {
        /** An account whose ~/.codex/config.toml links into ~/dotfiles/codex (all the account's own). */
        function dotfilesAccount() {
            const u = account();
            const dotdir = path.join(u.home, "dotfiles", "codex");
            const dotfile = path.join(dotdir, "config.toml");
            const link = configOf(u);
            fs.mkdirSync(dotdir, { recursive: true });
            fs.writeFileSync(dotfile, 'model = "o3"\n', { mode: 0o644 });
            fs.mkdirSync(codexHomeOf(u), { mode: 0o700 });
            fs.symlinkSync("../dotfiles/codex/config.toml", link);
            spawnSync("chown", ["-R", `${u.uid}:${u.gid}`, path.join(u.home, "dotfiles"), codexHomeOf(u)]);
            spawnSync("chown", ["-h", `${u.uid}:${u.gid}`, link]);
            return { u, dotdir, dotfile, link };
        }

        test("an entry without a secret goes into the linked file; no backup or temp file beside it; the link stays", () => {
            const { u, dotdir, dotfile, link } = dotfilesAccount();

            const r = ensure(u, oauth);
            expect(r.error).toBeUndefined();
            expect(r).toMatchObject({ ok: true, changed: true });
            expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
            expect(fs.readlinkSync(link)).toBe("../dotfiles/codex/config.toml");
            expect(fs.readFileSync(dotfile, "utf8")).toContain("[mcp_servers.connectai]");
            expect(fs.readFileSync(dotfile, "utf8").startsWith('model = "o3"\n')).toBe(true);
            // Nothing of ours in the dotfiles repository. The linked file existed, so the ensure that
            // changed it wrote a backup: in CODEX_HOME, beside the link, not beside the file.
            expect(fs.readdirSync(dotdir)).toEqual(["config.toml"]);
            expect(r.backup).toBe(`${link}.bak`);
            expect(fs.readFileSync(`${link}.bak`, "utf8")).toBe('model = "o3"\n');
            expect(fs.readdirSync(codexHomeOf(u)).filter((f) => f.endsWith(".tmp") || f === LOCK)).toEqual([]);
        });

        test("an entry with a literal header is refused: it would land in the linked (dotfiles) file", () => {
            const { u, dotdir, dotfile, link } = dotfilesAccount();
            // First an OAuth entry (allowed), then the Basic one over it.
            expect(ensure(u, oauth)).toMatchObject({ ok: true });
            const before = fs.readFileSync(dotfile);

            const r = ensure(u, basic);
            expect(r.ok).toBe(false);
            expect(r.error?.code).toBe("symlink-refused");
            expect(r.error?.message).toMatch(/header/i);
            expect(r.error?.message).toContain("dotfiles/codex/config.toml");
            expect(r.error?.message).toContain("bearer_token_env_var");
            expect(r.error?.message).toContain("env_http_headers");
            expect(fs.readFileSync(dotfile).equals(before)).toBe(true);
            expect(fs.readFileSync(dotfile, "utf8")).not.toContain("Authorization");
            expect(fs.readdirSync(dotdir)).toEqual(["config.toml"]);
            expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
        });
    });

    describe("6. invalid UTF-8", () => {
        test("a config.toml with invalid UTF-8 on line 3: ensure and probe refuse, naming the line; the bytes stay", () => {
            const u = account();
            const bytes = Buffer.concat([Buffer.from('model = "o3"\n# notes\nname = "'), Buffer.from([0xc3, 0x28]), Buffer.from('"\n')]);
            writeAsUser(u, configOf(u), bytes);
            for (const r of [ensure(u, oauth), probe(u, oauth)]) {
                expect(r.ok).toBe(false);
                expect(r.error?.code).toBe("invalid-utf8");
                expect(r.error?.message).toMatch(/line 3\b/);
            }
            expect(fs.readFileSync(configOf(u)).equals(bytes)).toBe(true);
            expect(fs.existsSync(`${configOf(u)}.bak`)).toBe(false);
        });
    });

    describe("7. CODEX_HOME's mode", () => {
        test("~/.codex opened to 0755: probe reports codex-home-mode, ensure puts back 0700", () => {
            const u = account();
            const codexHome = codexHomeOf(u);
            expect(ensure(u, oauth)).toMatchObject({ ok: true });
            expect(probe(u, oauth).drift).toEqual([]);
            fs.chmodSync(codexHome, 0o755);
            expect(probe(u, oauth).drift).toContain("codex-home-mode");
            const r = ensure(u, oauth);
            expect(r.error).toBeUndefined();
            expect(r.ok).toBe(true);
            expect((fs.statSync(codexHome).mode & 0o777).toString(8)).toBe("700");
            expect(probe(u, oauth).drift).toEqual([]);
        });
    });

    describe("8. Node only from a login shell (nvm/Volta style)", () => {
        /** The machine's npm package directory (…/node_modules/npm). */
        function machineNpmDir(): string {
            const candidates: string[] = [];
            const root = spawnSync("npm", ["root", "-g"], { encoding: "utf8" });
            if (root.status === 0) candidates.push(path.join(root.stdout.trim(), "npm"));
            const which = spawnSync("/bin/sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim();
            if (which) for (let d = path.dirname(fs.realpathSync(which)); d !== "/"; d = path.dirname(d)) candidates.push(d);
            candidates.push("/usr/lib/node_modules/npm", "/usr/share/nodejs/npm", "/usr/local/lib/node_modules/npm");
            const found = candidates.find((d) => {
                try {
                    return JSON.parse(fs.readFileSync(path.join(d, "package.json"), "utf8")).name === "npm";
                } catch {
                    return false;
                }
            });
            if (!found) throw new Error(`npm's package directory not found among ${candidates.join(", ")}`);
            return found;
        }

        const plainPath = "/usr/local/bin:/usr/bin:/bin";

        /** An account whose Node and npm live in ~/.fakenvm, put on PATH by ~/.profile only. */
        function fakeNvmAccount(): { u: TestUser; prefix: string; fakeNode: string } {
            const u = account();
            const prefix = path.join(u.home, ".fakenvm");
            const fakeNode = path.join(prefix, "bin", "node");
            fs.mkdirSync(path.join(prefix, "bin"), { recursive: true });
            fs.mkdirSync(path.join(prefix, "lib", "node_modules"), { recursive: true });
            fs.copyFileSync(process.execPath, fakeNode);
            fs.chmodSync(fakeNode, 0o755);
            fs.cpSync(machineNpmDir(), path.join(prefix, "lib", "node_modules", "npm"), { recursive: true, verbatimSymlinks: true });
            fs.symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", path.join(prefix, "bin", "npm"));
            fs.appendFileSync(path.join(u.home, ".profile"), '\nexport PATH="$HOME/.fakenvm/bin:$PATH"\n');
            spawnSync("chown", ["-R", `${u.uid}:${u.gid}`, prefix, path.join(u.home, ".profile")]);
            return { u, prefix, fakeNode };
        }

        /** ensure with a Codex install, then probe, both started with the fake-nvm node; the checks of the contract. */
        function ensureAndProbe(u: TestUser, prefix: string, fakeNode: string, extra: RunOpts = {}): void {
            const viaFakeNode: RunOpts = { node: fakeNode, env: { PATH: plainPath }, ...extra };
            const r = runSync(u, { op: "ensure", name: "connectai", entry: basic, codex: { version: codexVersion } }, viaFakeNode);
            expect(r.error).toBeUndefined();
            expect(r).toMatchObject({ ok: true, changed: true });
            expect(r.node.path).toBe(fakeNode);
            expect(r.codex).toMatchObject({ action: "installed", version: codexVersion });
            expect(r.codex?.path ?? "(none)").toMatch(new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`)); // under ~/.fakenvm
            expect(r.verified).toEqual({ ok: true, problems: [] });
            const pkg = JSON.parse(fs.readFileSync(path.join(prefix, "lib", "node_modules", "@openai", "codex", "package.json"), "utf8"));
            expect(pkg.version).toBe(codexVersion);
            expect(fs.existsSync(path.join(u.home, ".local", "bin", "codex"))).toBe(false);

            const p = runSync(u, { op: "probe", name: "connectai", entry: basic, codex: { version: codexVersion } }, viaFakeNode);
            expect(p.error).toBeUndefined();
            expect(p.drift).toEqual([]);
            expect(p.codex).toMatchObject({ version: codexVersion });
        }

        test("the runner started with the account's own node installs Codex in npm's own (user-writable) prefix, verifies it, and probes clean", () => {
            const { u, prefix, fakeNode } = fakeNvmAccount();
            // The fixture, stated: the login shell finds this node, a plain PATH does not.
            const login = spawnSync("/bin/bash", ["-lc", "command -v node"], {
                uid: u.uid,
                gid: u.gid,
                env: { HOME: u.home, USER: u.name, PATH: plainPath },
                encoding: "utf8",
            });
            expect(login.stdout.trim().split("\n").pop()).toBe(fakeNode);
            const plain = spawnSync("/bin/sh", ["-c", "command -v node || true"], { env: { PATH: plainPath }, encoding: "utf8" });
            expect(plain.stdout.trim()).not.toBe(fakeNode);
            ensureAndProbe(u, prefix, fakeNode);
        });

        test("the same on a machine with no Node of its own (the machine's node hidden): npm and codex run on the account's node", () => {
            const { u, prefix, fakeNode } = fakeNvmAccount();
            // In a mount namespace of its own, every node on the plain PATH is covered by an empty,
            // non-executable file; then the runner drops to the account (setpriv).
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "no-node-"));
            cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
            const empty = path.join(tmp, "not-node");
            fs.writeFileSync(empty, "", { mode: 0o644 });
            const hide = [
                "e=$1; u=$2; g=$3; shift 3",
                `for n in ${plainPath
                    .split(":")
                    .map((d) => `${d}/node`)
                    .join(" ")}; do if [ -e "$n" ]; then mount --bind "$e" "$n" || exit 97; fi; done`,
                'exec setpriv --reuid="$u" --regid="$g" --init-groups "$@"',
            ].join("\n");
            const rootWrap = ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", hide, "hide-node", empty, String(u.uid), String(u.gid)];
            // The fixture, stated: there, a plain PATH finds no node; the login shell finds the account's.
            const env = { HOME: u.home, USER: u.name, PATH: plainPath };
            const plain = spawnSync(rootWrap[0], [...rootWrap.slice(1), "/bin/sh", "-c", "command -v node || echo none"], { env, encoding: "utf8" });
            expect(plain.stdout.trim()).toBe("none");
            const login = spawnSync(rootWrap[0], [...rootWrap.slice(1), "/bin/bash", "-lc", "command -v node; id -u"], { env, encoding: "utf8" });
            expect(login.stdout.trim().split("\n").slice(-2)).toEqual([fakeNode, String(u.uid)]);
            ensureAndProbe(u, prefix, fakeNode, { rootWrap });
        });
    });

    const hasExtrausers = spawnSync("dpkg-query", ["-W", "-f=${Status}", "libnss-extrausers"], { encoding: "utf8" }).stdout.includes("install ok installed");
    const nssDescribe: (title: string, fn: () => void) => void = hasExtrausers
        ? describe
        : process.env.CI === "true"
          ? (title) =>
                describe(title, () =>
                    test("cannot run: needs libnss-extrausers", () => {
                        throw new Error(
                            "CI=true and libnss-extrausers is not installed (apt-get install libnss-extrausers): a skipped suite is a failure in CI",
                        );
                    }),
                )
          : (title, fn) => describe.skip(`${title} ${SKIP_MARK} needs libnss-extrausers (apt-get install libnss-extrausers)]`, fn);

    nssDescribe("9. an account that only NSS knows (not in /etc/passwd)", () => {
        test("run as root for an extrausers account: ok, and the files are that uid's", () => {
            const used = (kind: "passwd" | "group", id: number) => spawnSync("getent", [kind, String(id)]).status === 0;
            let uid = 23000 + (process.pid % 1000);
            while (used("passwd", uid) || used("group", uid)) uid++;
            const name = `cxn${randomBytes(3).toString("hex")}`;
            const home = path.join("/home", name);
            const dir = "/var/lib/extrausers";
            const saved: Record<string, string | undefined> = {};
            for (const f of ["passwd", "group"]) saved[f] = fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : undefined;
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nss-"));
            cleanups.push(() => {
                for (const f of ["passwd", "group"]) {
                    const file = path.join(dir, f);
                    if (saved[f] === undefined) fs.rmSync(file, { force: true });
                    else fs.writeFileSync(file, saved[f]!);
                }
                fs.rmSync(home, { recursive: true, force: true });
                fs.rmSync(tmp, { recursive: true, force: true });
            });
            fs.mkdirSync(dir, { recursive: true });
            const add = (f: string, line: string) =>
                fs.writeFileSync(path.join(dir, f), (saved[f] && !saved[f]!.endsWith("\n") ? saved[f] + "\n" : (saved[f] ?? "")) + line + "\n", {
                    mode: 0o644,
                });
            add("passwd", `${name}:x:${uid}:${uid}:codex-connect-pulumi NSS test account:${home}:/bin/bash`);
            add("group", `${name}:x:${uid}:`);
            fs.mkdirSync(home, { mode: 0o755 });
            fs.chownSync(home, uid, uid);
            const nss = path.join(tmp, "nsswitch.conf");
            fs.writeFileSync(nss, fs.readFileSync("/etc/nsswitch.conf", "utf8").replace(/^(passwd|group):(.*)$/gm, "$1:$2 extrausers"), { mode: 0o644 });

            // The machine itself does not know the account; only the namespace's NSS does.
            expect(spawnSync("getent", ["passwd", name]).status).not.toBe(0);
            const wrap = ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", 'mount --bind "$0" /etc/nsswitch.conf && exec "$@"', nss];
            const known = spawnSync(wrap[0], [...wrap.slice(1), "getent", "passwd", name], { encoding: "utf8" });
            expect(known.stdout.trim()).toBe(`${name}:x:${uid}:${uid}:codex-connect-pulumi NSS test account:${home}:/bin/bash`);

            const r = runSync(undefined, { op: "ensure", name: "connectai", entry: oauth, user: name, verify: false }, { asRoot: true, wrap });
            expect(r.error).toBeUndefined();
            expect(r).toMatchObject({ ok: true, changed: true, user: name, configPath: path.join(home, ".codex", "config.toml") });
            for (const f of [path.join(home, ".codex"), path.join(home, ".codex", "config.toml")]) {
                const st = fs.statSync(f);
                expect({ file: f, uid: st.uid, gid: st.gid }).toEqual({ file: f, uid, gid: uid });
            }
            for (const f of filesUnder(path.join(home, ".codex"))) expect({ file: f, uid: fs.statSync(f).uid }).toEqual({ file: f, uid });
            expect(fs.readFileSync(path.join(home, ".codex", "config.toml"), "utf8")).toContain("[mcp_servers.connectai]");
        });
    });

    describe("10. what a run leaves when it ends", () => {
        const OWNER = ".codex-mcp-owner.json";
        const docs: McpEntry = { url: "https://docs.example/mcp" };
        const modeOf = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);
        const record = (u: TestUser) =>
            JSON.parse(fs.readFileSync(path.join(codexHomeOf(u), OWNER), "utf8")) as { servers: Record<string, { fileMode?: string }> };

        test("a user's 0644 config.toml: ensure makes it 0600, and the last remove (not an earlier one) gives 0644 back", () => {
            const u = account();
            const config = configOf(u);
            const original = '# mine\nmodel = "o3"\n';
            writeAsUser(u, config, original, 0o644);
            expect(ensure(u, oauth)).toMatchObject({ ok: true, changed: true });
            expect(modeOf(config)).toBe("600");
            expect(record(u).servers.connectai.fileMode).toBe("0644");
            expect(ensure(u, docs, { name: "docs" })).toMatchObject({ ok: true, changed: true });
            expect(ensure(u, docs, { name: "docs" })).toMatchObject({ ok: true, changed: false });

            const first = remove(u);
            expect(first.error).toBeUndefined();
            expect({ mode: modeOf(config), docsRecord: record(u).servers.docs?.fileMode }).toEqual({ mode: "600", docsRecord: "0644" });
            const last = remove(u, { name: "docs" });
            expect(last.error).toBeUndefined();
            expect({ mode: modeOf(config), text: fs.readFileSync(config, "utf8"), record: fs.existsSync(path.join(codexHomeOf(u), OWNER)) }).toEqual({
                mode: "644",
                text: original,
                record: false,
            });
        });

        test("a mode the user set after the ensure is theirs: the remove leaves it", () => {
            const u = account();
            const config = configOf(u);
            writeAsUser(u, config, 'model = "o3"\n', 0o644);
            expect(ensure(u, oauth)).toMatchObject({ ok: true, changed: true });
            fs.chmodSync(config, 0o640);
            expect(remove(u)).toMatchObject({ ok: true, changed: true });
            expect(modeOf(config)).toBe("640");
        });

        /** config.toml linked to a file in ~/dotfiles, which the account then cannot write in (0500): every write of config.toml fails. */
        function unwritableLinkedConfig(u: TestUser, text: string): string {
            const dot = path.join(u.home, "dotfiles");
            const real = path.join(dot, "codex.toml");
            writeAsUser(u, real, text);
            fs.mkdirSync(codexHomeOf(u), { recursive: true, mode: 0o700 });
            fs.chownSync(codexHomeOf(u), u.uid, u.gid);
            fs.symlinkSync(real, configOf(u));
            fs.lchownSync(configOf(u), u.uid, u.gid);
            return real;
        }

        /** CODEX_HOME's entries: each file's text, a link as "link". */
        const listing = (u: TestUser) =>
            Object.fromEntries(
                fs
                    .readdirSync(codexHomeOf(u))
                    .map((n) => [
                        n,
                        fs.lstatSync(path.join(codexHomeOf(u), n)).isSymbolicLink() ? "link" : fs.readFileSync(path.join(codexHomeOf(u), n), "utf8"),
                    ]),
            );

        test("a failed first ensure takes its record back: no .codex-mcp-owner.json left, another server's record kept byte for byte", () => {
            const text = '# mine\nmodel = "o3"\n\n[mcp_servers.connectai]\nurl = "https://mine.example/mcp"\n';
            for (const withOther of [false, true]) {
                const u = account();
                const real = unwritableLinkedConfig(u, text);
                if (withOther) expect(ensure(u, docs, { name: "docs" })).toMatchObject({ ok: true, changed: true });
                const realBefore = fs.readFileSync(real, "utf8");
                const home = listing(u);
                fs.chmodSync(path.dirname(real), 0o500);
                const r = ensure(u, oauth);
                const dot = path.dirname(real).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
                expect({ withOther, ok: r.ok, code: r.error?.code, message: r.error?.message }).toEqual({
                    withOther,
                    ok: false,
                    code: "write-failed",
                    message: expect.stringMatching(
                        new RegExp(
                            `^permission denied \\(EACCES\\) writing ${dot}/\\.codex\\.toml\\.\\d+\\.[0-9a-f]{8}\\.tmp for ${dot}/codex\\.toml; nothing was changed$`,
                        ),
                    ),
                });
                const after = listing(u);
                expect({ withOther, after, real: fs.readFileSync(real, "utf8") }).toEqual({ withOther, after: home, real: realBefore });
                expect({ withOther, names: Object.keys(after).sort() }).toEqual({
                    withOther,
                    names: withOther ? [OWNER, "config.toml", "config.toml.bak"] : ["config.toml"],
                });
                fs.chmodSync(path.dirname(real), 0o700);
            }
        });
    });

    // Last: what every test above made the runner print.
    test("nothing the runner printed, in any step, holds the PAT, our header or the user's own header", () => {
        const printed = outputs.join("\n");
        expect(printed).toContain('"ok":true'); // the witness: the scan sees the runner's answers
        expect(printed).not.toContain(PAT);
        expect(printed).not.toContain(header);
        expect(printed).not.toContain(Buffer.from(`ada@example.com:${PAT}`).toString("base64"));
        expect(printed).not.toContain(USER_SECRET);
    });
});
