// What a target is, named for messages: shared by the program side (probes over ssh2, the
// components) and the target runner's controller-side feeder, so nothing here imports a transport.
import { redactArgs } from "../shared/redact";

export interface SshHop {
    host: string;
    port?: number;
    user: string;
    /** PEM or OpenSSH private key text (keep it a Pulumi secret). */
    privateKey?: string;
    privateKeyPassphrase?: string;
    /** Authenticate with the SSH agent at $SSH_AUTH_SOCK (or at agentSocket). */
    agent?: boolean;
    /** The SSH agent's socket path, instead of $SSH_AUTH_SOCK. */
    agentSocket?: string;
    /** The host's public key, as in known_hosts ("ssh-ed25519 AAAA..."): required, the connection fails closed without it. */
    hostKey?: string;
    /** Connect without verifying the host's key (a lab, a throwaway VM). Explicit and off by default. */
    insecureSkipHostKeyCheck?: boolean;
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

/** A short label for messages: never includes a key or a secret (an exec prefix's credential-looking arguments are masked). */
export function describeTarget(t: Target): string {
    switch (t.kind) {
        case "local":
            return `local${t.codexHome ? ` ${t.codexHome}` : ""}`;
        case "ssh":
            return `ssh ${t.user}@${t.host}:${t.port ?? 22}${t.proxy ? ` via ${t.proxy.host}` : ""}`;
        case "exec":
            return t.preset ? `${t.preset} ${t.container}` : `exec ${redactArgs(t.prefix ?? []).join(" ")}`;
    }
}

/** The agent socket a hop uses, if any (a string in `agent` is the socket path, kept working for programs that pass one). */
export function agentSocketOf(hop: Pick<SshHop, "agent" | "agentSocket">): string | undefined {
    const legacy = hop.agent as unknown;
    if (typeof legacy === "string") return legacy;
    return hop.agentSocket ?? (hop.agent === true ? process.env.SSH_AUTH_SOCK : undefined);
}

export class TransportError extends Error {
    constructor(
        readonly target: string,
        message: string,
    ) {
        super(`${target}: ${message}`);
        this.name = "TransportError";
    }
}

/** Why an SSH hop without a pinned key is refused, and how to get the key. */
export function hostKeyRequired(hop: SshHop, knownHosts?: string): string {
    const port = hop.port ?? 22;
    const scan = `ssh-keyscan -t ed25519${port === 22 ? "" : ` -p ${port}`} ${hop.host}`;
    const how = knownHosts
        ? `none for ${port === 22 ? hop.host : `[${hop.host}]:${port}`} in ${knownHosts} either; add it with: ${scan} >> ${knownHosts}`
        : `get it with: ${scan} | cut -d' ' -f2-`;
    return `hostKey: required (SSH fails closed without a pinned host key); ${how}   (or set insecureSkipHostKeyCheck: true to connect unverified)`;
}
