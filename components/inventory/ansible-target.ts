// An Ansible host's merged variables as a target. Read: the connection variables (ansible_host,
// ansible_port, ansible_user, ansible_ssh_private_key_file, a ProxyJump in ansible_ssh_common_args or
// ansible_ssh_extra_args, ansible_connection) and this tool's own codex_connect_* variables, which win
// over them. Every other variable is another playbook's setting and is left alone; an unknown
// codex_connect_* one is a problem. Pure.
import { closest } from "../shared/closest";
import type { Var } from "./ansible-inventory";
import { checkValue } from "./values";
import { InventorySource, InventoryTarget, keyPath, Loc, problemAt } from "./types";
import { jumpInArgs, parseJump } from "./ssh-jump";
import { FieldType, ProxyConfig, TargetConfig } from "./target-config";

/** This tool's variables and the target field each sets ("proxy.x" for the bastion's; skip: leave the host out). */
export const NAMESPACE = {
    codex_connect_skip: "skip",
    codex_connect_name: "name",
    codex_connect_kind: "kind",
    codex_connect_host: "host",
    codex_connect_port: "port",
    codex_connect_user: "user",
    codex_connect_private_key_file: "privateKeyPath",
    codex_connect_agent: "agent",
    codex_connect_host_key: "hostKey",
    codex_connect_insecure_skip_host_key_check: "insecureSkipHostKeyCheck",
    codex_connect_proxy_jump: "proxy",
    codex_connect_proxy_private_key_file: "proxy.privateKeyPath",
    codex_connect_proxy_agent: "proxy.agent",
    codex_connect_proxy_host_key: "proxy.hostKey",
    codex_connect_proxy_insecure_skip_host_key_check: "proxy.insecureSkipHostKeyCheck",
    codex_connect_container: "container",
    codex_connect_prefix: "prefix",
    codex_connect_codex_home: "codexHome",
    codex_connect_owner: "owner",
    codex_connect_uninstall_codex_on_destroy: "uninstallCodexOnDestroy",
    codex_connect_take_over: "takeOver",
} as const;
const NAMES = Object.keys(NAMESPACE);
const PREFIX = "codex_connect_";

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

/**
 * A variable of ours that is not one (codex_connect_ownr), or one a letter away from our prefix
 * (codex_conect_owner): refused with the closest name, never ignored.
 */
export function namespaceProblem(name: string): string | undefined {
    if (NAMES.includes(name)) return undefined;
    if (name.startsWith(PREFIX)) {
        // The part after the prefix decides: every name of ours shares the prefix.
        const near = closest(
            name.slice(PREFIX.length),
            NAMES.map((n) => n.slice(PREFIX.length)),
        );
        return near ? `unknown variable; did you mean ${PREFIX}${near}?` : `unknown variable; the known variables are ${NAMES.join(", ")}`;
    }
    const near = name.toLowerCase().startsWith("codex") ? closest(name, NAMES) : undefined;
    return near ? `unknown variable; did you mean ${near}?` : undefined;
}

export function ansibleTarget(host: string, origin: Loc, vars: Map<string, Var>, src: InventorySource): { target?: InventoryTarget; problems: string[] } {
    const problems: string[] = [];
    const from: Record<string, Loc> = {};
    const spelled: Record<string, string> = {};
    /**
     * The first of the names (in that order of precedence) the host has, checked as type; recorded
     * as the field's source. A field none of them sets is named by the usual one (the last given).
     */
    const read = (field: string, type: Exclude<FieldType, "proxy">, names: string[], usual = names[names.length - 1]): unknown => {
        const name = names.find((n) => vars.has(n));
        spelled[field] = name ?? usual;
        if (!name) return undefined;
        const v = vars.get(name)!;
        from[field] = v.loc;
        const checked = checkValue(type, v.value, true);
        if ("error" in checked) return void problems.push(problemAt(v.loc, checked.error, host, name));
        return checked.value;
    };
    const ours = (field: string) => Object.entries(NAMESPACE).find(([, f]) => f === field)![0];

    if (read("skip", "boolean", [ours("skip")]) === true) return { problems };
    const name = (read("name", "string", [ours("name")]) as string | undefined) ?? host;
    let kind = read("kind", "kind", [ours("kind")]) as TargetConfig["kind"] | undefined;
    if (!kind) {
        const connection = read("kind", "string", ["ansible_connection"]) as string | undefined;
        kind = connection === undefined ? "ssh" : CONNECTIONS[connection];
        if (!kind) {
            problems.push(
                problemAt(
                    vars.get("ansible_connection")!.loc,
                    `${connection} is not a connection this tool has (${[...new Set(Object.values(CONNECTIONS))].join(", ")}); set ${ours("kind")} (exec with ${ours("prefix")} reaches anything a command can), or ${ours("skip")}: true to leave the host out`,
                    host,
                    "ansible_connection",
                ),
            );
            return { problems };
        }
    }
    const t: TargetConfig = { name, kind };
    const set = <K extends keyof TargetConfig>(field: K, value: unknown) => {
        if (value !== undefined) t[field] = value as TargetConfig[K];
    };
    if (kind === "ssh") {
        // ansible_ssh_host wins over ansible_host (and so on), as in Ansible's ssh connection.
        set("host", read("host", "string", [ours("host"), "ansible_ssh_host", "ansible_host"]) ?? host);
        set("port", read("port", "port", [ours("port"), "ansible_ssh_port", "ansible_port"]));
        set("user", read("user", "string", [ours("user"), "ansible_ssh_user", "ansible_user"]));
        const key = read(
            "privateKeyPath",
            "string",
            [ours("privateKeyPath"), "ansible_ssh_private_key_file", "ansible_private_key_file"],
            "ansible_ssh_private_key_file",
        ) as string | undefined;
        if (key) t.privateKeyPath = keyPath(key, src);
        set("agent", read("agent", "boolean", [ours("agent")]));
        set("hostKey", read("hostKey", "string", [ours("hostKey")]));
        set("insecureSkipHostKeyCheck", read("insecureSkipHostKeyCheck", "boolean", [ours("insecureSkipHostKeyCheck")]));
        const proxy = bastion(host, vars, from, spelled, problems);
        if (proxy) {
            const pkey = read("proxy.privateKeyPath", "string", [ours("proxy.privateKeyPath")]) as string | undefined;
            const pagent = read("proxy.agent", "boolean", [ours("proxy.agent")]) as boolean | undefined;
            // The bastion logs in with the host's key (or agent) unless it is given one of its own.
            if (pkey || pagent !== undefined) Object.assign(proxy, { privateKeyPath: pkey ? keyPath(pkey, src) : undefined, agent: pagent });
            else Object.assign(proxy, { privateKeyPath: t.privateKeyPath, agent: t.agent });
            proxy.hostKey = read("proxy.hostKey", "string", [ours("proxy.hostKey")]) as string | undefined;
            proxy.insecureSkipHostKeyCheck = read("proxy.insecureSkipHostKeyCheck", "boolean", [ours("proxy.insecureSkipHostKeyCheck")]) as boolean | undefined;
            t.proxy = Object.fromEntries(Object.entries(proxy).filter(([, v]) => v !== undefined)) as unknown as ProxyConfig;
        }
    }
    if (kind === "docker" || kind === "podman") {
        // Ansible's docker and podman connections take the container's name from ansible_host.
        set("container", read("container", "string", [ours("container"), "ansible_host"]) ?? host);
        set("user", read("user", "string", [ours("user"), "ansible_user"]));
    }
    if (kind === "exec") set("prefix", read("prefix", "strings", [ours("prefix")]));
    set("codexHome", read("codexHome", "string", [ours("codexHome")]));
    set("owner", read("owner", "string", [ours("owner")]));
    set("uninstallCodexOnDestroy", read("uninstallCodexOnDestroy", "boolean", [ours("uninstallCodexOnDestroy")]));
    set("takeOver", read("takeOver", "boolean", [ours("takeOver")]));
    if (problems.length) return { problems };
    return { target: { host, target: t, origin, from, spelled, groups: [] }, problems };
}

/** The bastion: codex_connect_proxy_jump, else the first ProxyJump in ansible_ssh_common_args, then ansible_ssh_extra_args. */
function bastion(
    host: string,
    vars: Map<string, Var>,
    from: Record<string, Loc>,
    spelled: Record<string, string>,
    problems: string[],
): Partial<ProxyConfig> | undefined {
    for (const name of ["codex_connect_proxy_jump", "ansible_ssh_common_args", "ansible_ssh_extra_args"]) {
        const v = vars.get(name);
        if (!v) continue;
        const checked = checkValue("string", v.value, true);
        if ("error" in checked) {
            problems.push(problemAt(v.loc, checked.error, host, name));
            return undefined;
        }
        const found = name === "codex_connect_proxy_jump" ? parseJump(checked.value as string) : jumpInArgs(checked.value as string);
        if ("error" in found) {
            problems.push(problemAt(v.loc, found.error, host, name));
            return undefined;
        }
        if (!found.jump && name !== "codex_connect_proxy_jump") continue;
        for (const f of ["proxy", "proxy.host", "proxy.port", "proxy.user"]) {
            from[f] = v.loc;
            spelled[f] = name;
        }
        return found.jump ? { ...found.jump } : undefined;
    }
    return undefined;
}
