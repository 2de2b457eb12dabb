// What every inventory format reads into: targets that remember where each of their values is
// written, and problems that name the file, the line, the host and the field. Pure.
import * as path from "path";
import type { TargetConfig, TargetPlaces } from "./target-config";

/** A place in an inventory or vars file; the file as the messages show it. */
export interface Loc {
    file: string;
    line: number;
    column?: number;
}

/** One file next to the inventory (group_vars/web.yml), its path relative to the inventory's directory. */
export interface VarsFile {
    path: string;
    /** Undefined for a directory. */
    text?: string;
}

/** An inventory as the parsers take it: read by the caller, nothing read here. */
export interface InventorySource {
    /** The inventory file as the messages name it. */
    file: string;
    text: string;
    /** The inventory's directory (absolute): key files are relative to it, and group_vars/ and host_vars/ are in it. */
    dir: string;
    /** group_vars/** and host_vars/** as found there (none when absent). */
    varsFiles: VarsFile[];
    /** The home directory a leading ~/ in a key file's path stands for. */
    home: string;
}

export interface InventoryTarget {
    /** The host's name in the inventory. */
    host: string;
    target: TargetConfig;
    /** Where the host is defined (its first line). */
    origin: Loc;
    /** Where each field's value is written ("proxy.hostKey" for the bastion's). */
    from: Record<string, Loc>;
    /** How the file spells a field (ansible_user for user); the field's own name when absent. */
    spelled: Record<string, string>;
    /** The inventory groups the host is in, their ancestors included (a shard may select by group). */
    groups: string[];
}

export type InventoryFormat = "codex-connect" | "ansible-ini" | "ansible-yaml";

export interface Inventory {
    format?: InventoryFormat;
    targets: InventoryTarget[];
    /** Every group the inventory defines. */
    groups: string[];
    problems: string[];
}

export function placeOf(loc: Loc): string {
    return `${loc.file}:${loc.line}${loc.column ? `:${loc.column}` : ""}`;
}

/** "hosts.ini:7: host web1: ansible_port: must be 1-65535" */
export function problemAt(loc: Loc, message: string, host?: string, field?: string): string {
    return `${placeOf(loc)}: ${host !== undefined ? `host ${host}: ` : ""}${field ? `${field}: ` : ""}${message}`;
}

/** How the stack's validation names an inventory's targets: by the line each value is on. */
export function inventoryPlaces(targets: InventoryTarget[]): TargetPlaces {
    return {
        at: (i, field) => {
            const t = targets[i];
            // A bastion's missing field is the bastion's problem: at the line that names the bastion.
            const loc = (field && (t.from[field] ?? (field.startsWith("proxy.") ? t.from.proxy : undefined))) || t.origin;
            return `${placeOf(loc)}: host ${t.host}${field ? `: ${t.spelled[field] ?? field}` : ""}`;
        },
        spelled: (i, field) => targets[i].spelled[field] ?? field.slice(field.lastIndexOf(".") + 1),
    };
}

/** A key file's path as written in an inventory: ~/ is the home directory, a relative one is the inventory's directory's. */
export function keyPath(written: string, src: Pick<InventorySource, "dir" | "home">): string {
    if (written === "~" || written.startsWith("~/")) return path.join(src.home, written.slice(1));
    return path.resolve(src.dir, written);
}
