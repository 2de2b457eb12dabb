// The ownership record, $CODEX_HOME/.codex-mcp-owner.json: who manages which entry, the drift token,
// whether an entry was adopted, what was there before (config.toml's mode, the user's entry, the
// .bak's hash), and Codex and its sign-in when this tool installed or made them. Every step of a
// request reads or changes it, so it lives apart from them; it is written only through a run's Changes.
import * as fs from "fs";
import * as path from "path";
import { Changes } from "./files";
import { CONFIG_MODE } from "./place";
import type { SignInRecord } from "./signin";

export const OWNER_FILE = ".codex-mcp-owner.json";

export interface ServerRecord {
    token?: string;
    claim?: string;
    managedBy?: string;
    fleet?: string;
    shard?: string;
    /** The entry found before the first ensure is saved in savedFile() (backup.ts): remove puts it back. */
    saved?: boolean;
    /** config.toml's mode before an ensure set it to 0600 ("0644"): the last remove puts it back. */
    fileMode?: string;
    /** entryDigest of the entry the last ensure wrote: a file still holding it was not changed on the target. */
    applied?: string;
}

export interface OwnerRecord {
    servers: Record<string, ServerRecord>;
    codex?: { installedByUs: boolean; version?: string; prefix?: string };
    signIn?: SignInRecord;
    /** The key of the records' entry digests (random, this target's own). */
    key?: string;
    /**
     * The SHA-256 of the config.toml.bak this tool last wrote: a .bak with other bytes (or none
     * recorded) is someone else's and is never replaced or deleted. The hash lies beside the file
     * it is taken of, readable by the same account only, so it tells nothing the file does not.
     */
    backup?: string;
}

export function readOwner(codexHome: string): OwnerRecord {
    try {
        const r = JSON.parse(fs.readFileSync(path.join(codexHome, OWNER_FILE), "utf8")) as OwnerRecord;
        return {
            servers: r.servers ?? {},
            codex: r.codex,
            ...(r.signIn ? { signIn: r.signIn } : {}),
            ...(r.backup ? { backup: r.backup } : {}),
            ...(r.key ? { key: r.key } : {}),
        };
    } catch {
        return { servers: {} };
    }
}

/** The record as a run changes it: removed when empty, not written when it already says this. */
export function writeOwner(codexHome: string, record: OwnerRecord, changes: Changes): void {
    const file = path.join(codexHome, OWNER_FILE);
    const empty = !Object.keys(record.servers).length && !record.codex?.installedByUs && !record.signIn;
    const text = JSON.stringify(record, null, 2) + "\n";
    if (empty) changes.remove(file);
    else if (readQuiet(file) !== text) changes.replace(file, text, CONFIG_MODE);
}

export function readQuiet(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}

/** The ownership record keeps one drift token per server, and one for Codex managed alone. */
export const tokenKey = (name?: string) => name ?? "(codex)";
