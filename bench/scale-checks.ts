// What each phase must have done on the hosts, checked on the hosts themselves (the same checks for
// every tool, beside each tool's own account of its changes): a first run leaves the entry, with the
// right credential, on every host and installs no Codex of its own; a no-op leaves every config.toml
// as it was (bytes, inode and mtime); a repair puts back the drifted host's file and touches no other.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { configOf, ScaleHost } from "./scale-fleet";

export interface FileState {
    exists: boolean;
    ino?: number;
    mtimeNs?: bigint;
    sha?: string;
}

export type Snapshot = Map<string, FileState>;

export function snapshot(hosts: ScaleHost[]): Snapshot {
    const s: Snapshot = new Map();
    for (const h of hosts) {
        const file = configOf(h);
        try {
            const st = fs.statSync(file, { bigint: true });
            s.set(h.name, { exists: true, ino: Number(st.ino), mtimeNs: st.mtimeNs, sha: createHash("sha256").update(fs.readFileSync(file)).digest("hex") });
        } catch {
            s.set(h.name, { exists: false });
        }
    }
    return s;
}

const same = (a?: FileState, b?: FileState) => !!a && !!b && a.exists === b.exists && a.ino === b.ino && a.mtimeNs === b.mtimeNs && a.sha === b.sha;

const some = (names: string[]) => `${names.slice(0, 5).join(", ")}${names.length > 5 ? ` and ${names.length - 5} more` : ""}`;

/** No host's config.toml changed, except `except`'s. */
export function expectUnchanged(what: string, before: Snapshot, after: Snapshot, except?: string): void {
    const changed = [...before.keys()].filter((h) => h !== except && !same(before.get(h), after.get(h)));
    if (changed.length) throw new Error(`${what}: config.toml changed on ${changed.length} host(s) that it had to leave alone: ${some(changed)}`);
}

/** The entry (URL and the Basic credential) on every host, and no Codex installed into any account. */
export function expectConverged(what: string, hosts: ScaleHost[], url: string, basic: string): void {
    const bad: string[] = [];
    const ownCodex: string[] = [];
    for (const h of hosts) {
        let text = "";
        try {
            text = fs.readFileSync(configOf(h), "utf8");
        } catch {
            /* no file */
        }
        if (!text.includes("[mcp_servers.connectai]") || !text.includes(`url = "${url}"`) || !text.includes(basic)) bad.push(h.name);
        const local = path.join(h.user.home, ".local");
        if (fs.existsSync(path.join(local, "bin", "codex")) || fs.existsSync(path.join(local, "lib", "node_modules", "@openai", "codex")))
            ownCodex.push(h.name);
    }
    if (bad.length) throw new Error(`${what}: no converged entry on ${bad.length} host(s): ${some(bad)}`);
    if (ownCodex.length)
        throw new Error(`${what}: Codex installed into the account on ${ownCodex.length} host(s) (the machine-wide one was there): ${some(ownCodex)}`);
}

/** Edits the entry's URL on one host (drift a repair must undo). */
export function drift(h: ScaleHost, url: string, drifted: string): void {
    const text = fs.readFileSync(configOf(h), "utf8");
    if (!text.includes(url)) throw new Error(`${h.name}: no entry to drift`);
    fs.writeFileSync(configOf(h), text.replace(url, drifted));
}

/** The drifted host's file has the bytes it had before the drift. */
export function expectRestored(what: string, h: ScaleHost, beforeDrift: Snapshot, after: Snapshot): void {
    if (after.get(h.name)?.sha !== beforeDrift.get(h.name)?.sha) throw new Error(`${what}: ${h.name}'s config.toml is not what it was before the drift`);
}
