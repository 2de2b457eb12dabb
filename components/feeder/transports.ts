// How the launcher reaches a target: a local child process, a container exec prefix
// (feeder/process-run.ts), or one SSH session. Each runs the launcher with the given bytes on standard
// input and returns the runner's framed answer and samples of the rest, read with bounded memory
// (shared/untrusted.ts). Used by the program's probes and by the engine's commands (feeder/feed.ts); nothing here
// knows of TOML or of Pulumi.
// Requests carry secrets, so no transport puts any part of its input in an argument, an
// environment variable or an error message.
import { Client, ConnectConfig } from "ssh2";
import { LAUNCHER, shq } from "../protocol/launcher";
import { Collector, DEFAULT_TIMEOUT_MS, Output, RunOptions, runLocalLauncher } from "./process-run";
import { agentSocketOf, describeTarget, hostKeyRequired, SshHop, Target, TransportError } from "../protocol/target";

export { describeTarget, TransportError } from "../protocol/target";

export type { SshHop, Target } from "../protocol/target";
export type { Output } from "./process-run";

/** Runs the launcher on the target with `input` on standard input; `op` overrides the request's operation. */
export function runLauncher(t: Target, input: Buffer, opts: RunOptions, op?: string): Promise<Output> {
    return t.kind === "ssh" ? runSsh(t, input, opts, op) : runLocalLauncher(t, input, opts, op);
}

function hostVerifier(hop: SshHop): ConnectConfig["hostVerifier"] {
    if (!hop.hostKey) return undefined;
    const parts = hop.hostKey.trim().split(/\s+/);
    const blob = parts.length >= 2 ? parts[1] : parts[0];
    return (key: Buffer) => key.toString("base64") === blob;
}

function connectConfig(label: string, hop: SshHop, timeoutMs: number): ConnectConfig {
    if (!hop.hostKey && !hop.insecureSkipHostKeyCheck) throw new TransportError(label, hostKeyRequired(hop));
    const agent = agentSocketOf(hop);
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
async function runSsh(t: Extract<Target, { kind: "ssh" }>, input: Buffer, opts: RunOptions, op?: string): Promise<Output> {
    const label = describeTarget(t);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let bastion: Client | undefined;
    const config = connectConfig(label, t, timeoutMs);
    if (t.proxy) {
        bastion = await connect(`${label} (bastion ${t.proxy.host})`, connectConfig(label, t.proxy, timeoutMs));
        config.sock = await new Promise((resolve, reject) =>
            bastion!.forwardOut("127.0.0.1", 0, t.host, t.port ?? 22, (e, s) =>
                e ? reject(new TransportError(label, `bastion could not reach the host: ${e.message}`)) : resolve(s),
            ),
        );
    }
    const conn = await connect(label, config).catch((e) => {
        bastion?.end();
        throw e;
    });
    try {
        return await session(conn, label, `/bin/sh -c ${shq(LAUNCHER)} codex-mcp-launcher${op ? ` ${shq(op)}` : ""}`, input, opts, timeoutMs);
    } finally {
        conn.end();
        bastion?.end();
    }
}

/** One command on an open connection: the answer read as it comes, the session closed once it is in (or on a stop). */
function session(conn: Client, label: string, command: string, input: Buffer, opts: RunOptions, timeoutMs: number): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
        conn.exec(command, (e, stream) => {
            if (e) return reject(new TransportError(label, `ssh exec: ${e.message}`));
            const stop = () => stream.close();
            const c = new Collector(opts.frame, stop);
            const timer = setTimeout(() => {
                stop();
                reject(new TransportError(label, `no answer within ${Math.round(timeoutMs / 1000)} s`));
            }, timeoutMs);
            // Closing the channel is not enough: sshd keeps the session (and so the runner's parent)
            // until the command ends. Dropping the connection ends the session, which the runner sees.
            const abort = () => {
                stop();
                conn.end();
            };
            opts.signal?.addEventListener("abort", abort, { once: true });
            stream.on("data", (d: Buffer) => c.stdout(d));
            stream.stderr.on("data", (d: Buffer) => c.err.push(d));
            stream.on("close", (code: number | null) => {
                clearTimeout(timer);
                opts.signal?.removeEventListener("abort", abort);
                resolve(c.output(code ?? null));
            });
            stream.end(input);
        });
    });
}
