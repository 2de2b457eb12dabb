// A fleet target as the stack configuration and an inventory file write it: the fields, their kinds
// of value, and nothing else. Pure (no Pulumi), so the inventory parsers can share it.

export interface ProxyConfig {
    host: string;
    port?: number;
    user: string;
    privateKeyPath?: string;
    agent?: boolean;
    hostKey?: string;
    insecureSkipHostKeyCheck?: boolean;
}

export interface TargetConfig {
    name: string;
    kind: "local" | "ssh" | "docker" | "podman" | "exec";
    host?: string;
    port?: number;
    user?: string;
    /** A file holding the private key (read by the program, kept secret); or use the stack's sshPrivateKey. */
    privateKeyPath?: string;
    agent?: boolean;
    hostKey?: string;
    /** Connect without verifying the host key: explicit, and warned about on every run. */
    insecureSkipHostKeyCheck?: boolean;
    proxy?: ProxyConfig;
    container?: string;
    prefix?: string[];
    codexHome?: string;
    owner?: string;
    /** Overrides the stack's uninstallCodexOnDestroy for this target. */
    uninstallCodexOnDestroy?: boolean;
    /** Overrides the stack's takeOver for this target. */
    takeOver?: boolean;
}

/** What a field holds: the parsers check each value against it where it is written. */
export type FieldType = "string" | "port" | "boolean" | "strings" | "kind" | "proxy";

// Kept equal to the types by the compiler (satisfies): a field added to TargetConfig needs its type here.
export const TARGET_FIELD_TYPES = {
    name: "string",
    kind: "kind",
    host: "string",
    port: "port",
    user: "string",
    privateKeyPath: "string",
    agent: "boolean",
    hostKey: "string",
    insecureSkipHostKeyCheck: "boolean",
    proxy: "proxy",
    container: "string",
    prefix: "strings",
    codexHome: "string",
    owner: "string",
    uninstallCodexOnDestroy: "boolean",
    takeOver: "boolean",
} as const satisfies Record<keyof TargetConfig, FieldType>;

export const PROXY_FIELD_TYPES = {
    host: "string",
    port: "port",
    user: "string",
    privateKeyPath: "string",
    agent: "boolean",
    hostKey: "string",
    insecureSkipHostKeyCheck: "boolean",
} as const satisfies Record<keyof ProxyConfig, FieldType>;

/** The fields a target and its proxy may have: anything else is a mistake, and nothing else would refuse it. */
export const TARGET_FIELDS = Object.keys(TARGET_FIELD_TYPES) as Array<keyof TargetConfig>;
export const PROXY_FIELDS = Object.keys(PROXY_FIELD_TYPES) as Array<keyof ProxyConfig>;
export const KINDS: ReadonlyArray<TargetConfig["kind"]> = ["local", "ssh", "docker", "podman", "exec"];

/**
 * How a problem names a target and its fields. The stack config's are `targets[i] (name).field`;
 * an inventory's name the file, the line and the host, and the field as that file spells it.
 */
export interface TargetPlaces {
    /** Where target i, or one of its fields ("proxy.hostKey" for its bastion's), is written. */
    at(i: number, field?: string): string;
    /** A field's name as that place writes it (ansible_user for user). */
    spelled(i: number, field: string): string;
}

const ANY_KIND: Array<keyof TargetConfig> = ["name", "kind", "codexHome", "owner", "uninstallCodexOnDestroy", "takeOver"];
/** The fields each kind takes (as the components' targets do); the others mean nothing to it. */
export const KIND_FIELDS: Record<TargetConfig["kind"], ReadonlyArray<keyof TargetConfig>> = {
    local: ANY_KIND,
    ssh: [...ANY_KIND, "host", "port", "user", "privateKeyPath", "agent", "hostKey", "insecureSkipHostKeyCheck", "proxy"],
    docker: [...ANY_KIND, "container", "user"],
    podman: [...ANY_KIND, "container", "user"],
    exec: [...ANY_KIND, "prefix"],
};
