// The fleet program's configuration, validated before anything runs: every problem is listed,
// named by target and field. Pure: the program (index.ts) reads the values and reports the errors.
import { unknownName } from "./shared/closest";
import { validateEntry } from "./core/config-entry";
import { emailProblem, patProblem, urlProblem } from "./core/inputs";
import { redact } from "./shared/redact";
import type { ConnectAiAuth } from "./core/inputs";
import * as pulumi from "@pulumi/pulumi";
import { hostKeyRequired, SshHop } from "./protocol/target";
import type { SshHopArgs, TargetArgs } from "./target-args";
import { KINDS, PROXY_FIELDS, TARGET_FIELDS, TargetConfig, TargetPlaces } from "./inventory/target-config";

export type { ProxyConfig, TargetConfig, TargetPlaces } from "./inventory/target-config";

export interface StackConfig {
    targets: TargetConfig[];
    auth: ConnectAiAuth;
    email?: string;
    hasPat: boolean;
    bearerTokenEnvVar?: string;
    envHttpHeaders?: Record<string, string>;
    serverName: string;
    url: string;
    startupTimeoutSec: number;
    toolTimeoutSec?: number;
    codexVersion: string;
    uninstallCodexOnDestroy: boolean;
    /** Take over entries another manager holds (the target's record names it). */
    takeOver?: boolean;
    /** The known_hosts file the targets' host keys were looked up in, named when one has none. */
    knownHosts?: string;
}

const AUTHS = ["oauth", "basic", "bearer-env", "env-headers"];
/** The project's stack config keys: Pulumi.yaml's config schema, and the two secrets it cannot declare. */
export const STACK_KEYS = [
    "targets",
    "inventory",
    "shard",
    "knownHosts",
    "auth",
    "email",
    "envHttpHeaders",
    "bearerTokenEnvVar",
    "serverName",
    "url",
    "startupTimeoutSec",
    "toolTimeoutSec",
    "codexVersion",
    "uninstallCodexOnDestroy",
    "takeOver",
    "replaceExistingSignIn",
    "allowCodexOverrides",
    "liveCheck",
    "pat",
    "sshPrivateKey",
    "openaiApiKey",
    "codexAccessToken",
];

/**
 * Keys of this project's namespace (`project:key`) that it does not know: Pulumi passes them to the
 * program without a word. Other namespaces (providers' settings) are not ours to judge.
 */
export function unknownKeyProblems(keys: string[], project: string): string[] {
    return keys
        .filter((k) => k.startsWith(`${project}:`))
        .map((k) => k.slice(project.length + 1))
        .filter((k) => !STACK_KEYS.includes(k))
        .map((k) => `${k}: ${unknownName("key", k, STACK_KEYS)}`);
}

function unknownFields(o: object, at: (field: string) => string, known: readonly string[]): string[] {
    return Object.keys(o)
        .filter((k) => !known.includes(k))
        .map((k) => `${at(k)}: ${unknownName("field", k, known)}`);
}

/** The stack config's own targets: targets[i] (name).field. */
export function stackTargetPlaces(targets: TargetConfig[]): TargetPlaces {
    return {
        at: (i, field) => {
            const t = targets[i];
            const where = `targets[${i}]${t && t.name ? ` (${t.name})` : ""}`;
            return field ? `${where}.${field}` : where;
        },
        spelled: (_i, field) => field.slice(field.lastIndexOf(".") + 1),
    };
}

/** auth and what each mode needs (email and PAT, a variable's name, headers from variables). */
function authProblems(c: StackConfig): string[] {
    const problems: string[] = [];
    if (!AUTHS.includes(c.auth)) problems.push(`auth: must be one of ${AUTHS.join(", ")}, got ${JSON.stringify(c.auth)}`);
    if (c.auth === "basic") {
        if (!c.email) problems.push("email: required with auth basic");
        else if (emailProblem(c.email)) problems.push(`email: ${emailProblem(c.email)}`);
        if (!c.hasPat) problems.push("pat: required with auth basic (pulumi config set --secret pat)");
    }
    if (c.auth === "bearer-env" && !c.bearerTokenEnvVar) problems.push("bearerTokenEnvVar: required with auth bearer-env");
    if (c.auth === "env-headers" && !c.envHttpHeaders) problems.push("envHttpHeaders: required with auth env-headers");
    return problems;
}

/** The URL, the entry's own fields (with their names as the user wrote them) and the Codex version. */
function entryProblems(c: StackConfig): string[] {
    const problems: string[] = [];
    // The rules every entry point shares (core/inputs.ts), then the fleet's own: https, or plain http to
    // this machine's loopback (a local MCP server, a test double).
    if (urlProblem(c.url)) problems.push(`url: ${urlProblem(c.url)}`);
    else if (!/^https:\/\//.test(c.url) && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(c.url)) {
        problems.push(`url: must be an https URL (or http to 127.0.0.1/localhost), got ${redact(JSON.stringify(c.url))}`);
    }
    // The entry's own rules (name, URL, timeouts, env var names), with field names as the user wrote them.
    const rename: Record<string, string> = {
        name: "serverName",
        startup_timeout_sec: "startupTimeoutSec",
        tool_timeout_sec: "toolTimeoutSec",
        bearer_token_env_var: "bearerTokenEnvVar",
        env_http_headers: "envHttpHeaders",
    };
    const fromEntry = validateEntry(c.serverName, {
        url: c.url,
        startup_timeout_sec: c.startupTimeoutSec,
        tool_timeout_sec: c.toolTimeoutSec,
        bearer_token_env_var: c.auth === "bearer-env" ? c.bearerTokenEnvVar : undefined,
        env_http_headers: c.auth === "env-headers" ? c.envHttpHeaders : undefined,
    });
    for (const p of fromEntry) {
        const field = p.split(/[:.]/)[0];
        if (field === "url") continue; // reported above
        problems.push(p.replace(field, rename[field] ?? field));
    }
    if (!/^(latest|\d+\.\d+\.\d+(-[\w.]+)?)$/.test(c.codexVersion))
        problems.push(`codexVersion: must be a version such as 0.169.0, or latest; got ${JSON.stringify(c.codexVersion)}`);

    return problems;
}

/** Each target's fields, names and identities (no two the same), SSH's key and host key, each kind's own fields. */
function targetProblems(c: StackConfig, hasSshKey: boolean, places: TargetPlaces): string[] {
    const problems: string[] = [];
    const seen = new Map<string, string>(); // a target's name -> its identity
    const firstNamed = new Map<string, number>(); // a name -> the first target with it
    c.targets.forEach((t, i) => {
        const at = (field?: string) => places.at(i, field);
        const spelled = (field: string) => places.spelled(i, field);
        if (!t || typeof t !== "object") return problems.push(`${at()}: must be an object`);
        problems.push(...unknownFields(t, (k) => at(k), TARGET_FIELDS));
        if (t.proxy && typeof t.proxy === "object") problems.push(...unknownFields(t.proxy, (k) => at(`proxy.${k}`), PROXY_FIELDS));
        if (!t.name || !/^[A-Za-z0-9_.-]+$/.test(t.name)) problems.push(`${at("name")}: required, letters, digits, '.', '-' or '_'`);
        else if (firstNamed.has(t.name)) problems.push(`${at("name")}: ${t.name} is also the name of ${places.at(firstNamed.get(t.name)!)}`);
        else firstNamed.set(t.name, i);
        if (!KINDS.includes(t.kind)) return problems.push(`${at("kind")}: must be one of ${KINDS.join(", ")}, got ${JSON.stringify(t.kind)}`);
        const key = identityKey(t);
        const twin = [...seen.entries()].find(([, k]) => k === key);
        if (twin) problems.push(`${at()}: the same target as ${twin[0]} (${key})`);
        if (t.name) seen.set(t.name, key);
        if (t.kind === "ssh") {
            if (!t.host) problems.push(`${at("host")}: required for ssh`);
            if (!t.user) problems.push(`${at("user")}: required for ssh`);
            if (t.port !== undefined && !(Number.isInteger(t.port) && t.port > 0 && t.port < 65536)) problems.push(`${at("port")}: must be 1-65535`);
            if (!t.privateKeyPath && !t.agent && !hasSshKey)
                problems.push(`${at()}: needs ${spelled("privateKeyPath")}, ${spelled("agent")}: true, or the stack secret sshPrivateKey`);
            if (t.proxy && (!t.proxy.host || !t.proxy.user)) problems.push(`${at("proxy")}: host and user are required`);
            const keyless = (field: string, hop: SshHop) =>
                `${at(field)}: ${hostKeyRequired(hop, c.knownHosts)
                    .replace(/^hostKey: /, "")
                    .replace("insecureSkipHostKeyCheck", spelled(field.replace("hostKey", "insecureSkipHostKeyCheck")))}`;
            if (t.host && !t.hostKey && !t.insecureSkipHostKeyCheck) problems.push(keyless("hostKey", { host: t.host, port: t.port, user: t.user ?? "" }));
            if (t.proxy?.host && !t.proxy.hostKey && !t.proxy.insecureSkipHostKeyCheck)
                problems.push(keyless("proxy.hostKey", { host: t.proxy.host, port: t.proxy.port, user: t.proxy.user }));
        }
        if ((t.kind === "docker" || t.kind === "podman") && !t.container) problems.push(`${at("container")}: required for ${t.kind}`);
        if (t.kind === "exec" && !(Array.isArray(t.prefix) && t.prefix.length && t.prefix.every((p) => typeof p === "string")))
            problems.push(`${at("prefix")}: required for exec, a list of strings such as ["kubectl", "exec", "-i", "pod", "--"]`);
        if (t.codexHome !== undefined && !t.codexHome.startsWith("/")) problems.push(`${at("codexHome")}: must be an absolute path`);
    });
    return problems;
}

/** Every problem in the configuration, each as "where: what". Empty when it is valid. */
export function validateStackConfig(c: StackConfig, hasSshKey: boolean, places: TargetPlaces = stackTargetPlaces(c.targets)): string[] {
    return [...authProblems(c), ...entryProblems(c), ...targetProblems(c, hasSshKey, places)];
}

function identityKey(t: TargetConfig): string {
    const where =
        t.kind === "ssh"
            ? `${t.user}@${t.host}:${t.port ?? 22}`
            : t.kind === "local"
              ? "local"
              : t.kind === "exec"
                ? (t.prefix ?? []).join(" ")
                : `${t.kind} ${t.container}`;
    return `${where} ${t.codexHome ?? "~/.codex"}`;
}

/** A target as the components take it; keys are filled in by the caller (they are secrets). */
export function toTarget(t: TargetConfig, keys: { key?: pulumi.Input<string>; proxyKey?: pulumi.Input<string> }): TargetArgs {
    const base = { codexHome: t.codexHome, owner: t.owner };
    switch (t.kind) {
        case "local":
            return { kind: "local", ...base };
        case "docker":
        case "podman":
            return { kind: t.kind, container: t.container, user: t.user, ...base };
        case "exec":
            return { kind: "exec", prefix: t.prefix, ...base };
        case "ssh": {
            const p = t.proxy;
            const proxy: SshHopArgs | undefined = p && {
                host: p.host,
                port: p.port,
                user: p.user,
                agent: p.agent,
                hostKey: p.hostKey,
                insecureSkipHostKeyCheck: p.insecureSkipHostKeyCheck,
                privateKey: keys.proxyKey,
            };
            return {
                kind: "ssh",
                host: t.host!,
                port: t.port,
                user: t.user!,
                privateKey: keys.key,
                agent: t.agent,
                hostKey: t.hostKey,
                insecureSkipHostKeyCheck: t.insecureSkipHostKeyCheck,
                proxy,
                ...base,
            };
        }
    }
}

/**
 * The stack secret `pat`, checked once its value is known: refused, never trimmed, when it holds a
 * control character. A final line end is what `pulumi config set --secret pat` keeps from a piped
 * file (`printf 'x\r\n' | ...`): the message says how to set it again without one.
 */
export function stackPatProblem(pat: string): string | undefined {
    const problem = patProblem(pat);
    if (!problem) return undefined;
    // pulumi keeps what it was given (a CRLF file's CR, at least): a line end, and nothing else wrong.
    const end = /[\r\n]+$/.exec(pat)?.[0];
    if (end && !patProblem(pat.slice(0, -end.length))) {
        const shown = Array.from(end, (c) => (c === "\r" ? "CR" : "LF")).join(" ");
        return `pat: the stack secret ends with a line end (${shown}), kept from the file or terminal it was piped from; nothing was trimmed. Set it again without it: tr -d '\\r\\n' < FILE | pulumi config set --secret pat`;
    }
    return `pat: the stack secret ${problem}; set it again: pulumi config set --secret pat (it reads the PAT from standard input)`;
}

/** The PAT as the program passes it on: the same secret, failing the run (by field, not value) when invalid. */
export function checkedPat(pat: pulumi.Output<string> | undefined): pulumi.Output<string> | undefined {
    return pat?.apply((p) => {
        const problem = stackPatProblem(p);
        if (problem) throw new pulumi.RunError(`the stack configuration has a problem; nothing was changed on the targets:\n  - ${problem}`);
        return p;
    });
}
