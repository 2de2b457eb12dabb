// The target-side runner: everything that happens on the machine that gets Codex. It is bundled
// into one JavaScript file (see launcher.ts and scripts/build.ts) that needs nothing on the target but Node.js 18+.
//
// It takes one request and returns one result; the caller serialises both as JSON. Secrets (header
// values) arrive inside the request, which travels on standard input only, and never appear in the
// result: the entry is reported through observeEntry, which reduces header values to fingerprints.
import { spawnSync, SpawnSyncOptions } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyEntry, ConfigEntryError, McpEntry, Observation, observeEntry, removeEntry, validateEntry } from "./config-entry";
import { MIN_NODE_MAJOR } from "./versions";

export interface RunnerRequest {
    op: "probe" | "ensure" | "remove";
    /** The server name: `[mcp_servers.NAME]`. Absent: the request manages Codex alone. */
    name?: string;
    /** The desired entry (ensure; probe compares against it when given). */
    entry?: McpEntry;
    /** CODEX_HOME on the target; default $CODEX_HOME, else ~/.codex of the target user. */
    codexHome?: string;
    /** When the runner runs as root for another account (docker exec as root): that account. */
    user?: string;
    /** Codex itself: a version ("0.169.0" or "latest") to install, and on remove whether to uninstall. */
    codex?: { version?: string; uninstall?: boolean };
    /** Check with the real `codex mcp get NAME --json` after writing (default: when Codex is there). */
    verify?: boolean;
    /** The drift token the caller last applied (stored in the ownership record; see docs/architecture.md). */
    token?: string;
    /**
     * Who manages the entry: the managing resource's identity of the target. A remove with another
     * claim than the recorded one leaves the entry alone (the old resource of a replace that points
     * at the same file must not delete what the new one has just written).
     */
    claim?: string;
    /** The target as the caller names it in messages ("ssh dev@10.0.0.5:22"). */
    label?: string;
    /** probe: the entry's header values are keyed with this one-run key (config-entry keyedHeader), never sent as such. */
    headerKey?: string;
    /** Print only what the components report (the command's stdout is kept in every state snapshot). */
    compact?: boolean;
}

export interface CodexState {
    path?: string;
    version?: string;
    onLoginPath?: boolean;
    installedByUs?: boolean;
    action?: "none" | "installed" | "upgraded" | "uninstalled" | "kept";
}

export interface RunnerResult {
    ok: boolean;
    op: RunnerRequest["op"];
    node: { version: string; path: string };
    user: string;
    codexHome: string;
    configPath: string;
    file: { exists: boolean; mode?: string; symlink?: boolean };
    /** The entry as found before acting, compared with the desired one. */
    entry: Observation;
    /** What differs from the desired state, before acting: entry fields, file mode, Codex. */
    drift: string[];
    changed: boolean;
    backup?: string;
    codex?: CodexState;
    verified?: { ok: boolean; problems: string[] };
    /** The token recorded on the target for this server (ownership record). */
    token?: string;
    /** ensure: what had drifted when a previous ensure had recorded this server (a repair); else empty. */
    repaired?: string[];
    /** remove: the entry was left in place because another claim manages it now. */
    keptFor?: string;
    error?: { code: string; message: string; line?: number; column?: number };
}

class RunnerError extends Error {
    constructor(readonly code: string, message: string, readonly line?: number, readonly column?: number) {
        super(message);
    }
}

const CONFIG_MODE = 0o600;
const HOME_MODE = 0o700;
const CODEX_PACKAGE = "@openai/codex";
const OWNER_FILE = ".codex-mcp-owner.json";

interface Account {
    name: string;
    home: string;
    uid: number;
    gid: number;
    /** True when we run as root on behalf of another account: files get chowned to it. */
    impersonated: boolean;
}

function resolveAccount(user?: string): Account {
    const me = os.userInfo();
    if (!user || user === me.username) {
        return { name: me.username, home: process.env.HOME || me.homedir, uid: me.uid, gid: me.gid, impersonated: false };
    }
    if (me.uid !== 0) throw new RunnerError("bad-request", `user: running as ${me.username}, which cannot act for ${user}; run as root or as ${user}`);
    const line = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .find((l) => l.split(":")[0] === user);
    if (!line) throw new RunnerError("bad-request", `user: no account named ${user} on this machine`);
    const f = line.split(":");
    return { name: user, home: f[5], uid: Number(f[2]), gid: Number(f[3]), impersonated: true };
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 600_000, maxBuffer: 64 * 1024 * 1024, ...opts });
    return { status: r.error ? null : r.status, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

// ---------------------------------------------------------------------------------------------
// Files: a lock, atomic writes, modes and owners.

function sleep(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** An exclusive lock file beside config.toml, so two runs never interleave their edits. */
function withLock<T>(dir: string, fn: () => T): T {
    const lock = path.join(dir, ".config.toml.lock");
    const deadline = Date.now() + 120_000;
    for (;;) {
        try {
            const fd = fs.openSync(lock, "wx", 0o600);
            fs.writeSync(fd, String(process.pid));
            fs.closeSync(fd);
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
            if (lockIsStale(lock)) {
                fs.rmSync(lock, { force: true });
                continue;
            }
            if (Date.now() > deadline) throw new RunnerError("locked", `another run holds ${lock}; remove it if no run is active`);
            sleep(50 + Math.random() * 100);
        }
    }
    try {
        return fn();
    } finally {
        fs.rmSync(lock, { force: true });
    }
}

function lockIsStale(lock: string): boolean {
    try {
        const pid = Number(fs.readFileSync(lock, "utf8"));
        if (Date.now() - fs.statSync(lock).mtimeMs > 600_000) return true;
        if (!pid) return false; // being written right now
        process.kill(pid, 0);
        return false;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "ESRCH";
    }
}

/** Write via a temporary file in the same directory: fsync, then rename over the target. */
function writeAtomic(file: string, content: string, owner?: { uid: number; gid: number }): void {
    const dir = path.dirname(file);
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    const fd = fs.openSync(tmp, "wx", CONFIG_MODE);
    try {
        fs.writeSync(fd, content);
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
    try {
        fs.chmodSync(tmp, CONFIG_MODE);
        if (owner) fs.chownSync(tmp, owner.uid, owner.gid);
        fs.renameSync(tmp, file);
    } catch (e) {
        fs.rmSync(tmp, { force: true });
        throw e;
    }
    try {
        const dfd = fs.openSync(dir, "r");
        fs.fsyncSync(dfd);
        fs.closeSync(dfd);
    } catch {
        // Some filesystems cannot fsync a directory; the rename itself is still atomic.
    }
}

function ensureDir(dir: string, account: Account): void {
    if (!fs.existsSync(dir)) {
        fs.mkdirSync(dir, { recursive: true, mode: HOME_MODE });
        if (account.impersonated) fs.chownSync(dir, account.uid, account.gid);
    }
}

interface OwnerRecord {
    servers: Record<string, { token?: string; claim?: string }>;
    codex?: { installedByUs: boolean; version?: string; prefix?: string };
}

function readOwner(codexHome: string): OwnerRecord {
    try {
        const r = JSON.parse(fs.readFileSync(path.join(codexHome, OWNER_FILE), "utf8")) as OwnerRecord;
        return { servers: r.servers ?? {}, codex: r.codex };
    } catch {
        return { servers: {} };
    }
}

function writeOwner(codexHome: string, record: OwnerRecord, account: Account): void {
    const file = path.join(codexHome, OWNER_FILE);
    const empty = !Object.keys(record.servers).length && !record.codex?.installedByUs;
    if (empty) fs.rmSync(file, { force: true });
    else writeAtomic(file, JSON.stringify(record, null, 2) + "\n", account.impersonated ? account : undefined);
}

// ---------------------------------------------------------------------------------------------
// Codex: find it, install it at the pinned version, verify what it parsed.

function npmPath(): string {
    const beside = path.join(path.dirname(process.execPath), "npm");
    return fs.existsSync(beside) ? beside : "npm";
}

/** The PATH a login shell of the account gives, to tell whether `codex` will be found there. */
function loginPath(account: Account): string[] {
    const shell = process.env.SHELL && fs.existsSync(process.env.SHELL) ? process.env.SHELL : "/bin/sh";
    const asUser = account.impersonated ? { uid: account.uid, gid: account.gid } : {};
    const r = run(shell, ["-lc", 'printf %s "$PATH"'], { ...asUser, env: { HOME: account.home, USER: account.name, PATH: "/usr/local/bin:/usr/bin:/bin" }, timeout: 15_000 });
    return r.stdout.split(":").filter(Boolean);
}

function userPrefix(account: Account): string {
    return path.join(account.home, ".local");
}

/**
 * The version npm installed, from the package.json beside the bin's target: no process started,
 * which keeps a read-only probe to one short Node process per host.
 */
function packageVersion(bin: string): string | undefined {
    try {
        const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(fs.realpathSync(bin)), "..", "package.json"), "utf8"));
        return pkg.name === CODEX_PACKAGE && typeof pkg.version === "string" ? pkg.version : undefined;
    } catch {
        return undefined;
    }
}

/** `quick` (probes): the version from package.json when it can be read, else from `codex --version`. */
function findCodex(account: Account, quick = false): { path: string; version?: string } | undefined {
    const dirs = [...(process.env.PATH ?? "").split(":"), path.join(userPrefix(account), "bin")];
    for (const d of dirs) {
        const p = path.join(d, "codex");
        if (!d || !fs.existsSync(p)) continue;
        const known = quick ? packageVersion(p) : undefined;
        if (known) return { path: p, version: known };
        const r = run(p, ["--version"], { timeout: 30_000 });
        const m = /(\d+\.\d+\.\d+[^\s]*)/.exec(r.stdout);
        return { path: p, version: m?.[1] };
    }
    return undefined;
}

/** Where Codex is and at which version; a probe (quick) skips the login shell that tells onLoginPath. */
function codexState(account: Account, owner: OwnerRecord, quick = false): CodexState {
    const found = findCodex(account, quick);
    if (!found) return { installedByUs: owner.codex?.installedByUs ?? false };
    return {
        path: found.path,
        version: found.version,
        onLoginPath: quick ? undefined : loginPath(account).includes(path.dirname(found.path)),
        installedByUs: owner.codex?.installedByUs ?? false,
    };
}

function globalPrefixWritable(): string | undefined {
    const r = run(npmPath(), ["prefix", "-g"], { timeout: 60_000 });
    const prefix = r.stdout.trim();
    if (r.status !== 0 || !prefix) return undefined;
    try {
        fs.accessSync(fs.existsSync(path.join(prefix, "lib")) ? path.join(prefix, "lib") : prefix, fs.constants.W_OK);
        return prefix;
    } catch {
        return undefined;
    }
}

/**
 * npm reads its global config from <prefix>/etc/npmrc, so a different --prefix would silently drop
 * the machine's registry, proxy and CA settings: name the machine's global config explicitly.
 */
function prefixArgs(prefix: string): string[] {
    const r = run(npmPath(), ["config", "get", "globalconfig"], { timeout: 60_000 });
    const globalconfig = r.stdout.trim();
    return ["--prefix", prefix, ...(r.status === 0 && globalconfig ? ["--globalconfig", globalconfig] : [])];
}

function resolveVersion(version: string): string {
    if (version !== "latest") return version;
    const r = run(npmPath(), ["view", CODEX_PACKAGE, "version"], { timeout: 120_000 });
    const v = r.stdout.trim();
    if (r.status !== 0 || !/^\d+\.\d+\.\d+/.test(v)) throw new RunnerError("npm-failed", `could not resolve ${CODEX_PACKAGE}@latest: ${r.stderr.trim().split("\n").pop()}`);
    return v;
}

function installCodex(version: string, account: Account, owner: OwnerRecord): CodexState {
    const before = codexState(account, owner);
    const want = resolveVersion(version);
    if (before.version === want) return { ...before, action: "none" };
    // Global when we may write there, else the account's own prefix (~/.local/bin/codex).
    const global = globalPrefixWritable();
    const prefix = global ?? userPrefix(account);
    const args = ["install", "-g", "--no-audit", "--no-fund", ...prefixArgs(prefix), `${CODEX_PACKAGE}@${want}`];
    const asUser = account.impersonated && !global ? { uid: account.uid, gid: account.gid } : {};
    const r = run(npmPath(), args, { ...asUser, env: { ...process.env, HOME: account.home } });
    if (r.status !== 0) {
        throw new RunnerError("npm-failed", `npm install ${CODEX_PACKAGE}@${want} into ${prefix} failed: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    }
    const installedByUs = before.path === undefined || before.installedByUs === true;
    owner.codex = { installedByUs, version: want, prefix };
    const after = codexState(account, owner);
    if (after.version !== want) {
        throw new RunnerError("npm-failed", `after installing ${CODEX_PACKAGE}@${want}, codex reports ${after.version ?? "nothing"} at ${after.path ?? "no path"}`);
    }
    return { ...after, action: before.path ? "upgraded" : "installed" };
}

function uninstallCodex(account: Account, owner: OwnerRecord): CodexState {
    const rec = owner.codex;
    if (!rec?.installedByUs || !rec.prefix) return { ...codexState(account, owner), action: "kept" };
    const r = run(npmPath(), ["uninstall", "-g", ...prefixArgs(rec.prefix), CODEX_PACKAGE], { env: { ...process.env, HOME: account.home } });
    if (r.status !== 0) throw new RunnerError("npm-failed", `npm uninstall ${CODEX_PACKAGE} from ${rec.prefix} failed`);
    delete owner.codex;
    return { ...codexState(account, owner), action: "uninstalled" };
}

/** Ask the real Codex what it parsed. Its output holds header values: compared here, never printed. */
function verifyWithCodex(codex: string, codexHome: string, name: string, entry: McpEntry, account: Account): { ok: boolean; problems: string[] } {
    const asUser = account.impersonated ? { uid: account.uid, gid: account.gid } : {};
    const r = run(codex, ["mcp", "get", name, "--json"], { ...asUser, env: { ...process.env, HOME: account.home, CODEX_HOME: codexHome }, timeout: 60_000 });
    if (r.status !== 0) return { ok: false, problems: [`codex mcp get exited with ${r.status}: ${r.stderr.trim().split("\n").pop() ?? ""}`.slice(0, 300)] };
    let got: { enabled?: boolean; transport?: Record<string, unknown>; startup_timeout_sec?: number | null; tool_timeout_sec?: number | null };
    try {
        got = JSON.parse(r.stdout);
    } catch {
        return { ok: false, problems: ["codex mcp get did not print JSON"] };
    }
    const t = got.transport ?? {};
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    const checks: Array<[string, boolean]> = [
        ["transport", t.type === "streamable_http"],
        ["url", t.url === entry.url],
        ["startup_timeout_sec", same(got.startup_timeout_sec, entry.startup_timeout_sec)],
        ["tool_timeout_sec", same(got.tool_timeout_sec, entry.tool_timeout_sec)],
        ["enabled", (got.enabled ?? true) === (entry.enabled ?? true)],
        ["bearer_token_env_var", same(t.bearer_token_env_var, entry.bearer_token_env_var)],
        ["http_headers", same(sorted(t.http_headers), sorted(nonEmpty(entry.http_headers)))],
        ["env_http_headers", same(sorted(t.env_http_headers), sorted(nonEmpty(entry.env_http_headers)))],
    ];
    const problems = checks.filter(([, ok]) => !ok).map(([field]) => `${field}: codex read a different value`);
    return { ok: problems.length === 0, problems };
}

function sorted(v: unknown): unknown {
    if (!v || typeof v !== "object") return v ?? null;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
}

function nonEmpty(m?: Record<string, string>): Record<string, string> | undefined {
    return m && Object.keys(m).length ? m : undefined;
}

// ---------------------------------------------------------------------------------------------
// The three operations.

function checkNode(): { version: string; path: string } {
    const node = { version: process.versions.node, path: process.execPath };
    if (Number(node.version.split(".")[0]) < MIN_NODE_MAJOR) {
        throw new RunnerError("node-too-old", `Node.js ${node.version} at ${node.path} is older than ${MIN_NODE_MAJOR}; Codex needs Node.js ${MIN_NODE_MAJOR} or later`);
    }
    return node;
}

/** The ownership record keeps one drift token per server, and one for Codex managed alone. */
const tokenKey = (name?: string) => name ?? "(codex)";

export function handle(req: RunnerRequest): RunnerResult {
    const node = checkNode();
    if (!req || !["probe", "ensure", "remove"].includes(req.op)) throw new RunnerError("bad-request", `op: must be probe, ensure or remove`);
    const name = req.name;
    const problems: string[] = [];
    if (name === undefined) {
        if (!req.codex) problems.push("name: required unless the request manages Codex alone (codex)");
    } else if (req.op === "remove" || !req.entry) problems.push(...validateEntry(name, { url: "https://x/" }));
    else problems.push(...validateEntry(name, req.entry));
    if (req.op === "ensure" && name !== undefined && !req.entry) problems.push("entry: required for ensure");
    if (problems.length) throw new RunnerError("invalid-entry", problems.join("; "));

    const account = resolveAccount(req.user);
    const codexHome = path.resolve(req.codexHome || (account.impersonated ? "" : process.env.CODEX_HOME || "") || path.join(account.home, ".codex"));
    const linkPath = path.join(codexHome, "config.toml");
    // A symlinked config.toml is followed: we edit the file it points to, never replace the link.
    let configPath = linkPath;
    let symlink = false;
    try {
        symlink = fs.lstatSync(linkPath).isSymbolicLink();
        if (symlink) configPath = path.resolve(codexHome, fs.readlinkSync(linkPath));
        if (symlink && fs.existsSync(configPath)) configPath = fs.realpathSync(configPath);
    } catch {
        // absent: created below
    }

    const readState = () => {
        const exists = fs.existsSync(configPath);
        const stat = exists ? fs.statSync(configPath) : undefined;
        const text = exists ? fs.readFileSync(configPath, "utf8") : undefined;
        return { exists, stat, text };
    };
    const before = readState();
    const owner = readOwner(codexHome);

    const result: RunnerResult = {
        ok: true,
        op: req.op,
        node,
        user: account.name,
        codexHome,
        configPath,
        file: { exists: before.exists, mode: before.stat ? (before.stat.mode & 0o777).toString(8).padStart(4, "0") : undefined, symlink },
        entry: { present: false, forms: [], fields: {}, drift: [] },
        drift: [],
        changed: false,
        token: owner.servers[tokenKey(name)]?.token,
    };
    try {
        if (name !== undefined) result.entry = observeEntry(before.text, name, req.op === "remove" ? undefined : req.entry, req.op === "probe" ? req.headerKey : undefined);
    } catch (e) {
        throw asRunnerError(e, configPath);
    }

    // Drift, before acting: the entry's fields, the file's mode, Codex's presence and version.
    if (req.op !== "remove" && name !== undefined && req.entry) {
        if (!before.exists) result.drift.push("file-missing");
        else if ((before.stat!.mode & 0o777) !== CONFIG_MODE) result.drift.push("file-mode");
        result.drift.push(...result.entry.drift.map((f) => (f === "entry" ? "entry-missing" : `entry.${f}`)));
    }
    const wantCodex = req.codex?.version;
    if (wantCodex && req.op !== "remove") {
        const cs = codexState(account, owner, true); // ensure replaces it with the full state below
        result.codex = cs;
        if (!cs.path) result.drift.push("codex-missing");
        else if (wantCodex !== "latest" && cs.version !== wantCodex) result.drift.push("codex-version");
    }
    result.drift = [...new Set(result.drift)].filter((d) => !(d === "entry-missing" && result.drift.includes("file-missing")));

    if (req.op === "probe") return result;

    ensureDir(codexHome, account);
    return withLock(codexHome, () => {
        const current = readState(); // re-read under the lock
        // The ownership record too: another resource on this target (CodexCli beside an entry) may
        // have written its token since; writing back the copy read before the lock would undo that.
        Object.assign(owner, readOwner(codexHome));
        const recorded = owner.servers[tokenKey(name)]?.claim;
        if (req.op === "remove" && req.claim !== undefined && recorded !== undefined && recorded !== req.claim) {
            result.keptFor = recorded; // another resource manages it now: nothing is touched
            return result;
        }
        const prev = current.text;
        let next: string | undefined;
        try {
            if (name === undefined) next = prev;
            else next = req.op === "ensure" ? applyEntry(prev, name, req.entry!) : prev === undefined ? undefined : removeEntry(prev, name);
        } catch (e) {
            throw asRunnerError(e, configPath);
        }

        if (req.op === "ensure" && wantCodex) result.codex = installCodex(wantCodex, account, owner);
        // The Codex that verifies the entry, looked up once (it may start `codex --version`).
        const codexPath = req.op === "ensure" && name !== undefined ? (result.codex?.path ?? findCodex(account)?.path) : undefined;
        // Refuse before writing: a failed create must leave no entry that no state knows about.
        if (req.op === "ensure" && name !== undefined && req.verify === true && !codexPath) {
            throw new RunnerError("codex-missing", "verify was requested but codex is not installed on the target; nothing was written");
        }

        const contentChanged = next !== undefined && next !== prev;
        const modeWrong = current.exists && (current.stat!.mode & 0o777) !== CONFIG_MODE;
        const keepOwner = current.exists && process.getuid?.() === 0 ? { uid: current.stat!.uid, gid: current.stat!.gid } : account.impersonated ? account : undefined;
        if (contentChanged) {
            if (prev !== undefined) result.backup = writeBackup(configPath, prev, name!, keepOwner);
            writeAtomic(configPath, next!, keepOwner);
            result.changed = true;
        } else if (modeWrong && req.op === "ensure" && name !== undefined) {
            fs.chmodSync(configPath, CONFIG_MODE);
            result.changed = true;
        }

        if (req.op === "ensure" && name !== undefined) {
            if (codexPath && req.verify !== false) {
                result.verified = verifyWithCodex(codexPath, codexHome, name, req.entry!, account);
                if (!result.verified.ok) {
                    // Put the previous file back: a config Codex cannot read breaks every codex command.
                    if (contentChanged) {
                        if (prev === undefined) fs.rmSync(configPath, { force: true });
                        else writeAtomic(configPath, prev, keepOwner);
                    }
                    throw new RunnerError("verify-failed", `Codex did not read the entry as written (${result.verified.problems.join("; ")}); the previous file was restored`);
                }
            }
        }
        if (req.op === "ensure") {
            const had = owner.servers[tokenKey(name)];
            result.repaired = had?.token !== undefined ? result.drift : [];
            owner.servers[tokenKey(name)] = { token: req.token ?? had?.token, ...(req.claim ? { claim: req.claim } : {}) };
        } else {
            delete owner.servers[tokenKey(name)];
            if (req.codex?.uninstall) result.codex = uninstallCodex(account, owner);
        }
        writeOwner(codexHome, owner, account);
        result.token = owner.servers[tokenKey(name)]?.token;
        return result;
    });
}

/**
 * The previous file, kept beside config.toml when its content changes. Our own entry is left out
 * of it: its desired value lives in the stack, and its header (a credential) must not linger.
 */
function writeBackup(configPath: string, prev: string, name: string, owner?: { uid: number; gid: number }): string {
    const file = `${configPath}.bak`;
    let content: string;
    try {
        content = removeEntry(prev, name);
    } catch {
        return ""; // the previous file could not be parsed, so nothing was edited either
    }
    writeAtomic(file, content, owner);
    return file;
}

function asRunnerError(e: unknown, configPath: string): RunnerError {
    if (e instanceof ConfigEntryError) return new RunnerError(e.code, `${configPath}: ${e.message}`, e.line, e.column);
    return e instanceof RunnerError ? e : new RunnerError("internal", (e as Error).message);
}

/** Run one request and never throw: failures become `{ ok: false, error }` results. */
export function runRequest(req: RunnerRequest): RunnerResult | { ok: false; op?: string; error: NonNullable<RunnerResult["error"]> } {
    try {
        return handle(req);
    } catch (e) {
        const err = asRunnerError(e, "");
        return { ok: false, op: req?.op, error: { code: err.code, message: err.message.replace(/^: /, ""), line: err.line, column: err.column } };
    }
}
