// Local and container targets: the launcher as a child process, directly or behind an exec prefix
// (docker/podman exec, kubectl exec, runuser...), with an allow-listed environment. No ssh2 here:
// this file also runs inside the runner bundle, as the controller-side feeder of local.Command.
import { spawn } from "child_process";
import { LAUNCHER } from "./launcher";
import { describeTarget, Target, TransportError } from "./target";

export interface Output {
    stdout: string;
    stderr: string;
    code: number | null;
}

export const DEFAULT_TIMEOUT_MS = 20 * 60_000; // a first Codex install downloads ~100 MB

/**
 * Variables a local run may inherit: what finds programs and reaches the registry, nothing of
 * Pulumi's (PULUMI_CONFIG_PASSPHRASE stays behind) and none of the npm_config_* that `npm run`
 * exports to its scripts (a cache path of the account running Pulumi breaks npm for another one).
 */
const LOCAL_ENV = ["HOME", "USER", "LOGNAME", "PATH", "SHELL", "LANG", "LC_ALL", "TMPDIR", "CODEX_HOME", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];
/** An exec prefix also needs what its client reads: docker, podman, kubectl. */
const EXEC_ENV = [...LOCAL_ENV, "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "CONTAINER_HOST", "CONTAINER_CONNECTION", "XDG_RUNTIME_DIR", "KUBECONFIG"];

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

function runProcess(label: string, cmd: string, args: string[], input: Buffer, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Output> {
    return new Promise((resolve, reject) => {
        const p = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
        p.stdout.on("data", (d) => out.push(d));
        p.stderr.on("data", (d) => err.push(d));
        p.on("error", (e) => {
            clearTimeout(timer);
            reject(new TransportError(label, `could not start ${cmd}: ${e.message}`));
        });
        p.on("close", (code) => {
            clearTimeout(timer);
            resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code });
        });
        p.stdin.on("error", () => undefined); // the process may exit before reading everything
        p.stdin.end(input);
    });
}


/** The launcher on a local or exec target; `op` overrides the request's operation (see launcher.ts). */
export function runLocalLauncher(t: Extract<Target, { kind: "local" | "exec" }>, input: Buffer, op?: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Output> {
    const tail = ["/bin/sh", "-c", LAUNCHER, "codex-mcp-launcher", ...(op ? [op] : [])];
    if (t.kind === "local") return runProcess(describeTarget(t), tail[0], tail.slice(1), input, pick(LOCAL_ENV), timeoutMs);
    const [cmd, ...args] = execArgv(t);
    return runProcess(describeTarget(t), cmd, [...args, ...tail], input, pick(EXEC_ENV), timeoutMs);
}
