// This tool's own Ansible variables, codex_connect_*: the target field each sets, and the closest
// name for one that is not one of them (an unknown codex_connect_* variable is a problem, never
// ignored, wherever it is set). Pure.
import { closest } from "../shared/closest";

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

/** The variable of ours that sets a field. */
export const ours = (field: string) => Object.entries(NAMESPACE).find(([, f]) => f === field)![0];
