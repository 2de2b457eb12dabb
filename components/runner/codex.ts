// Codex on the target: find it, install it at a version with npm, uninstall what this tool
// installed, and ask it what it parsed. Every function runs with the rights of the process: root
// only ever calls the global-prefix ones (runner/for-account.ts drops to the account for everything else).
import { spawnSync } from "child_process";
import { MessageChannel, receiveMessageOnPort, Worker } from "worker_threads";
import * as fs from "fs";
import * as path from "path";
import type { Account } from "./account";
import { FileError, withLock } from "./files";
import { checkpoint, guarded } from "./lifeline";
import type { CodexState } from "../protocol/types";

const CODEX_PACKAGE = "@openai/codex";
/**
 * Left in the package directory npm wrote: only this tool's installs carry it (npm replaces the
 * directory on any other install). It lists the accounts this Codex was installed for, so that one
 * account's uninstall never takes a shared (global) Codex from the others.
 */
const MARKER = ".installed-by-codex-connect-pulumi";

export interface Ran {
    status: number | null;
    stdout: string;
    stderr: string;
    signal?: string;
}

/** What run() passes on to the command (and runSideBySide too). */
export interface RunOptions {
    env?: NodeJS.ProcessEnv;
    input?: string;
    timeout?: number;
    maxBuffer?: number;
    cwd?: string;
}

/**
 * npm and codex are `#!/usr/bin/env node` scripts: the Node running us (found perhaps only through a
 * login shell: nvm, Volta) goes first on their PATH, or they would fail or start another Node.
 */
function prepared(opts: RunOptions, nodeFirst: boolean): Required<Omit<RunOptions, "input">> & Pick<RunOptions, "input"> {
    const base = opts.env ?? process.env;
    const env = nodeFirst ? { ...base, PATH: [path.dirname(process.execPath), base.PATH].filter(Boolean).join(":") } : base;
    return { timeout: 600_000, maxBuffer: 64 * 1024 * 1024, cwd: "/", ...opts, env };
}

export function run(cmd: string, args: string[], opts: RunOptions = {}, nodeFirst = true): Ran {
    const r = spawnSync(cmd, args, { encoding: "utf8", ...prepared(opts, nodeFirst) });
    return { status: r.error ? null : r.status, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), ...(r.signal ? { signal: r.signal } : {}) };
}

/** One command for runSideBySide, as run() takes it. */
export interface Command {
    cmd: string;
    args: string[];
    opts?: RunOptions;
    nodeFirst?: boolean;
}

// A worker thread that starts every command at once and, when the last has ended, hands back what
// each gave as spawnSync gives it: status null when it could not start, or was stopped (SIGTERM) for
// passing its timeout or its maxBuffer on a stream; the output read until then. `flag` says where it
// is: 1 started, 2 answered, 3 failed.
const SIDE_BY_SIDE = `
const { workerData } = require("worker_threads");
const { spawn } = require("child_process");
const { specs, port, flag } = workerData;
const say = (state) => { Atomics.store(flag, 0, state); Atomics.notify(flag, 0); };
process.on("uncaughtException", () => say(3));
say(1);
const one = (s) => new Promise((resolve) => {
  const got = [[], []], size = [0, 0];
  let failed = false, done = false, timer, p;
  const end = (status, signal) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    resolve({ status: failed ? null : status, stdout: Buffer.concat(got[0]).toString("utf8"), stderr: Buffer.concat(got[1]).toString("utf8"), ...(signal ? { signal } : {}) });
  };
  try {
    p = spawn(s.cmd, s.args, { cwd: s.cwd, env: s.env, stdio: "pipe" });
  } catch {
    failed = true;
    return end(null);
  }
  const stop = () => { failed = true; p.kill("SIGTERM"); };
  timer = setTimeout(stop, s.timeout);
  const take = (i) => (d) => {
    if (failed) return;
    if (size[i] + d.length > s.maxBuffer) { got[i].push(d.subarray(0, s.maxBuffer - size[i])); size[i] = s.maxBuffer; return stop(); }
    size[i] += d.length;
    got[i].push(d);
  };
  p.stdout.on("data", take(0));
  p.stderr.on("data", take(1));
  p.on("error", () => { failed = true; end(null); });
  p.on("close", (code, signal) => end(code, signal));
  p.stdin.on("error", () => undefined);
  p.stdin.end(s.input ?? "");
});
Promise.all(specs.map(one)).then((r) => { port.postMessage(r); say(2); });
`;

/**
 * Several commands side by side, each with what run() would give it, for one wait. The runner is
 * synchronous: a worker thread starts them and this thread sleeps until the worker has every
 * answer (no process of its own: cheaper than a helper Node). Should the worker fail, the commands
 * run one after the other.
 */
export function runSideBySide(commands: Command[]): Ran[] {
    const serial = () => commands.map((c) => run(c.cmd, c.args, c.opts, c.nodeFirst));
    if (commands.length < 2) return serial();
    const specs = commands.map((c) => ({ cmd: c.cmd, args: c.args, ...prepared(c.opts ?? {}, c.nodeFirst ?? true) }));
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    let worker: Worker | undefined;
    try {
        worker = new Worker(SIDE_BY_SIDE, { eval: true, workerData: { specs, port: port2, flag }, transferList: [port2], stdout: true, stderr: true });
        worker.unref();
        if (Atomics.wait(flag, 0, 0, 10_000) !== "timed-out") Atomics.wait(flag, 0, 1, Math.max(...specs.map((s) => s.timeout)) + 30_000);
        const answers = Atomics.load(flag, 0) === 2 ? (receiveMessageOnPort(port1)?.message as Ran[] | undefined) : undefined;
        if (Array.isArray(answers) && answers.length === commands.length) return answers;
    } catch {
        // no worker: below
    } finally {
        void worker?.terminate();
        port1.close();
    }
    return serial();
}

function npmPath(): string {
    const beside = path.join(path.dirname(process.execPath), "npm");
    return fs.existsSync(beside) ? beside : "npm";
}

export const userPrefix = (account: Account) => path.join(account.home, ".local");
const packageDir = (prefix: string) => path.join(prefix, "lib", "node_modules", ...CODEX_PACKAGE.split("/"));
const binOf = (prefix: string) => path.join(prefix, "bin", "codex");

/**
 * Where codex may be without a login shell: PATH, the bin directory of the Node running us (nvm,
 * Volta, fnm and Homebrew put npm's global bin there), npm's configured prefix, the prefixes the
 * caller knows (where it installed), and ~/.local/bin.
 */
function searchDirs(account: Account, known: string[]): string[] {
    const env = process.env.npm_config_prefix ? [path.join(process.env.npm_config_prefix, "bin")] : [];
    const dirs = [...(process.env.PATH ?? "").split(":"), path.dirname(process.execPath), ...env, ...known, path.join(userPrefix(account), "bin")];
    return [...new Set(dirs.filter((d) => d && path.isAbsolute(d)))];
}

/** The version npm installed, from the package.json beside the bin's target: no process started. */
function packageVersion(bin: string): string | undefined {
    try {
        const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(fs.realpathSync(bin)), "..", "package.json"), "utf8"));
        return pkg.name === CODEX_PACKAGE && typeof pkg.version === "string" ? pkg.version : undefined;
    } catch {
        return undefined;
    }
}

/** Whether the Codex installed in `prefix` carries this tool's marker. */
export const hasMarker = (prefix: string) => fs.existsSync(path.join(packageDir(prefix), MARKER));

function markerUsers(prefix: string): string[] {
    try {
        return fs
            .readFileSync(path.join(packageDir(prefix), MARKER), "utf8")
            .split("\n")
            .filter(Boolean);
    } catch {
        return [];
    }
}

const writeMarker = (prefix: string, users: string[]) =>
    fs.writeFileSync(path.join(packageDir(prefix), MARKER), [...new Set(users)].map((u) => `${u}\n`).join(""));

/** An account relies on the Codex this tool installed in `prefix`: listed, so others' uninstalls keep it. */
export function markerAdd(prefix: string, user: string): void {
    if (hasMarker(prefix) && !markerUsers(prefix).includes(user)) writeMarker(prefix, [...markerUsers(prefix), user]);
}

function markedOurs(bin: string): boolean {
    try {
        return fs.existsSync(path.join(path.dirname(fs.realpathSync(bin)), "..", MARKER));
    } catch {
        return false;
    }
}

/** `quick` (probes): the version from package.json when it can be read, else from `codex --version`. */
function findCodex(account: Account, known: string[], quick: boolean): { path: string; version?: string } | undefined {
    for (const d of searchDirs(account, known)) {
        const p = path.join(d, "codex");
        if (!fs.existsSync(p)) continue;
        const fromPackage = packageVersion(p);
        if (fromPackage && quick) return { path: p, version: fromPackage };
        const r = run(p, ["--version"], { timeout: 30_000 });
        const m = /(\d+\.\d+\.\d+[^\s]*)/.exec(r.stdout);
        const ran = m?.[1];
        // A package.json that disagrees with its binary is a damaged install: said so, which is never
        // the wanted version, so an ensure reinstalls (else the probe's drift would never clear).
        const version =
            ran !== undefined && fromPackage !== undefined && ran !== fromPackage ? `${fromPackage} (the binary says ${ran})` : (ran ?? fromPackage);
        return { path: p, version };
    }
    return undefined;
}

/** The PATH a login shell of the account gives (it runs as the account: runner/for-account.ts never calls this as root for another). */
function loginPath(account: Account): string[] {
    const shell = fs.existsSync(account.shell) ? account.shell : "/bin/sh";
    // Marked, and bounded: the account's profile may print a banner (without a newline) or a flood.
    const mark = "\n@codex-mcp-login-path@";
    const r = run(
        shell,
        ["-lc", `printf '\\n@codex-mcp-login-path@%s\\n' "$PATH"`],
        { env: { HOME: account.home, USER: account.name, PATH: "/usr/local/bin:/usr/bin:/bin" }, timeout: 15_000, maxBuffer: 1 << 20 },
        false,
    );
    const at = r.stdout.lastIndexOf(mark);
    return at < 0
        ? []
        : r.stdout
              .slice(at + mark.length)
              .split("\n")[0]
              .split(":")
              .filter(Boolean);
}

/** Where Codex is and at which version; a probe (quick) skips the login shell that tells onLoginPath. */
export function codexState(account: Account, known: string[], legacyOurs: boolean, quick = false): CodexState {
    const found = findCodex(account, known, quick);
    if (!found) return { installedByUs: false };
    return {
        path: found.path,
        version: found.version,
        onLoginPath: quick ? undefined : loginPath(account).includes(path.dirname(found.path)),
        installedByUs: markedOurs(found.path) || legacyOurs,
    };
}

let npmSettings: { prefix?: string; globalconfig?: string } | undefined;

/** npm's global prefix and global config file, from one npm run (each start of npm is slow). */
function npmGlobals(): { prefix?: string; globalconfig?: string } {
    if (npmSettings) return npmSettings;
    const r = run(npmPath(), ["config", "get", "prefix", "globalconfig"], { timeout: 60_000 });
    const got = Object.fromEntries(
        r.stdout
            .split("\n")
            .map((l) => /^(prefix|globalconfig)=(.+)$/.exec(l.trim()))
            .filter((m): m is RegExpExecArray => !!m)
            .map((m) => [m[1], m[2]]),
    );
    npmSettings = r.status === 0 ? got : {};
    return npmSettings;
}

/** npm's global prefix when this process may write it (root: /usr/local; nvm: the user's own). */
export function globalPrefixWritable(): string | undefined {
    const prefix = npmGlobals().prefix;
    if (!prefix) return undefined;
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
    const globalconfig = npmGlobals().globalconfig;
    return ["--prefix", prefix, ...(globalconfig ? ["--globalconfig", globalconfig] : [])];
}

export function resolveVersion(version: string): string {
    if (version !== "latest") return version;
    const r = run(npmPath(), ["view", CODEX_PACKAGE, "version"], { timeout: 120_000 });
    const v = r.stdout.trim();
    if (r.status !== 0 || !/^\d+\.\d+\.\d+/.test(v)) throw new FileError("npm-failed", `could not resolve ${CODEX_PACKAGE}@latest: ${lastLines(r.stderr, 1)}`);
    return v;
}

const lastLines = (s: string, n: number) => s.trim().split("\n").slice(-n).join(" | ");

/** Why a command failed: its last words, or the signal that ended it (the kernel's OOM killer sends SIGKILL). */
function why(r: { stderr: string; signal?: string }): string {
    if (r.signal) return `npm was killed by ${r.signal}${r.signal === "SIGKILL" ? " (out of memory? npm needs about 400 MB to install Codex)" : ""}`;
    return lastLines(r.stderr, 3) || "npm printed nothing";
}

/** The version installed in `prefix`, read from its package.json. */
export const versionIn = (prefix: string) => packageVersion(binOf(prefix));

/**
 * npm install into `prefix`, one install per prefix at a time (a lock beside its lib directory;
 * no config.toml lock is held meanwhile, so Codex and editors keep writing the file).
 * `ours`: leave the marker that lets a later uninstall know this tool installed it.
 */
export function installInto(prefix: string, want: string, ours: boolean, user: string): CodexState {
    fs.mkdirSync(path.join(prefix, "lib"), { recursive: true, mode: 0o755 });
    withLock(path.join(prefix, "lib", ".codex-connect-pulumi-install.lock"), 1_800_000, () => {
        if (versionIn(prefix) === want) return markerAdd(prefix, user); // another run installed it meanwhile
        const users = markerUsers(prefix); // npm replaces the directory, marker included
        const args = ["install", "-g", "--no-audit", "--no-fund", ...prefixArgs(prefix), `${CODEX_PACKAGE}@${want}`];
        const r = run(...guarded(npmPath(), args), { timeout: 1_800_000 });
        checkpoint(`finishing the install of ${CODEX_PACKAGE}@${want}`);
        if (r.status !== 0) throw new FileError("npm-failed", `npm install ${CODEX_PACKAGE}@${want} into ${prefix} failed: ${why(r)}`);
        if (ours) writeMarker(prefix, [...users, user]);
    });
    const version = versionIn(prefix);
    if (version !== want) throw new FileError("npm-failed", `after installing ${CODEX_PACKAGE}@${want} into ${prefix}, it reports ${version ?? "nothing"}`);
    return { path: binOf(prefix), version, installedByUs: hasMarker(prefix) };
}

/** Install or upgrade as the account itself: npm's global prefix when writable, else ~/.local. */
export function installCodex(want: string, account: Account, known: string[], legacyOurs: boolean): CodexState & { prefix?: string } {
    const before = codexState(account, known, legacyOurs);
    if (before.version === want) return { ...before, action: "none" };
    const prefix = globalPrefixWritable() ?? userPrefix(account);
    // Upgrading someone else's Codex in place does not make it ours to uninstall later.
    const upgradesTheirs = before.path !== undefined && path.dirname(before.path) === path.join(prefix, "bin") && !before.installedByUs;
    const installed = installInto(prefix, want, !upgradesTheirs, account.name);
    const onLogin = loginPath(account).includes(path.join(prefix, "bin"));
    return { ...installed, onLoginPath: onLogin, prefix, action: before.path ? "upgraded" : "installed" };
}

/**
 * npm uninstall from `prefix`, only when this tool's marker (or, for an install without one, its own record)
 * says it installed it, and no other account it was installed for still relies on it.
 */
export function uninstallFrom(prefix: string, user: string, legacyOurs = false): boolean {
    const dir = packageDir(prefix);
    if (!fs.existsSync(dir) || !(hasMarker(prefix) || legacyOurs)) return false;
    const others = markerUsers(prefix).filter((u) => u !== user);
    if (others.length) {
        writeMarker(prefix, others);
        return false;
    }
    try {
        fs.accessSync(path.dirname(dir), fs.constants.W_OK);
    } catch {
        return false; // another account's (root's) install: not ours to remove from here
    }
    const r = run(npmPath(), ["uninstall", "-g", ...prefixArgs(prefix), CODEX_PACKAGE], { timeout: 600_000 });
    if (r.status !== 0) throw new FileError("npm-failed", `npm uninstall ${CODEX_PACKAGE} from ${prefix} failed: ${lastLines(r.stderr, 2)}`);
    return true;
}
