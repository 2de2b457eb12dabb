// Local and container targets: the launcher as a child process, directly or behind an exec prefix
// (docker/podman exec, kubectl exec, runuser...), with an allow-listed environment. No ssh2 here:
// this file also runs inside the runner bundle, as the controller-side feeder of local.Command.
import { spawn } from "child_process";
import { LAUNCHER } from "../protocol/launcher";
import { describeTarget, Target, TransportError } from "../protocol/target";
import { AnswerReader, Sample } from "../shared/untrusted";

/** What a target gave back: the runner's framed answer and bounded samples of the rest. */
export interface Output {
    /** The runner's answer (a JSON text), when it printed one whole. */
    answer?: string;
    /** The answer was larger than the runner ever prints: refused unread. */
    oversized: boolean;
    /** What else came on stdout (a login shell's banner...), sampled. */
    noise: string;
    /** stderr, sampled. */
    stderr: string;
    code: number | null;
}

export const DEFAULT_TIMEOUT_MS = 20 * 60_000; // a first Codex install downloads all of Codex
/** Once the answer is in, how long the target may take to close the stream before it is closed for it. */
export const AFTER_ANSWER_MS = 5_000;

/**
 * Streams of one run, read with bounded memory (shared/untrusted.ts), and what they come to. Once the
 * answer is in, `stop` closes the run if the target has not closed it within AFTER_ANSWER_MS.
 */
export class Collector {
    readonly reader: AnswerReader;
    readonly err = new Sample();
    private grace: NodeJS.Timeout | undefined;

    constructor(
        frame: string,
        private readonly stop: () => void = () => undefined,
    ) {
        this.reader = new AnswerReader(frame);
    }

    stdout(d: Buffer): void {
        this.reader.push(d);
        if (this.reader.done && !this.grace) this.grace = setTimeout(this.stop, AFTER_ANSWER_MS);
    }

    output(code: number | null): Output {
        clearTimeout(this.grace);
        this.reader.finish();
        return { answer: this.reader.answer(), oversized: this.reader.oversized, noise: this.reader.noise.text(), stderr: this.err.text(), code };
    }
}

/**
 * Variables a local run may inherit: what finds programs and reaches the registry, nothing of
 * Pulumi's (PULUMI_CONFIG_PASSPHRASE stays behind) and none of the npm_config_* that `npm run`
 * exports to its scripts (a cache path of the account running Pulumi breaks npm for another one).
 */
const LOCAL_ENV = [
    "HOME",
    "USER",
    "LOGNAME",
    "PATH",
    "SHELL",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "CODEX_HOME",
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
];
/** An exec prefix also needs what its client reads: docker, podman, kubectl. */
const EXEC_ENV = [
    ...LOCAL_ENV,
    "DOCKER_HOST",
    "DOCKER_CONFIG",
    "DOCKER_CONTEXT",
    "DOCKER_CERT_PATH",
    "DOCKER_TLS_VERIFY",
    "CONTAINER_HOST",
    "CONTAINER_CONNECTION",
    "XDG_RUNTIME_DIR",
    "KUBECONFIG",
];

function pick(keys: string[]): NodeJS.ProcessEnv {
    return Object.fromEntries(keys.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
}

export function execArgv(t: Extract<Target, { kind: "exec" }>): string[] {
    if (t.preset) {
        if (!t.container) throw new TransportError(describeTarget(t), "container: required with a preset");
        return [t.preset, "exec", "-i", ...(t.user ? ["-u", t.user] : []), t.container];
    }
    if (!t.prefix?.length) throw new TransportError(describeTarget(t), "prefix: required when no preset is given");
    return t.prefix;
}

/** How a run is started and stopped from outside: its frame, its time limit, and a stop signal. */
export interface RunOptions {
    frame: string;
    timeoutMs?: number;
    /** Aborted when the run must end now (the engine that asked for it is gone): the whole process group goes. */
    signal?: AbortSignal;
}

function runProcess(label: string, cmd: string, args: string[], input: Buffer, env: NodeJS.ProcessEnv, opts: RunOptions): Promise<Output> {
    return new Promise((resolve, reject) => {
        // Its own process group, so that a stop takes the runner and what it started (npm) with it.
        const p = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"], detached: true });
        const stop = () => {
            try {
                process.kill(-p.pid!, "SIGKILL");
            } catch {
                p.kill("SIGKILL");
            }
        };
        const c = new Collector(opts.frame, stop);
        const timer = setTimeout(stop, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        opts.signal?.addEventListener("abort", stop, { once: true });
        p.stdout.on("data", (d: Buffer) => c.stdout(d));
        p.stderr.on("data", (d: Buffer) => c.err.push(d));
        const done = () => {
            clearTimeout(timer);
            opts.signal?.removeEventListener("abort", stop);
        };
        p.on("error", (e) => {
            done();
            reject(new TransportError(label, `could not start ${cmd}: ${e.message}`));
        });
        p.on("close", (code) => {
            done();
            resolve(c.output(code));
        });
        p.stdin.on("error", () => undefined); // the process may exit before reading everything
        p.stdin.end(input);
    });
}

/** The launcher on a local or exec target; `op` overrides the request's operation (see protocol/launcher.ts). */
export function runLocalLauncher(t: Extract<Target, { kind: "local" | "exec" }>, input: Buffer, opts: RunOptions, op?: string): Promise<Output> {
    const tail = ["/bin/sh", "-c", LAUNCHER, "codex-mcp-launcher", ...(op ? [op] : [])];
    if (t.kind === "local") return runProcess(describeTarget(t), tail[0], tail.slice(1), input, pick(LOCAL_ENV), opts);
    const [cmd, ...args] = execArgv(t);
    return runProcess(describeTarget(t), cmd, [...args, ...tail], input, pick(EXEC_ENV), opts);
}
