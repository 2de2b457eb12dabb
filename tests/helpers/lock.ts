// A lock between the test processes of one machine: jest's workers, which run suites side by side
// (scripts/test.sh), or two runs at once. It guards what they share and make on first use (Codex in
// the toolchain cache, the dev container image), so that one makes it and the others wait for it.
import * as fs from "fs";

/** Whether a process with this pid exists (EPERM: it does, as another user). */
export function pidAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Whether the lock's holder is gone: its pid is no process, or the file has stayed empty (the owner
 * was killed between making it and writing its pid) for a few seconds.
 */
function stale(file: string): boolean {
    try {
        const pid = Number(fs.readFileSync(file, "utf8").trim());
        return pid ? !pidAlive(pid) : Date.now() - fs.statSync(file).mtimeMs > 5000;
    } catch {
        return false; // released meanwhile: the next try takes it
    }
}

/**
 * Runs fn while holding `file` (made with O_EXCL, holding this process's pid). A lock whose process is
 * gone (a run killed half-way) is taken over; one still held after `ms` is an error that names it.
 */
export function withLock<T>(file: string, fn: () => T, ms = 30 * 60_000): T {
    const end = Date.now() + ms;
    for (;;) {
        try {
            fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
            if (stale(file)) fs.rmSync(file, { force: true });
            else if (Date.now() > end) throw new Error(`${file}: still held after ${ms / 1000} s (it holds the holder's pid)`, { cause: e });
            else pause(200);
        }
    }
    try {
        return fn();
    } finally {
        fs.rmSync(file, { force: true });
    }
}
