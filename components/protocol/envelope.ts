// A target's command's stdin, one secret: the runner's request and where the target is (an exec
// prefix, `via`, or an SSH connection, `ssh`; nothing for this machine). The engine keeps it in
// every snapshot twice (the command's inputs and its outputs), so it carries nothing the feeder
// (feeder/feed.ts) can work out again from the rest: the operation (the command line names it), the
// target's label and claim when they are what its own fields give, Codex's `uninstall` when false,
// and an SSH key in its short form (protocol/ssh-key.ts). A stdin with all of it spelled out (plain
// JSON, as stored stacks may hold) reads the same. No transport and no Pulumi here: the runner bundle holds this file.
import * as path from "path";
import { deflateRawSync, inflateRawSync } from "zlib";
import { redactArgs } from "../shared/redact";
import { fullKey, shortKey } from "./ssh-key";
import { describeTarget, SshHop, Target } from "./target";
import type { RunnerRequest } from "./types";

/**
 * The stdin is JSON deflated with this dictionary, base64 (`z1:`): a secret is stored as base64 of
 * its ciphertext, so every character saved here is saved in every snapshot. The
 * dictionary holds what most requests have (the field names, Connect AI's URL, key type prefixes);
 * states hold stdins deflated with it, so it never changes: another dictionary is another prefix.
 * Nothing a target sends is deflated with the secrets (the drift token rides in the command line),
 * so the ciphertext's length says nothing a target could steer.
 */
const Z1 = "z1:";
const DICTIONARY = Buffer.from(
    [
        '"privateKeyPassphrase":"","agentSocket":"","insecureSkipHostKeyCheck":true,"agent":true,"proxy":{',
        '"liveCheck":true,"allowCodexOverrides":true,"takeOver":true,"verify":false,"uninstall":true,"replace":true,',
        '"signIn":{"kind":"api-key","secret":"sk-"},"signIn":{"kind":"access-token","secret":"ey',
        '"env_http_headers":{"Authorization":"","bearer_token_env_var":"","enabled":false,"tool_timeout_sec":',
        '"codexHome":"/home/","user":"root","label":"docker exec -i -u podman ","claim":"local exec ~/.codex [mcp_servers.',
        '"via":["docker","exec","-i","-u","kubectl","--"],',
        '"hostKey":"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB","hostKey":"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ',
        '"privateKey":"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABlwAAAAdzc2gtcn\n-----END OPENSSH PRIVATE KEY-----\n","privateKey":"-----BEGIN RSA PRIVATE KEY-----\n',
        '"managedBy":"pulumi:codex-connect/","codex":{"version":"0.169.0"},',
        '"ssh":{"host":"10.0.0.","port":22,"user":"","privateKey":"ed25519:","hostKey":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"}}',
        '{"name":"connectai","entry":{"url":"https://mcp.cloud.cdata.com/mcp","startup_timeout_sec":30,"http_headers":{"Authorization":"Basic "}},',
    ].join(""),
);

/** Where the feeder finds the target: an exec prefix (it may carry a credential), an SSH connection, or nothing (local). */
export type Where = { via?: string[]; ssh?: SshHop & { proxy?: SshHop } };

/** The stdin as JSON holds it. */
export type Stdin = Omit<RunnerRequest, "op"> & { op?: RunnerRequest["op"] } & Where;

export const normalDir = (d: string | undefined) => (d === undefined ? undefined : path.posix.normalize(d).replace(/(.)\/+$/, "$1"));

/**
 * A target's identity from where it is (target-command.ts identity(), which also takes a local
 * target's default home spelled out for the default). Stored in states (the command's triggers, the
 * claims in the targets' records): the text must never change.
 */
export function identityOf(
    where: { ssh?: Pick<SshHop, "user" | "host" | "port">; via?: string[] },
    codexHome: string | undefined,
    owner: string | undefined,
    name: string | undefined,
): string {
    const home = normalDir(codexHome);
    const at = where.ssh
        ? `ssh ${where.ssh.user}@${where.ssh.host.toLowerCase()}:${where.ssh.port ?? 22}`
        : where.via
          ? `exec ${redactArgs(where.via).join(" ")}`
          : "local";
    return `${at} ${owner ? `as ${owner} ` : ""}${home ?? "~/.codex"} [mcp_servers.${name ?? "(codex only)"}]`;
}

/**
 * The claim the feeder gives a request that names none: the identity, and for SSH targets the
 * suffix that tells a local.Command from a stored stack's remote.Command (target-state.ts).
 */
function claimOf(where: Where, r: Pick<RunnerRequest, "codexHome" | "user" | "name">): string {
    const id = identityOf(where, r.codexHome, r.user, r.name);
    return where.ssh ? `${id} (local.Command)` : id;
}

function targetOf(where: Where): Target {
    if (where.ssh) return { ...where.ssh, kind: "ssh" };
    return where.via?.length ? { kind: "exec", prefix: where.via } : { kind: "local" };
}

/** The label the feeder gives a request that names none: the target as its own fields describe it. */
const labelOf = (where: Where, r: Pick<RunnerRequest, "codexHome">) => describeTarget({ ...targetOf(where), codexHome: r.codexHome } as Target);

const shortHop = <H extends SshHop>(h: H): H => (h.privateKey ? { ...h, privateKey: shortKey(h.privateKey) } : h);
const fullHop = <H extends SshHop>(h: H): H => (h.privateKey ? { ...h, privateKey: fullKey(h.privateKey) } : h);

/** The stdin for a request to a target, without what the feeder works out itself (program side). */
export function seal(request: RunnerRequest, where: Where): string {
    return Z1 + deflateRawSync(JSON.stringify(sealed(request, where)), { level: 9, dictionary: DICTIONARY }).toString("base64");
}

function sealed(request: RunnerRequest, where: Where): Stdin {
    const { op: _op, compact: _compact, token: _token, label, claim, codex, ...rest } = request;
    const out: Stdin = { ...rest };
    if (codex) {
        const { uninstall, ...version } = codex;
        out.codex = uninstall ? codex : version;
    }
    // Kept only when the feeder would not say the same (a preset's "docker devbox", a home spelled out).
    if (label !== undefined && label !== labelOf(where, request)) out.label = label;
    if (claim === undefined) throw new Error("a command's request needs a claim");
    if (claim !== claimOf(where, request)) out.claim = claim;
    if (where.via) out.via = where.via;
    if (where.ssh) out.ssh = { ...shortHop(where.ssh), ...(where.ssh.proxy ? { proxy: shortHop(where.ssh.proxy) } : {}) };
    return out;
}

/** What a stdin holds, as it holds it: z1, or plain JSON (what stored stacks may hold). */
export function unseal(text: string): Stdin {
    const json = text.startsWith(Z1)
        ? inflateRawSync(Buffer.from(text.slice(Z1.length), "base64"), { dictionary: DICTIONARY, maxOutputLength: 1 << 20 }).toString("utf8")
        : text;
    const stdin = JSON.parse(json) as Stdin;
    if (!stdin || typeof stdin !== "object" || Array.isArray(stdin)) throw new Error("not a JSON object");
    return stdin;
}

/** The request and the target from a stdin of either form (feeder side), with what it leaves out worked out. */
export function open(text: string): { request: Omit<RunnerRequest, "op">; target: Target } {
    const { via, ssh, op: _op, ...request } = unseal(text);
    const where: Where = { ...(via ? { via } : {}), ...(ssh ? { ssh: { ...fullHop(ssh), ...(ssh.proxy ? { proxy: fullHop(ssh.proxy) } : {}) } } : {}) };
    request.label ??= labelOf(where, request);
    request.claim ??= claimOf(where, request);
    return { request: { ...request, compact: true }, target: targetOf(where) };
}
