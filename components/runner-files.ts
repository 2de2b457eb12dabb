// The runner's file primitives: a lock that is never broken while its holder lives, atomic writes,
// a compare-and-swap replace, and strict UTF-8 reads. Nothing here knows TOML or Codex.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export class FileError extends Error {
    constructor(readonly code: string, message: string, readonly line?: number, readonly column?: number) {
        super(message);
    }
}

function sleep(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Start time of a process (clock ticks since boot), to tell a live holder from a reused pid. */
function startTime(pid: number): string | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    } catch {
        return undefined;
    }
}

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
            fs.writeSync(fd, holderId());
            fs.closeSync(fd);
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
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

function readQuiet(file: string): string {
    try {
        return fs.readFileSync(file, "utf8").trim() || "being created";
    } catch {
        return "gone";
    }
}

/** The first byte offset that is not valid UTF-8, or -1. */
export function invalidUtf8At(b: Buffer): number {
    for (let i = 0; i < b.length; ) {
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
        throw new FileError("invalid-utf8", `${file}: not valid UTF-8 at line ${line}, column ${column} (byte ${at}); TOML files are UTF-8; nothing was changed`, line, column);
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

/** A temporary file beside `file`, fsynced, with `mode`. The caller renames or removes it. */
function writeTemp(file: string, content: string, mode: number): string {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    const fd = fs.openSync(tmp, "wx", mode);
    try {
        fs.writeSync(fd, content);
        fs.fchmodSync(fd, mode);
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
    return tmp;
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

/** Write via a temporary file in the same directory: fsync, then rename over the target. */
export function writeAtomic(file: string, content: string, mode = 0o600): void {
    replaceIf(file, () => true, content, mode);
}

/**
 * Compare-and-swap: replace `file` with `content` only if it still holds `expected` (undefined:
 * absent). Writers that do not take our lock (Codex itself saves config.toml) lose nothing: when
 * the file changed since it was read, nothing is written and the caller edits the new text again.
 */
export function replaceIfUnchanged(file: string, expected: string | undefined, content: string, mode = 0o600): boolean {
    return replaceIf(file, () => currentText(file) === expected, content, mode);
}

function currentText(file: string): string | undefined {
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
    }
    try {
        return decodeUtf8(file, bytes);
    } catch {
        return "\u0000no longer UTF-8"; // certainly not what was read
    }
}

function replaceIf(file: string, unchanged: () => boolean, content: string, mode: number): boolean {
    const tmp = writeTemp(file, content, mode);
    try {
        // The check comes after the temporary file is written, so the window before the rename is short.
        if (!unchanged()) {
            fs.rmSync(tmp, { force: true });
            return false;
        }
        fs.renameSync(tmp, file);
    } catch (e) {
        fs.rmSync(tmp, { force: true });
        throw e;
    }
    syncDir(path.dirname(file));
    return true;
}
