// The runner's file primitives: a lock that is never broken while its holder lives, atomic and
// checked writes that a run can undo (Changes), a compare-and-swap replace, and strict UTF-8 reads.
// Nothing here knows TOML or Codex.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { procStat } from "../shared/proc-stat";

export class FileError extends Error {
    constructor(
        readonly code: string,
        message: string,
        readonly line?: number,
        readonly column?: number,
    ) {
        super(message);
    }
}

function sleep(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const startTime = (pid: number) => procStat(pid)?.start;

const holderId = () => `${process.pid} ${startTime(process.pid) ?? "-"} ${os.hostname()}`;

/**
 * Whether the lock's holder is gone. Never judged by age: an npm install or a slow disk may hold
 * it for long. A holder on another host (a shared home) cannot be checked, so it is never stale.
 */
function isStale(lock: string): boolean {
    let text: string;
    try {
        text = fs.readFileSync(lock, "utf8");
    } catch {
        return false; // gone already: the next attempt takes it
    }
    const [pid, start, host] = text.trim().split(" ");
    // Empty: the holder died between creating and writing it (or is writing right now).
    if (!pid) return Date.now() - safeMtime(lock) > 60_000;
    if (host !== undefined && host !== os.hostname()) return false;
    try {
        process.kill(Number(pid), 0);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "ESRCH";
    }
    const now = startTime(Number(pid));
    return start !== undefined && start !== "-" && now !== undefined && now !== start;
}

function safeMtime(file: string): number {
    try {
        return fs.statSync(file).mtimeMs;
    } catch {
        return Date.now();
    }
}

/** Runs fn holding an exclusive lock file (created with O_EXCL: a planted link is never followed). */
export function withLock<T>(lock: string, waitMs: number, fn: () => T): T {
    const deadline = Date.now() + waitMs;
    for (;;) {
        try {
            const fd = fs.openSync(lock, "wx", 0o600);
            writeHolder(lock, fd);
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e instanceof FileError ? e : ioError(e, `creating ${lock}; nothing was changed`);
            if (isStale(lock)) {
                fs.rmSync(lock, { force: true });
                continue;
            }
            if (Date.now() > deadline) throw new FileError("locked", `another run holds ${lock} (${readQuiet(lock)}); remove it if no run is active`);
            sleep(50 + Math.random() * 150);
        }
    }
    try {
        return fn();
    } finally {
        fs.rmSync(lock, { force: true });
    }
}

/** The holder's identity into the new lock; a lock that cannot say who holds it is removed again. */
function writeHolder(lock: string, fd: number): void {
    try {
        writeAll(fd, Buffer.from(holderId()));
        fs.closeSync(fd);
    } catch (e) {
        closeQuiet(fd);
        fs.rmSync(lock, { force: true });
        throw ioError(e, `writing ${lock}; nothing was changed`);
    }
}

function readQuiet(file: string): string {
    try {
        return fs.readFileSync(file, "utf8").trim() || "being created";
    } catch {
        return "gone";
    }
}

/** The first byte offset that is not valid UTF-8, or -1. */
export function invalidUtf8At(b: Buffer): number {
    for (let i = 0; i < b.length;) {
        const c = b[i];
        const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
        if (n < 0) return i;
        for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
        i += n + 1;
    }
    return -1;
}

/** Decodes strictly: bytes that are not UTF-8 are refused (never silently turned into U+FFFD). */
export function decodeUtf8(file: string, bytes: Buffer): string {
    try {
        return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
        const at = Math.max(0, invalidUtf8At(bytes));
        const before = bytes.subarray(0, at);
        const line = before.filter((x) => x === 10).length + 1;
        const column = at - (before.lastIndexOf(10) + 1) + 1;
        throw new FileError(
            "invalid-utf8",
            `${file}: not valid UTF-8 at line ${line}, column ${column} (byte ${at}); TOML files are UTF-8; nothing was changed`,
            line,
            column,
        );
    }
}

export interface FileState {
    exists: boolean;
    stat?: fs.Stats;
    text?: string;
}

export function readText(file: string): FileState {
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return { exists: false };
        throw e;
    }
    return { exists: true, stat: fs.statSync(file), text: decodeUtf8(file, bytes) };
}

// ---------------------------------------------------------------------------------------------
// Writes that never replace a file with less than was meant: a short write, ENOSPC, EDQUOT or EROFS
// fails before the rename, the temporary file goes, and the error names both files.

const REASONS: Record<string, string> = {
    ENOSPC: "no space left on device",
    EDQUOT: "disk quota exceeded",
    EROFS: "read-only file system",
    EIO: "input/output error",
    EFBIG: "file too large",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOENT: "no such file or directory",
    EXDEV: "not on the same file system",
};

/** A failed file operation as one sentence: what went wrong, while doing what, to which file. */
export function ioError(e: unknown, doing: string): FileError {
    if (e instanceof FileError) return e;
    const err = e as NodeJS.ErrnoException;
    const code = err.code ?? "EIO";
    const reason = REASONS[code] ?? err.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "");
    const kind = code === "ENOSPC" || code === "EDQUOT" ? "no-space" : code === "EROFS" ? "read-only" : "write-failed";
    return new FileError(kind, `${reason} (${code}) ${doing}`);
}

/** Whether an error is one of these file operations failing (the runner then says what it undid). */
export const isWriteError = (e: unknown) => e instanceof FileError && ["no-space", "read-only", "write-failed", "short-write"].includes(e.code);

const SIDE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.(tmp|prev)$/;
const sideName = (file: string, kind: "tmp" | "prev") =>
    path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.${kind}`);

/** fs.writeSync may write less than asked (a nearly full disk): write until all is written. */
function writeAll(fd: number, bytes: Buffer): void {
    for (let off = 0; off < bytes.length;) {
        const n = fs.writeSync(fd, bytes, off, bytes.length - off);
        if (n <= 0) throw Object.assign(new Error("write returned 0"), { code: "EIO" });
        off += n;
    }
}

/** Writes `bytes` to a new file `side`; any failure (fsync and close included) is thrown. */
function writeNew(side: string, bytes: Buffer, mode: number): void {
    const fd = fs.openSync(side, "wx", mode);
    let closing = false;
    try {
        writeAll(fd, bytes);
        fs.fchmodSync(fd, mode);
        fs.fsyncSync(fd);
        closing = true;
        fs.closeSync(fd); // on Linux the descriptor is released even when close reports an error
    } finally {
        if (!closing) closeQuiet(fd);
    }
}

function closeQuiet(fd: number): void {
    try {
        fs.closeSync(fd);
    } catch {
        // already failing: the first error is the one reported
    }
}

/** A complete, checked copy of `bytes` beside `file` (read back before it counts); removed on failure. */
function writeSide(file: string, bytes: Buffer, mode: number, kind: "tmp" | "prev"): string {
    const side = sideName(file, kind);
    try {
        writeNew(side, bytes, mode);
        const back = fs.readFileSync(side);
        if (!back.equals(bytes)) throw new FileError("short-write", `${side} holds ${back.length} of ${bytes.length} bytes after writing it for ${file}`);
    } catch (e) {
        fs.rmSync(side, { force: true });
        throw ioError(e, `writing ${side} for ${file}`);
    }
    return side;
}

function syncDir(dir: string): void {
    try {
        const dfd = fs.openSync(dir, "r");
        fs.fsyncSync(dfd);
        fs.closeSync(dfd);
    } catch {
        // Some filesystems cannot fsync a directory; the rename itself is still atomic.
    }
}

function readBytes(file: string): Buffer | undefined {
    try {
        return fs.readFileSync(file);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
    }
}

const sameBytes = (a: Buffer | undefined, b: Buffer | undefined) => (a === undefined || b === undefined ? a === b : a.equals(b));

/** The text of `bytes` as read from `file`; bytes that are not UTF-8 never equal any text that was read. */
function textOf(file: string, bytes: Buffer | undefined): string | undefined {
    if (bytes === undefined) return undefined;
    try {
        return decodeUtf8(file, bytes);
    } catch {
        return "\u0000no longer UTF-8";
    }
}

/**
 * Compare-and-swap: replace `file` with `content` only if it still holds `expected` (undefined:
 * absent). Writers that do not take our lock (Codex itself saves config.toml) lose nothing: when
 * the file changed since it was read, nothing is written and the caller edits the new text again.
 */
export function replaceIfUnchanged(file: string, expected: string | undefined, content: string, mode = 0o600): boolean {
    const changes = new Changes();
    const done = changes.replaceIfUnchanged(file, expected, content, mode);
    changes.commit();
    return done;
}

/** A file that is not there, or the (hard-linked or copied) old file kept aside while a run may undo. */
interface Kept {
    path?: string;
    bytes?: Buffer;
}

/** Link errors that mean "this file system has no hard links here": a checked copy is kept instead. */
const NO_LINKS = ["EPERM", "EXDEV", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "ENOSYS"];

/**
 * Keeps the file as it is now beside it: a hard link (no space needed, and putting it back is a
 * rename, which needs none either), else a checked full copy; a copy that cannot be written fails here,
 * before anything was replaced.
 */
function keepAside(file: string): Kept {
    const link = sideName(file, "prev");
    try {
        fs.linkSync(file, link);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? "";
        if (code === "ENOENT") return {};
        if (!NO_LINKS.includes(code)) throw ioError(e, `keeping ${file} as ${link}`);
        const bytes = readBytes(file);
        return bytes === undefined ? {} : { path: writeSide(file, bytes, fs.statSync(file).mode & 0o7777, "prev"), bytes };
    }
    return { path: link, bytes: fs.readFileSync(link) };
}

/** One file this run changed: what it held before (kept aside) and what this run left in it. */
interface Change {
    file: string;
    kept: Kept;
    /** What this run wrote (undefined: it removed the file). */
    now?: Buffer;
    /** A mode change only: the mode to put back. */
    mode?: number;
}

export interface Undone {
    /** Files put back, each read back to hold its old bytes again. */
    restored: string[];
    /** Sentences about what could not be put back, and why. */
    problems: string[];
}

/**
 * The files one run changes, each replaced atomically by a complete, checked copy while its old
 * inode stays kept aside, so that a failure anywhere later puts every one back (rollback) and a
 * success forgets them (commit). Only what this run wrote is ever undone: a file someone else
 * changed meanwhile is left as it is, and said so.
 */
export class Changes {
    private list: Change[] = [];

    get any(): boolean {
        return this.list.length > 0;
    }

    /** Whether `file` was changed by this run (and not undone). */
    touched(file: string): boolean {
        return this.list.some((c) => c.file === file);
    }

    /** Replaces `file` (whatever it holds: for files only written under the lock). */
    replace(file: string, content: string, mode: number): void {
        if (!this.swap(file, () => true, Buffer.from(content), mode)) throw changedMeanwhile(file);
    }

    replaceIfUnchanged(file: string, expected: string | undefined, content: string, mode: number): boolean {
        return this.swap(file, (cur) => textOf(file, cur) === expected, Buffer.from(content), mode);
    }

    remove(file: string): void {
        const earlier = this.earlier(file);
        if (earlier && !sameBytes(readBytes(file), earlier.now)) throw changedMeanwhile(file);
        const kept = earlier ? undefined : keepAside(file);
        if (kept && kept.path === undefined) return; // nothing there: nothing to remove
        try {
            fs.rmSync(file, { force: true });
        } catch (e) {
            if (kept?.path) fs.rmSync(kept.path, { force: true });
            throw ioError(e, `removing ${file}`);
        }
        if (earlier) earlier.now = undefined;
        else this.list.push({ file, kept: kept!, now: undefined });
    }

    chmod(file: string, mode: number): void {
        const old = fs.statSync(file).mode & 0o7777;
        try {
            fs.chmodSync(file, mode);
        } catch (e) {
            throw ioError(e, `changing the mode of ${file}`);
        }
        this.list.push({ file, kept: {}, mode: old });
    }

    /** The run succeeded: the kept old files go. */
    commit(): void {
        for (const c of this.list) if (c.kept.path) fs.rmSync(c.kept.path, { force: true });
        this.list = [];
    }

    /**
     * The run failed: put back every file it changed, `first` before the others. When `first`
     * cannot be put back (another program changed it meanwhile), the others stay as this run left
     * them, since they describe what `first` now holds (the ownership record of an entry in it).
     */
    rollback(first?: string): Undone {
        const out: Undone = { restored: [], problems: [] };
        const order = [...this.list.filter((c) => c.file === first).reverse(), ...this.list.filter((c) => c.file !== first).reverse()];
        this.list = [];
        let keepRest = false;
        for (const c of order) {
            if (keepRest) {
                if (c.kept.path) fs.rmSync(c.kept.path, { force: true });
                continue;
            }
            const ok = undo(c, out);
            if (!ok && c.file === first) keepRest = true;
        }
        return out;
    }

    private earlier(file: string): Change | undefined {
        return this.list.find((c) => c.file === file && c.mode === undefined);
    }

    /**
     * Writes a checked temporary file, keeps the old file aside (once per run: a second write of a
     * file leaves its first kept copy, the original, in place), then renames if the file still holds
     * what was kept (or what this run wrote into it) and `accept` takes it.
     */
    private swap(file: string, accept: (cur: Buffer | undefined) => boolean, bytes: Buffer, mode: number): boolean {
        const tmp = writeSide(file, bytes, mode, "tmp");
        const earlier = this.earlier(file);
        let kept: Kept | undefined;
        try {
            kept = earlier ? undefined : keepAside(file);
            // The check comes after the temporary file is written, so the window before the rename is short.
            const cur = readBytes(file);
            if (!sameBytes(cur, earlier ? earlier.now : kept!.bytes) || !accept(cur)) {
                fs.rmSync(tmp, { force: true });
                if (kept?.path) fs.rmSync(kept.path, { force: true });
                return false;
            }
            fs.renameSync(tmp, file);
        } catch (e) {
            fs.rmSync(tmp, { force: true });
            if (kept?.path) fs.rmSync(kept.path, { force: true });
            throw ioError(e, `replacing ${file}`);
        }
        syncDir(path.dirname(file));
        if (earlier) earlier.now = bytes;
        else this.list.push({ file, kept: kept!, now: bytes });
        return true;
    }
}

const changedMeanwhile = (file: string) => new FileError("busy", `${file} was changed by another program while this run was writing it; try again`);

/** Puts one change back, only if the file still holds what this run left in it; false when it could not. */
function undo(c: Change, out: Undone): boolean {
    try {
        if (c.mode !== undefined) {
            fs.chmodSync(c.file, c.mode);
            return true;
        }
        if (!sameBytes(readBytes(c.file), c.now)) {
            out.problems.push(`${c.file} was changed by another program after this run wrote it, so it was left as it is`);
            if (c.kept.path) fs.rmSync(c.kept.path, { force: true });
            return false;
        }
        if (c.kept.path) fs.renameSync(c.kept.path, c.file);
        else fs.rmSync(c.file, { force: true });
        syncDir(path.dirname(c.file));
        if (!sameBytes(readBytes(c.file), c.kept.bytes)) {
            out.problems.push(`${c.file} could not be put back: it does not hold its old bytes`);
            return false;
        }
        out.restored.push(c.file);
        return true;
    } catch (e) {
        if (c.kept.path) fs.rmSync(c.kept.path, { force: true });
        out.problems.push(`${c.file} could not be put back: ${ioError(e, "putting it back").message}`);
        return false;
    }
}

/**
 * Removes temporary and kept files of ours (`.NAME.PID.HEX.tmp|prev`) that a killed earlier run
 * left in `dir`, when `ours(NAME)` and process PID is gone. Called under the lock.
 */
export function removeStaleSides(dir: string, ours: (name: string) => boolean): void {
    let names: string[];
    try {
        names = fs.readdirSync(dir);
    } catch {
        return;
    }
    for (const n of names) {
        const m = SIDE.exec(n);
        if (!m || !ours(m[1]) || Number(m[2]) === process.pid || alive(Number(m[2]))) continue;
        fs.rmSync(path.join(dir, n), { force: true });
    }
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code !== "ESRCH";
    }
}
