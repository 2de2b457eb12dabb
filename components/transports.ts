// How the launcher reaches a target: a local child process, a container exec prefix, or one SSH
// session. Each transport runs LAUNCHER with the given bytes on standard input and returns what it
// printed; nothing here knows of TOML or of Pulumi. Requests carry secrets, so no transport puts
// any part of its input in an argument, an environment variable or an error message.
import { spawn } from "child_process";
import { Client, ConnectConfig } from "ssh2";
import { LAUNCHER } from "./runner-bundle";

export interface SshHop {
    host: string;
    port?: number;
    user: string;
    /** PEM or OpenSSH private key text (keep it a Pulumi secret). */
    privateKey?: string;
    privateKeyPassphrase?: string;
    /** Use the SSH agent at $SSH_AUTH_SOCK (true) or at this socket path. */
    agent?: boolean | string;
    /** The host's public key, as in known_hosts ("ssh-ed25519 AAAA..."). Without it the host is not verified. */
    hostKey?: string;
}

/** Fields every target has: where Codex's config lives and, when running as root, whose it is. */
interface TargetBase {
    /** CODEX_HOME on the target (default: $CODEX_HOME, else ~/.codex). */
    codexHome?: string;
    /** When the runner runs as root for another account (docker exec as root): that account. */
    owner?: string;
}

export type Target =
    | ({ kind: "local" } & TargetBase)
    | ({ kind: "ssh"; proxy?: SshHop } & SshHop & TargetBase)
    | ({ kind: "exec"; preset?: "docker" | "podman"; container?: string; prefix?: string[]; /** docker/podman -u */ user?: string } & TargetBase);

/** A short label for messages: never includes a key or a secret. */
export function describeTarget(t: Target): string {
    switch (t.kind) {
        case "local":
            return `local${t.codexHome ? ` ${t.codexHome}` : ""}`;
        case "ssh":
            return `ssh ${t.user}@${t.host}:${t.port ?? 22}${t.proxy ? ` via ${t.proxy.host}` : ""}`;
        case "exec":
            return t.preset ? `${t.preset} ${t.container}` : `exec ${(t.prefix ?? []).join(" ")}`;
    }
}

export class TransportError extends Error {
    constructor(readonly target: string, message: string) {
        super(`${target}: ${message}`);
        this.name = "TransportError";
    }
}

export interface Output {
    stdout: string;
    stderr: string;
    code: number | null;
}

const DEFAULT_TIMEOUT_MS = 20 * 60_000; // a first Codex install downloads ~100 MB

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

/** Runs the launcher on the target with `input` on standard input. */
export function runLauncher(t: Target, input: Buffer, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Output> {
    switch (t.kind) {
        case "local":
            return runProcess(describeTarget(t), "/bin/sh", ["-c", LAUNCHER], input, pick(LOCAL_ENV), timeoutMs);
        case "exec": {
            const [cmd, ...args] = execArgv(t);
            return runProcess(describeTarget(t), cmd, [...args, "/bin/sh", "-c", LAUNCHER], input, pick(EXEC_ENV), timeoutMs);
        }
        case "ssh":
            return runSsh(t, input, timeoutMs);
    }
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

function hostVerifier(hop: SshHop): ConnectConfig["hostVerifier"] {
    if (!hop.hostKey) return undefined;
    const parts = hop.hostKey.trim().split(/\s+/);
    const blob = parts.length >= 2 ? parts[1] : parts[0];
    return (key: Buffer) => key.toString("base64") === blob;
}

function connectConfig(label: string, hop: SshHop, timeoutMs: number): ConnectConfig {
    const agent = hop.agent === true ? process.env.SSH_AUTH_SOCK : typeof hop.agent === "string" ? hop.agent : undefined;
    if (hop.agent === true && !agent) throw new TransportError(label, "agent: SSH_AUTH_SOCK is not set");
    if (!hop.privateKey && !agent) throw new TransportError(label, "privateKey or agent: one is required");
    return {
        host: hop.host,
        port: hop.port ?? 22,
        username: hop.user,
        privateKey: hop.privateKey,
        passphrase: hop.privateKeyPassphrase,
        agent,
        hostVerifier: hostVerifier(hop),
        readyTimeout: Math.min(timeoutMs, 30_000),
        keepaliveInterval: 15_000,
    };
}

function connect(label: string, config: ConnectConfig): Promise<Client> {
    return new Promise((resolve, reject) => {
        const c = new Client();
        c.once("ready", () => resolve(c));
        c.once("error", (e: Error & { level?: string }) => {
            const why = /verification failed/i.test(e.message) ? "host key verification failed: the host's key is not the configured hostKey" : e.message;
            reject(new TransportError(label, `ssh: ${why}`));
        });
        c.connect(config);
    });
}

/** One SSH session (through an optional bastion) that runs the launcher once. */
async function runSsh(t: Extract<Target, { kind: "ssh" }>, input: Buffer, timeoutMs: number): Promise<Output> {
    const label = describeTarget(t);
    let bastion: Client | undefined;
    const config = connectConfig(label, t, timeoutMs);
    if (t.proxy) {
        bastion = await connect(`${label} (bastion ${t.proxy.host})`, connectConfig(label, t.proxy, timeoutMs));
        config.sock = await new Promise((resolve, reject) =>
            bastion!.forwardOut("127.0.0.1", 0, t.host, t.port ?? 22, (e, s) => (e ? reject(new TransportError(label, `bastion could not reach the host: ${e.message}`)) : resolve(s))),
        );
    }
    const conn = await connect(label, config).catch((e) => {
        bastion?.end();
        throw e;
    });
    try {
        return await new Promise<Output>((resolve, reject) => {
            conn.exec(LAUNCHER, (e, stream) => {
                if (e) return reject(new TransportError(label, `ssh exec: ${e.message}`));
                const out: Buffer[] = [];
                const err: Buffer[] = [];
                const timer = setTimeout(() => {
                    stream.close();
                    reject(new TransportError(label, `no answer within ${Math.round(timeoutMs / 1000)} s`));
                }, timeoutMs);
                stream.on("data", (d: Buffer) => out.push(d));
                stream.stderr.on("data", (d: Buffer) => err.push(d));
                stream.on("close", (code: number | null) => {
                    clearTimeout(timer);
                    resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code });
                });
                stream.end(input);
            });
        });
    } finally {
        conn.end();
        bastion?.end();
    }
}
