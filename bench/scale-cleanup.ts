// Everything a scale run puts on this machine goes again, even when the run is interrupted: the
// accounts, the sshd, Pulumi's stacks and stack files, the shared Codex, the temp directories and
// the processes of a phase that was going. What one run makes is named after its pid (temp
// directories /tmp/bench-scale-PID-*, stacks and stack files scalePID-*, accounts cxs* marked with
// "test account of run PID"), so that the next run removes what a killed one (SIGKILL, a reboot)
// left, and never what a run still going on this machine uses.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pidAlive } from "../tests/helpers/lock";
import { toolchainBin } from "../tests/helpers/toolchain";
import { removeUsers, TEST_ACCOUNT_MARK } from "../tests/helpers/users";
import { log, running } from "./common";

/** Temp directories of this run start with this; stacks with STACK_PREFIX; accounts with ACCOUNT_PREFIX. */
export const RUN_PREFIX = `bench-scale-${process.pid}-`;
export const STACK_PREFIX = `scale${process.pid}-`;
export const ACCOUNT_PREFIX = "cxs";

const MARK = new RegExp(`^${TEST_ACCOUNT_MARK.replace(/\d+$/, "(\\d+)")}$`);

const steps: Array<{ what: string; run: () => void }> = [];

/**
 * Registers a clean-up step (synchronous: it must also run from a signal handler); steps run in the
 * reverse order of registration. Returns a function that runs the step now, once.
 */
export function atCleanup(what: string, run: () => void): () => void {
    const step = { what, run };
    steps.push(step);
    return () => {
        const i = steps.indexOf(step);
        if (i < 0) return;
        steps.splice(i, 1);
        step.run();
    };
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Stops the commands still running (their process groups): SIGTERM, then SIGKILL after 5 s. */
export function stopRunning(): void {
    const groups = [...running].map((p) => p.pid).filter((p): p is number => p !== undefined);
    const signal = (sig: NodeJS.Signals) =>
        groups.forEach((g) => {
            try {
                process.kill(-g, sig);
            } catch {
                /* gone */
            }
        });
    signal("SIGTERM");
    for (let t = 0; t < 50 && groups.some((g) => pidAlive(g)); t++) pause(100);
    signal("SIGKILL");
}

/** Runs every registered step, the last registered first; a failing step does not stop the others. */
export function cleanupAll(): void {
    stopRunning();
    while (steps.length) {
        const step = steps.pop()!;
        try {
            step.run();
        } catch (e) {
            log(`clean-up: ${step.what}: ${e instanceof Error ? e.message : e}`);
        }
    }
}

/** SIGINT, SIGTERM, SIGHUP: clean up, then exit as the signal would (130, 143, 129). */
export function cleanUpOnSignals(): void {
    const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    let once = false;
    for (const sig of Object.keys(codes) as NodeJS.Signals[]) {
        process.on(sig, () => {
            if (once) return;
            once = true;
            log(`${sig}: stopping and cleaning up (accounts, sshd, stacks, temp directories)`);
            cleanupAll();
            process.exit(codes[sig]);
        });
    }
    process.on("exit", () => cleanupAll());
}

/** The pid a scale run's name carries, when the run is gone (a run still going keeps its things). */
function goneRun(name: string, pattern: RegExp): boolean {
    const m = pattern.exec(name);
    return !!m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
}

/** sshd pid files at most three levels under a directory. */
function pidFiles(dir: string, depth = 3): string[] {
    if (depth < 0) return [];
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return [];
    }
    return entries.flatMap((e) => (e.isDirectory() ? pidFiles(path.join(dir, e.name), depth - 1) : e.name === "sshd.pid" ? [path.join(dir, e.name)] : []));
}

/** Removes what earlier scale runs that are gone left behind; says what it removed. */
export function sweepStale(projectRoot: string): void {
    const removed: string[] = [];
    for (const d of fs.readdirSync(os.tmpdir()).filter((d) => goneRun(d, /^bench-scale-(\d+)-/))) {
        const dir = path.join(os.tmpdir(), d);
        for (const f of pidFiles(dir)) {
            const pid = Number(fs.readFileSync(f, "utf8").trim());
            if (pid > 1) spawnSync("kill", ["-TERM", String(pid)]);
        }
        spawnSync("pkill", ["-f", dir]); // a phase's processes (ssh masters, the CPU wrapper) name their directory
        fs.rmSync(dir, { recursive: true, force: true });
        removed.push(dir);
    }
    const accounts = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .map((l) => l.split(":"))
        .filter((f) => f[0].startsWith(ACCOUNT_PREFIX) && goneRun(f[4] ?? "", MARK))
        .map((f) => ({ name: f[0], home: f[5] }));
    if (accounts.length) {
        removeUsers(accounts);
        removed.push(`${accounts.length} account(s) ${accounts[0].name}...`);
    }
    for (const f of fs.readdirSync(projectRoot).filter((f) => goneRun(f, /^Pulumi\.scale(\d+)-.*\.yaml$/))) {
        fs.rmSync(path.join(projectRoot, f), { force: true });
        removed.push(f);
    }
    if (removed.length) log(`removed what earlier runs that are gone left: ${removed.join(", ")}`);
}

/**
 * The start of every benchmark that makes accounts: as root, cleaned up on signals, what a killed
 * run left removed, the toolchain ready, and a directory of its own (gone at the end) that the
 * accounts can read, for the machine-wide Codex installed in it.
 */
export function startRun(what: string, projectRoot: string): string {
    if (process.getuid?.() !== 0) throw new Error(`${what} creates local accounts and an sshd: run it as root`);
    cleanUpOnSignals();
    sweepStale(projectRoot);
    toolchainBin();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), RUN_PREFIX));
    fs.chmodSync(dir, 0o755);
    atCleanup(dir, () => {
        spawnSync("pkill", ["-f", dir]); // what a stopped phase left (ssh masters name their ControlPath here)
        fs.rmSync(dir, { recursive: true, force: true });
    });
    return dir;
}
