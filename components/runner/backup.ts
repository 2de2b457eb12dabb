// What this tool keeps of the user's own, to give it back: the previous config.toml without our
// entry (config.toml.bak, known as ours by its hash in the record; any other .bak is the user's and
// never touched), and the user's own entry of the same name found by the first ensure (the saved
// file, which remove puts back). Ensure writes both and remove takes them back, so they live apart from
// either, with the one rule that decides whose a .bak is.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { removeEntry } from "../core/config-entry";
import { Changes } from "./files";
import { OwnerRecord, writeOwner } from "./owner-record";
import { CONFIG_MODE, lstatQuiet, Place } from "./place";
import type { RunnerResult } from "../protocol/types";

export const savedFile = (codexHome: string, name: string) => path.join(codexHome, `.codex-mcp-saved.${name}.toml`);

export function readSaved(codexHome: string, name: string): string | undefined {
    try {
        return fs.readFileSync(savedFile(codexHome, name), "utf8");
    } catch {
        return undefined;
    }
}

export interface PlannedBackup {
    /** The previous file without our entry; undefined when the .bak there is not ours. */
    content?: string;
    sha256?: string;
    /** The .bak does not hold it yet. */
    write: boolean;
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** Whether config.toml.bak is absent, the one this tool last wrote (by its hash in the record), or someone else's. */
function backupState(file: string, owner: OwnerRecord): "absent" | "ours" | "theirs" {
    const st = lstatQuiet(file);
    if (!st) return "absent";
    if (!st.isFile() || !owner.backup) return "theirs";
    return sha256(fs.readFileSync(file)) === owner.backup ? "ours" : "theirs";
}

/**
 * The previous file, kept when an ensure changes its content. Our own entry is left out of it: its
 * desired value lives in the stack, and its header (a credential) must not linger. A .bak this tool
 * did not write is the user's: it is never replaced, and no backup is written then.
 */
export function planBackup(place: Place, owner: OwnerRecord, prev: string, name: string): PlannedBackup | undefined {
    let content: string;
    try {
        content = removeEntry(prev, name);
    } catch {
        return undefined; // the previous file could not be parsed, so nothing was edited either
    }
    const state = backupState(place.backupPath, owner);
    if (state === "theirs") return { write: false };
    const hash = sha256(content);
    return { content, sha256: hash, write: state === "absent" || hash !== owner.backup };
}

export function writeBackup(place: Place, owner: OwnerRecord, planned: PlannedBackup, result: RunnerResult, changes: Changes): void {
    if (planned.content === undefined) {
        result.backupNotOurs = place.backupPath;
        return;
    }
    if (planned.write) {
        writeOwner(place.codexHome, owner, changes); // the hash first (see editFile in operations.ts)
        changes.replace(place.backupPath, planned.content, CONFIG_MODE);
    }
    result.backup = place.backupPath;
}

/**
 * A remove takes this tool's .bak away with the entry: config.toml is the user's own again (their
 * entry, if they had one, put back), so the backup of it has no purpose, and it may hold another
 * entry of ours that a later remove takes out of the file. A .bak of the user's is never touched,
 * nor ours while config.toml is gone (it is then the only copy of the user's settings).
 */
export function dropBackup(place: Place, owner: OwnerRecord, result: RunnerResult, changes: Changes): void {
    if (backupState(place.backupPath, owner) === "ours" && lstatQuiet(place.configPath)) {
        changes.remove(place.backupPath);
        result.backupRemoved = place.backupPath;
    }
    delete owner.backup;
}
