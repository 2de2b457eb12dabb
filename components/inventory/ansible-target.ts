// An Ansible host's merged variables as a target. Read: the connection variables (ansible_host,
// ansible_port, ansible_user, ansible_ssh_private_key_file, a ProxyJump in ansible_ssh_common_args or
// ansible_ssh_extra_args, ansible_connection) and this tool's own codex_connect_* variables, which win
// over them (ansible-namespace.ts names them). Every other variable is another playbook's setting and
// is left alone. Pure.
import { ours } from "./ansible-namespace";
import type { Var } from "./ansible-inventory";
import { checkValue } from "./values";
import { InventorySource, InventoryTarget, keyPath, Loc, problemAt } from "./types";
import { jumpInArgs, parseJump } from "./ssh-jump";
import { FieldType, ProxyConfig, TargetConfig } from "./target-config";

/** Ansible's connection plugins this tool has a kind for. */
const CONNECTIONS: Record<string, TargetConfig["kind"]> = {
    ssh: "ssh",
    "ansible.builtin.ssh": "ssh",
    paramiko: "ssh",
    paramiko_ssh: "ssh",
    "ansible.builtin.paramiko_ssh": "ssh",
    smart: "ssh",
    local: "local",
    "ansible.builtin.local": "local",
    docker: "docker",
    "community.docker.docker": "docker",
    podman: "podman",
    "containers.podman.podman": "podman",
};

/** A host's variables read field by field: each field remembers the variable it is read from, and each bad value is a problem. */
class HostVars {
    readonly problems: string[] = [];
    readonly from: Record<string, Loc> = {};
    readonly spelled: Record<string, string> = {};

    constructor(
        readonly host: string,
        readonly vars: Map<string, Var>,
    ) {}

    /**
     * The first of the names (in that order of precedence) the host has, checked as type; recorded
     * as the field's source. A field none of them sets is named by the usual one (the last given).
     */
    read(field: string, type: Exclude<FieldType, "proxy">, names: string[], usual = names[names.length - 1]): unknown {
        const name = names.find((n) => this.vars.has(n));
        this.spelled[field] = name ?? usual;
        if (!name) return undefined;
        const v = this.vars.get(name)!;
        this.from[field] = v.loc;
        const checked = checkValue(type, v.value, true);
        if ("error" in checked) return void this.problems.push(problemAt(v.loc, checked.error, this.host, name));
        return checked.value;
    }
}

/** Sets a field the host has a value for; one it has none for stays out of the target. */
function setGiven<K extends keyof TargetConfig>(t: TargetConfig, field: K, value: unknown): void {
    if (value !== undefined) t[field] = value as TargetConfig[K];
}

/** The host as a target; none when it is left out (codex_connect_skip) or has problems. */
export function ansibleTarget(host: string, origin: Loc, vars: Map<string, Var>, src: InventorySource): { target?: InventoryTarget; problems: string[] } {
    const h = new HostVars(host, vars);
    if (h.read("skip", "boolean", [ours("skip")]) === true) return { problems: h.problems };
    const name = (h.read("name", "string", [ours("name")]) as string | undefined) ?? host;
    const kind = kindOf(h);
    if (!kind) return { problems: h.problems };
    const t: TargetConfig = { name, kind };
    if (kind === "ssh") readSsh(h, t, src);
    if (kind === "docker" || kind === "podman") readContainer(h, t);
    if (kind === "exec") setGiven(t, "prefix", h.read("prefix", "strings", [ours("prefix")]));
    readFieldsOfEveryKind(h, t);
    if (h.problems.length) return { problems: h.problems };
    return { target: { host, target: t, origin, from: h.from, spelled: h.spelled, groups: [] }, problems: h.problems };
}

/**
 * codex_connect_kind, else the kind of ansible_connection's plugin (ssh without one); none, and a
 * problem, for a plugin this tool has no kind for.
 */
function kindOf(h: HostVars): TargetConfig["kind"] | undefined {
    const kind = h.read("kind", "kind", [ours("kind")]) as TargetConfig["kind"] | undefined;
    if (kind) return kind;
    const connection = h.read("kind", "string", ["ansible_connection"]) as string | undefined;
    const known = connection === undefined ? "ssh" : Object.hasOwn(CONNECTIONS, connection) ? CONNECTIONS[connection] : undefined;
    if (!known)
        h.problems.push(
            problemAt(
                h.vars.get("ansible_connection")!.loc,
                `${connection} is not a connection this tool has (${[...new Set(Object.values(CONNECTIONS))].join(", ")}); set ${ours("kind")} (exec with ${ours("prefix")} reaches anything a command can), or ${ours("skip")}: true to leave the host out`,
                h.host,
                "ansible_connection",
            ),
        );
    return known;
}

function readSsh(h: HostVars, t: TargetConfig, src: InventorySource): void {
    // ansible_ssh_host wins over ansible_host (and so on), as in Ansible's ssh connection.
    setGiven(t, "host", h.read("host", "string", [ours("host"), "ansible_ssh_host", "ansible_host"]) ?? h.host);
    setGiven(t, "port", h.read("port", "port", [ours("port"), "ansible_ssh_port", "ansible_port"]));
    setGiven(t, "user", h.read("user", "string", [ours("user"), "ansible_ssh_user", "ansible_user"]));
    const key = h.read(
        "privateKeyPath",
        "string",
        [ours("privateKeyPath"), "ansible_ssh_private_key_file", "ansible_private_key_file"],
        "ansible_ssh_private_key_file",
    ) as string | undefined;
    if (key) t.privateKeyPath = keyPath(key, src);
    setGiven(t, "agent", h.read("agent", "boolean", [ours("agent")]));
    setGiven(t, "hostKey", h.read("hostKey", "string", [ours("hostKey")]));
    setGiven(t, "insecureSkipHostKeyCheck", h.read("insecureSkipHostKeyCheck", "boolean", [ours("insecureSkipHostKeyCheck")]));
    const jump = bastion(h);
    if (jump) t.proxy = bastionLogin(h, jump, t, src);
}

/**
 * The bastion the jump reaches, with its key, agent and host key: it logs in with the host's key
 * (or agent) unless it is given one of its own.
 */
function bastionLogin(h: HostVars, proxy: Partial<ProxyConfig>, t: TargetConfig, src: InventorySource): ProxyConfig {
    const pkey = h.read("proxy.privateKeyPath", "string", [ours("proxy.privateKeyPath")]) as string | undefined;
    const pagent = h.read("proxy.agent", "boolean", [ours("proxy.agent")]) as boolean | undefined;
    if (pkey || pagent !== undefined) Object.assign(proxy, { privateKeyPath: pkey ? keyPath(pkey, src) : undefined, agent: pagent });
    else Object.assign(proxy, { privateKeyPath: t.privateKeyPath, agent: t.agent });
    proxy.hostKey = h.read("proxy.hostKey", "string", [ours("proxy.hostKey")]) as string | undefined;
    proxy.insecureSkipHostKeyCheck = h.read("proxy.insecureSkipHostKeyCheck", "boolean", [ours("proxy.insecureSkipHostKeyCheck")]) as boolean | undefined;
    return Object.fromEntries(Object.entries(proxy).filter(([, v]) => v !== undefined)) as unknown as ProxyConfig;
}

function readContainer(h: HostVars, t: TargetConfig): void {
    // Ansible's docker and podman connections take the container's name from ansible_host.
    setGiven(t, "container", h.read("container", "string", [ours("container"), "ansible_host"]) ?? h.host);
    setGiven(t, "user", h.read("user", "string", [ours("user"), "ansible_user"]));
}

/** The fields every kind takes. */
function readFieldsOfEveryKind(h: HostVars, t: TargetConfig): void {
    setGiven(t, "codexHome", h.read("codexHome", "string", [ours("codexHome")]));
    setGiven(t, "owner", h.read("owner", "string", [ours("owner")]));
    setGiven(t, "uninstallCodexOnDestroy", h.read("uninstallCodexOnDestroy", "boolean", [ours("uninstallCodexOnDestroy")]));
    setGiven(t, "takeOver", h.read("takeOver", "boolean", [ours("takeOver")]));
}

/** The bastion: codex_connect_proxy_jump, else the first ProxyJump in ansible_ssh_common_args, then ansible_ssh_extra_args. */
function bastion(h: HostVars): Partial<ProxyConfig> | undefined {
    for (const name of ["codex_connect_proxy_jump", "ansible_ssh_common_args", "ansible_ssh_extra_args"]) {
        const v = h.vars.get(name);
        if (!v) continue;
        const checked = checkValue("string", v.value, true);
        if ("error" in checked) {
            h.problems.push(problemAt(v.loc, checked.error, h.host, name));
            return undefined;
        }
        const found = name === "codex_connect_proxy_jump" ? parseJump(checked.value as string) : jumpInArgs(checked.value as string);
        if ("error" in found) {
            h.problems.push(problemAt(v.loc, found.error, h.host, name));
            return undefined;
        }
        if (!found.jump && name !== "codex_connect_proxy_jump") continue;
        for (const f of ["proxy", "proxy.host", "proxy.port", "proxy.user"]) {
            h.from[f] = v.loc;
            h.spelled[f] = name;
        }
        return found.jump ? { ...found.jump } : undefined;
    }
    return undefined;
}
