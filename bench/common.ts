// What the fleet benchmark (fleet-bench.ts) and the scale benchmark (scale-bench.ts) share: running
// the Pulumi CLI and reading what an `up --json` changed, the controller's CPU time of a command
// (bench/rusage.py), medians, and the description of the machine.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { codexVersion } from "../tests/helpers/codex";
import { projectRoot, toolchainBin } from "../tests/helpers/toolchain";

export const log = (s: string) => process.stderr.write(`bench: ${s}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What bench/rusage.py measured: the command and all its descendants (the controller side). */
export interface Usage {
    wall: number;
    user: number;
    sys: number;
    maxrssKb: number;
    /** Descendants still running when the command ended (stopped and counted by rusage.py). */
    lingering: number;
}

const RUSAGE = path.join(projectRoot, "bench", "rusage.py");

/**
 * The processes a benchmark has running: an interrupted benchmark stops them all
 * (bench/scale-cleanup.ts), by process group when they were started with `ownGroup` (then a
 * terminal's ^C reaches only the benchmark, which stops them and cleans up in order).
 */
export const running = new Set<ChildProcess>();

export interface ToolRun {
    code: number | null;
    stdout: string;
    stderr: string;
    usage?: Usage;
}

/**
 * Runs a command to its end, its output kept. With `usageFile`, under bench/rusage.py, which counts
 * the CPU time of the command and of everything it starts (read back into `usage`). `ownGroup`: in
 * a process group of its own. `timeoutMs`: stopped (SIGTERM, then SIGKILL) past it, code null.
 */
export function runTool(
    cmd: string,
    args: string[],
    opts: { env: NodeJS.ProcessEnv; cwd?: string; usageFile?: string; input?: string; ownGroup?: boolean; timeoutMs?: number },
): Promise<ToolRun> {
    const [file, argv] = opts.usageFile ? ["/usr/bin/python3", [RUSAGE, opts.usageFile, "--", cmd, ...args]] : [cmd, args];
    return new Promise((resolve, reject) => {
        const p = spawn(file, argv, {
            cwd: opts.cwd ?? projectRoot,
            env: opts.env,
            stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
            detached: opts.ownGroup ?? false,
        });
        running.add(p);
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        p.stdout!.on("data", (d: Buffer) => out.push(d));
        p.stderr!.on("data", (d: Buffer) => err.push(d));
        if (opts.input !== undefined) p.stdin!.end(opts.input);
        let timedOut = false;
        // Past the timeout: the process group (or the process) is stopped, and the run fails saying so.
        const timer = opts.timeoutMs
            ? setTimeout(() => {
                  timedOut = true;
                  try {
                      if (opts.ownGroup) process.kill(-p.pid!, "SIGTERM");
                      else p.kill("SIGTERM");
                  } catch {
                      /* gone */
                  }
                  setTimeout(() => {
                      try {
                          if (opts.ownGroup) process.kill(-p.pid!, "SIGKILL");
                          else p.kill("SIGKILL");
                      } catch {
                          /* gone */
                      }
                  }, 10_000).unref();
              }, opts.timeoutMs)
            : undefined;
        p.on("error", (e) => {
            running.delete(p);
            reject(e);
        });
        p.on("close", (code) => {
            running.delete(p);
            if (timer) clearTimeout(timer);
            let usage: Usage | undefined;
            if (opts.usageFile) {
                try {
                    usage = JSON.parse(fs.readFileSync(opts.usageFile, "utf8"));
                } catch {
                    usage = undefined; // killed before it wrote: the caller fails on the exit code
                }
            }
            const stderr = Buffer.concat(err).toString() + (timedOut ? `\n(stopped: still running after ${opts.timeoutMs! / 1000} s)` : "");
            resolve({ code: timedOut ? null : code, stdout: Buffer.concat(out).toString(), stderr, usage });
        });
    });
}

/** The last lines of a command's stderr, for an error message. */
export const tail = (text: string, lines = 5) => text.trim().split("\n").slice(-lines).join(" | ");

/** One CLI run in the project; resolves with its stdout, rejects naming the exit code and stderr's end. */
export async function pulumiCli(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
    const r = await runTool(path.join(toolchainBin(), "pulumi"), args, { env });
    if (r.code !== 0) throw new Error(`pulumi ${args[0]} exited ${r.code}: ${tail(r.stderr)}`);
    return r.stdout;
}

/** The resource changes of an `up --json` run: its summary event. */
export function changesOf(jsonEvents: string): Record<string, number> {
    for (const line of jsonEvents.split("\n").reverse()) {
        if (line.includes('"summaryEvent"')) return JSON.parse(line).summaryEvent.resourceChanges ?? {};
    }
    throw new Error("pulumi up --json: no summary event");
}

export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

/** The machine, the tools' versions and how the hosts are laid out (`hosts`), as lines for a report. */
export function machine(hosts: string): string {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const v = (cmd: string, a: string[]) => {
        const r = spawnSync(cmd, a, { encoding: "utf8" });
        return `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n")[0].trim() || `${cmd}: not found`;
    };
    return [
        `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}`,
        `Node.js ${process.version}; ${v(path.join(toolchainBin(), "pulumi"), ["version"])} (Pulumi); ${v("ansible-playbook", ["--version"])}; ${v("ssh", ["-V"])}`,
        `Codex ${codexVersion}; ${hosts}`,
    ].join("  \n");
}

/**
 * Writes `body` between `<!-- MARKER:start (written by COMMAND) -->` and `<!-- MARKER:end -->` in a
 * Markdown file, replacing what a run before wrote there; a file without them gets them at its end,
 * under `heading`.
 */
export function writeMarked(doc: string, marker: string, command: string, body: string, heading: string): void {
    const generated = `<!-- ${marker}:start (written by ${command}) -->\n${body}\n<!-- ${marker}:end -->`;
    const text = fs.existsSync(doc) ? fs.readFileSync(doc, "utf8") : "# Benchmarks\n";
    const marked = new RegExp(`<!-- ${marker}:start[\\s\\S]*?<!-- ${marker}:end -->`);
    fs.writeFileSync(doc, marked.test(text) ? text.replace(marked, () => generated) : `${text.trimEnd()}\n\n## ${heading}\n\n${generated}\n`);
}

/**
 * A benchmark's entry, when its file is the one run (a test that imports its pure parts runs
 * nothing): exit 0 when `main` resolves, else its message and exit 1 (the cleanup runs on exit).
 */
export function runMain(entry: NodeModule, main: () => Promise<void>): void {
    if (require.main !== entry) return;
    main().then(
        () => process.exit(0),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        },
    );
}
