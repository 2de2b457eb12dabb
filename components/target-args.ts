// What a target is as the components take it from any language (a YAML or Python program gets no
// type check): one TargetArgs with a kind, whose schema Pulumi infers, checked at run time with
// every problem named by component and field. Knows nothing of commands or TOML.
import * as pulumi from "@pulumi/pulumi";
import { unknownName } from "./shared/closest";
import { describeTarget, hostKeyRequired, SshHop, Target } from "./protocol/target";
/** What a target is: this machine, an SSH host, a running container, or a command prefix that reaches one. */
export const TargetKind = {
    /** The machine running Pulumi, as the account running it. */
    local: "local",
    /** An SSH host: host, user, a key (privateKey or agent) and the pinned hostKey. */
    ssh: "ssh",
    /** A running container through `docker exec -i [-u user] container`: container, user. */
    docker: "docker",
    /** A running container through `podman exec -i [-u user] container`: container, user. */
    podman: "podman",
    /** A command prefix (kubectl exec...): prefix; or preset + container, the same as kind docker or podman. */
    exec: "exec",
} as const;
export type TargetKind = (typeof TargetKind)[keyof typeof TargetKind];

/** The container CLI of an exec target with a preset: `docker|podman exec -i [-u user] container`. */
export const ExecPreset = {
    /** `docker exec -i [-u user] container`. */
    docker: "docker",
    /** `podman exec -i [-u user] container`. */
    podman: "podman",
} as const;
export type ExecPreset = (typeof ExecPreset)[keyof typeof ExecPreset];

/** An SSH hop (the host itself, or the bastion in front of it). The key and its passphrase are always kept as secrets. */
export interface SshHopArgs {
    /** Host name or address. */
    host: string;
    /** SSH port (default 22). */
    port?: number;
    /** The account to log in as. */
    user: string;
    /** PEM or OpenSSH private key text; always stored as a secret. */
    privateKey?: pulumi.Input<string>;
    /** The private key's passphrase; always stored as a secret. */
    privateKeyPassphrase?: pulumi.Input<string>;
    /** Authenticate with the SSH agent at $SSH_AUTH_SOCK (or at agentSocket). */
    agent?: boolean;
    /** The SSH agent's socket path, instead of $SSH_AUTH_SOCK. */
    agentSocket?: string;
    /** The host's public key as in known_hosts ("ssh-ed25519 AAAA..."): required, SSH fails closed without it (`ssh-keyscan -t ed25519 HOST | cut -d' ' -f2-`). */
    hostKey?: string;
    /** Connect without verifying the host's key (a lab, a throwaway VM). Off by default; every run warns. */
    insecureSkipHostKeyCheck?: boolean;
}

/**
 * Where a component acts. kind "local": this machine; "ssh": host, user, privateKey or agent, hostKey
 * (proxy for a bastion); "docker" or "podman": container (+ user); "exec": prefix (or preset +
 * container, the same as kind "docker"/"podman"). Any kind: codexHome, owner. Fields of another kind
 * are refused, with the component and the field named.
 */
export interface TargetArgs {
    /** "local", "ssh", "docker", "podman" or "exec". */
    kind: TargetKind;
    /** CODEX_HOME on the target (default: $CODEX_HOME, else ~/.codex). */
    codexHome?: string;
    /** When the runner runs as root for another account (docker exec as root): that account. */
    owner?: string;
    /** ssh: host name or address. */
    host?: string;
    /** ssh: port (default 22). */
    port?: number;
    /** ssh: the login account; docker, podman (or exec with a preset): the container user (`-u`). */
    user?: string;
    /** ssh: PEM or OpenSSH private key text; always stored as a secret. */
    privateKey?: pulumi.Input<string>;
    /** ssh: the private key's passphrase; always stored as a secret. */
    privateKeyPassphrase?: pulumi.Input<string>;
    /** ssh: authenticate with the SSH agent at $SSH_AUTH_SOCK (or at agentSocket). */
    agent?: boolean;
    /** ssh: the SSH agent's socket path, instead of $SSH_AUTH_SOCK. */
    agentSocket?: string;
    /** ssh: the host's public key as in known_hosts ("ssh-ed25519 AAAA..."); required unless insecureSkipHostKeyCheck. */
    hostKey?: string;
    /** ssh: connect without verifying the host's key. Off by default; every run warns. */
    insecureSkipHostKeyCheck?: boolean;
    /** ssh: a bastion to connect through. */
    proxy?: SshHopArgs;
    /** exec: "docker" or "podman" (with container): the same as kind "docker" or "podman". */
    preset?: ExecPreset;
    /** docker, podman (or exec with a preset): the container name or id. */
    container?: string;
    /** exec without a preset: the command prefix that runs a command on the target, e.g. ["kubectl", "exec", "-i", "pod", "--"]. */
    prefix?: string[];
}

type SshTarget = Extract<Target, { kind: "ssh" }>;
/** A target once checked (validTarget): the kinds apart, keys may be secrets. */
export type ValidTarget = Exclude<Target, SshTarget> | (Omit<SshTarget, keyof SshHop | "proxy"> & SshHopArgs & { proxy?: SshHopArgs });

const HOP_FIELDS = ["host", "port", "user", "privateKey", "privateKeyPassphrase", "agent", "agentSocket", "hostKey", "insecureSkipHostKeyCheck"] as const;
const FIELDS: Record<TargetKind, readonly string[]> = {
    local: ["kind", "codexHome", "owner"],
    ssh: ["kind", "codexHome", "owner", ...HOP_FIELDS, "proxy"],
    docker: ["kind", "codexHome", "owner", "container", "user"],
    podman: ["kind", "codexHome", "owner", "container", "user"],
    exec: ["kind", "codexHome", "owner", "preset", "container", "user", "prefix"],
};
const KINDS = Object.values(TargetKind);
const KIND_LIST = `${KINDS.slice(0, -1)
    .map((k) => `"${k}"`)
    .join(", ")} or "${KINDS[KINDS.length - 1]}"`;
const SECRET_FIELDS = new Set(["privateKey", "privateKeyPassphrase"]);
// A field of some kind on another is a mix-up, said so; any other name is likely a typo.
const ANY_FIELD = new Set(Object.values(FIELDS).flat());

/** The problems with one object's fields: names the kind does not have, values of the wrong type. */
function fieldProblems(o: Record<string, unknown>, at: string, allowed: readonly string[], kindName: string): string[] {
    const problems: string[] = [];
    for (const [k, v] of Object.entries(o)) {
        if (v === undefined || v === null) continue;
        if (!allowed.includes(k)) problems.push(`${at}.${k}: ${ANY_FIELD.has(k) ? `not a field of ${kindName}` : unknownName("field", k, allowed)}`);
        else if (SECRET_FIELDS.has(k)) {
            if (typeof v !== "string" && !pulumi.Output.isInstance(v) && !(v instanceof Promise)) problems.push(`${at}.${k}: must be a string`);
        } else if (pulumi.Output.isInstance(v) || v instanceof Promise)
            problems.push(`${at}.${k}: must be known when the program runs (not an output or a secret)`);
        else if (k === "port") {
            if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535) problems.push(`${at}.port: must be a whole number from 1 to 65535`);
        } else if (k === "agent" && typeof v === "string") {
            // A string in agent is a socket path, as agentSocket gives it: programs that pass one keep working.
        } else if (k === "agent" || k === "insecureSkipHostKeyCheck") {
            if (typeof v !== "boolean") problems.push(`${at}.${k}: must be true or false`);
        } else if (k === "prefix") {
            if (!Array.isArray(v) || !v.length || v.some((a) => typeof a !== "string")) problems.push(`${at}.prefix: must be a non-empty list of strings`);
        } else if (k !== "proxy" && typeof v !== "string") problems.push(`${at}.${k}: must be a string`);
    }
    return problems;
}

/** What kind `k` requires beyond its fields' types: an SSH host and user (and a proxy's), a container, exec's preset or prefix. */
function kindProblems(k: TargetKind, t: TargetArgs): string[] {
    const problems: string[] = [];
    const given = (v: unknown) => v !== undefined && v !== null;
    if (k === "ssh") {
        if (!t.host) problems.push('target.host: required for kind "ssh"');
        if (!t.user) problems.push('target.user: required for kind "ssh"');
        // A proxy that is an output is refused by fieldProblems: it must be known when the program runs.
        if (given(t.proxy) && !pulumi.Output.isInstance(t.proxy)) {
            if (typeof t.proxy !== "object") problems.push("target.proxy: must be an object known when the program runs");
            else {
                problems.push(...fieldProblems(t.proxy as unknown as Record<string, unknown>, "target.proxy", HOP_FIELDS, "an SSH hop"));
                if (!t.proxy!.host) problems.push("target.proxy.host: required");
                if (!t.proxy!.user) problems.push("target.proxy.user: required");
            }
        }
    }
    if ((k === "docker" || k === "podman") && !t.container) problems.push(`target.container: required for kind "${k}"`);
    if (k === "exec") {
        if (given(t.preset)) {
            if (t.preset !== "docker" && t.preset !== "podman") problems.push(`target.preset: must be "docker" or "podman", got ${JSON.stringify(t.preset)}`);
            if (!t.container) problems.push("target.container: required with a preset");
            if (given(t.prefix)) problems.push("target.prefix: not with a preset (one or the other)");
        } else if (!given(t.prefix)) problems.push('target: kind "exec" needs preset and container, or prefix');
        else if (given(t.user)) problems.push("target.user: only with a preset (put -u in the prefix)");
    }
    return problems;
}

/** One SSH hop as the code works on it: nulls gone, agent as a path moved to agentSocket, keys secrets whatever the caller passed. */
function validHop(h: SshHopArgs): SshHopArgs {
    const out: SshHopArgs = {
        host: h.host,
        port: h.port ?? undefined,
        user: h.user,
        agent: h.agent ?? undefined,
        agentSocket: h.agentSocket ?? undefined,
        hostKey: h.hostKey ?? undefined,
        insecureSkipHostKeyCheck: h.insecureSkipHostKeyCheck ?? undefined,
    };
    if (typeof (h.agent as unknown) === "string") Object.assign(out, { agent: undefined, agentSocket: h.agent as unknown as string });
    if (h.privateKey !== undefined && h.privateKey !== null) out.privateKey = pulumi.secret(h.privateKey);
    if (h.privateKeyPassphrase !== undefined && h.privateKeyPassphrase !== null) out.privateKeyPassphrase = pulumi.secret(h.privateKeyPassphrase);
    return out;
}

/** A checked target of kind `k` as the code works on it: docker and podman are exec with that preset. */
function normalised(k: TargetKind, t: TargetArgs): ValidTarget {
    const base = { codexHome: t.codexHome ?? undefined, owner: t.owner ?? undefined };
    switch (k) {
        case "local":
            return { kind: "local", ...base };
        // The same target as exec with that preset: one identity, so either spelling keeps the stack's resources.
        case "docker":
        case "podman":
            return { kind: "exec", preset: k, container: t.container, user: t.user ?? undefined, ...base };
        case "exec":
            return t.preset
                ? { kind: "exec", preset: t.preset, container: t.container, user: t.user ?? undefined, ...base }
                : { kind: "exec", prefix: t.prefix, ...base };
        case "ssh":
            return { kind: "ssh", ...validHop(t as SshHopArgs), ...(t.proxy ? { proxy: validHop(t.proxy) } : {}), ...base };
    }
}

/**
 * Checks a target as any language passes it (a Pulumi YAML or Python program gets no type check)
 * and returns it as the code works on it. Every problem is listed, each naming the component
 * (`who`, e.g. `ConnectAiCodex "web1"`) and the field. Values that decide what resources exist
 * (kind, host, ...) must be known when the program runs; keys may be outputs and secrets.
 */
export function validTarget(who: string, input: TargetArgs | undefined): ValidTarget {
    const fail = (problems: string[]): never => {
        throw new Error(`${who}: invalid target: ${problems.join("; ")}`);
    };
    if (pulumi.Output.isInstance(input))
        fail(["target: must be a plain object known when the program runs, not an output or a secret as a whole (a secret key goes in target.privateKey)"]);
    if (!input || typeof input !== "object" || Array.isArray(input)) fail([`target: required, an object with kind ${KIND_LIST}`]);
    const t = input as TargetArgs;
    const kind = (t as { kind?: unknown }).kind;
    if (!KINDS.includes(kind as TargetKind)) fail([`target.kind: must be ${KIND_LIST}, got ${JSON.stringify(kind) ?? "nothing"}`]);
    const k = kind as TargetKind;
    const problems = [...fieldProblems(t as unknown as Record<string, unknown>, "target", FIELDS[k], `kind "${k}"`), ...kindProblems(k, t)];
    if (problems.length) fail(problems);
    return normalised(k, t);
}

/** Refuses what cannot run, before anything does: an SSH hop without a pinned key fails closed. */
export function checkTarget(t: ValidTarget): void {
    if (t.kind !== "ssh") return;
    for (const hop of [t, ...(t.proxy ? [t.proxy] : [])]) {
        if (!hop.hostKey && !hop.insecureSkipHostKeyCheck)
            throw new Error(`${describeTarget(t as Target)}${hop === t ? "" : ` (bastion ${hop.host})`}: ${hostKeyRequired(hop as SshHop)}`);
    }
}
