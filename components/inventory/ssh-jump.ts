// The bastion an ssh command line names: -J user@host:port, or -o ProxyJump=... (the first one
// given wins, as ssh takes the first value of an option). ProxyCommand cannot be followed by an SSH
// client that runs no commands of its own, so it is refused rather than ignored. Pure.
import { shlexSplit } from "./ansible-literal";

export interface Jump {
    host: string;
    port?: number;
    user: string;
}

/** The jump host in ssh arguments (undefined when none is named, or ProxyJump=none), or why it cannot be used. */
export function jumpInArgs(args: string): { jump?: Jump } | { error: string } {
    const tokens = shlexSplit(args);
    if (!Array.isArray(tokens)) return { error: `cannot split the arguments: ${tokens.error}` };
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        let option: string | undefined;
        if (t === "-J") return parseJump(tokens[i + 1] ?? "");
        if (t.startsWith("-J")) return parseJump(t.slice(2));
        if (t === "-o") option = tokens[++i] ?? "";
        else if (t.startsWith("-o")) option = t.slice(2);
        if (option === undefined) continue;
        const m = /^\s*(\w+)\s*(?:=|\s)\s*(.*)$/.exec(option);
        const key = m?.[1].toLowerCase();
        if (key === "proxyjump") return parseJump(m![2].trim());
        if (key === "proxycommand")
            return {
                error: "ProxyCommand is not supported (the SSH client here runs no local command); name the bastion with -J user@host:port or -o ProxyJump=user@host:port",
            };
    }
    return {};
}

/** [ssh://]user@host[:port], user@[v6]:port; one hop only; none for none. */
export function parseJump(spec: string): { jump?: Jump } | { error: string } {
    if (spec === "none") return {};
    if (!spec) return { error: "ProxyJump without a host" };
    if (spec.includes(",")) return { error: `ProxyJump ${spec}: one bastion only (a chain of jumps is not supported)` };
    const m = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]]+\]|[^:\s[\]]+)(?::(\d+))?$/.exec(spec);
    if (!m) return { error: `ProxyJump ${spec}: expected user@host or user@host:port` };
    const [, user, rawHost, portText] = m;
    if (!user) return { error: `ProxyJump ${spec}: name the bastion's account too (user@${spec})` };
    const port = portText === undefined ? undefined : Number(portText);
    if (port !== undefined && !(port >= 1 && port <= 65535)) return { error: `ProxyJump ${spec}: port must be 1-65535` };
    return { jump: { host: rawHost.replace(/^\[|\]$/g, ""), port, user } };
}
