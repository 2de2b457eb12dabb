// The inventory: a fleet's targets from the files a platform team already has, read in the Pulumi
// program (the package's `codex-connect-pulumi/inventory`). This file is the edge: it reads the files
// the stack config names (the inventory, its group_vars/ and host_vars/, a known_hosts file) and
// hands them to the pure parsers beside it: the format found from the text (formats.ts), this
// tool's own (own-format.ts) or Ansible's (ansible-*.ts), known_hosts (known-hosts.ts), the
// stack's shard (shard.ts), a target's fields (target-config.ts). No Pulumi, no I/O but here.
import * as fs from "fs";
import * as path from "path";
import { compactProblems, parseInventory } from "./formats";
import { inventoryPlaces, InventorySource, VarsFile } from "./types";
import { parseKnownHosts, withKnownHosts } from "./known-hosts";
import { inShard, parseShard, unknownGroups } from "./shard";
import type { TargetConfig, TargetPlaces } from "./target-config";

export { compactProblems } from "./formats";

/** More files than a group_vars/ or host_vars/ directory holds: something else is there. */
const MAX_VARS_FILES = 20_000;
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface FleetTargets {
    /** Every target of the fleet (validated as a whole, in every shard). */
    targets: TargetConfig[];
    /** The ones this stack manages: its shard's, or all of them. */
    selected: TargetConfig[];
    /** The shard as the ownership records keep it, when one is set. */
    shard?: string;
    /** The fleet's name in the ownership records: sibling shards of one fleet hand hosts over. */
    fleet: string;
    /** How problems name the targets; undefined for the stack config's own. */
    places?: TargetPlaces;
    /** The known_hosts file as messages name it, when one is set. */
    knownHosts?: string;
    problems: string[];
}

export interface FleetTargetsArgs {
    /** The stack config's targets. */
    configured: TargetConfig[];
    /** The stack config's inventory and knownHosts, as written there. */
    inventory?: string;
    knownHosts?: string;
    /** The stack config's shard ("3/16", "group:web"). */
    shard?: string;
    /** What a relative path in the stack config is relative to. */
    projectDir: string;
    home: string;
}

/**
 * The fleet: the inventory's hosts, or the stack config's targets (one of the two), or this
 * machine when neither is set; with host keys from the known_hosts file where they pin none.
 */
export function fleetTargets(a: FleetTargetsArgs): FleetTargets {
    const problems: string[] = [];
    let targets = a.configured.length ? a.configured : [{ name: "local", kind: "local" } as TargetConfig];
    let places: TargetPlaces | undefined;
    let groups: { known: Set<string>; of: string[][] } | undefined;
    if (a.inventory) {
        if (a.configured.length)
            problems.push("inventory: set together with targets; the fleet comes from one of them (pulumi config rm targets, or pulumi config rm inventory)");
        const src = readInventory(a.inventory, a.projectDir, a.home);
        if ("error" in src) problems.push(src.error);
        else {
            const inv = parseInventory(src);
            problems.push(...inv.problems);
            targets = inv.targets.map((t) => t.target);
            places = inventoryPlaces(inv.targets);
            groups = { known: new Set(inv.groups), of: inv.targets.map((t) => t.groups) };
        }
    }
    if (a.knownHosts) {
        const text = readText(a.knownHosts, a.projectDir, a.home);
        if ("error" in text) problems.push(`knownHosts: ${text.error}`);
        else {
            const parsed = parseKnownHosts(text.text, a.knownHosts);
            problems.push(...parsed.problems);
            targets = withKnownHosts(targets, parsed.knownHosts);
        }
    }
    const shard = selectShard(a, targets, groups, problems);
    return {
        targets,
        selected: shard.selected,
        shard: shard.text,
        fleet: a.inventory ?? "targets",
        places,
        knownHosts: a.knownHosts,
        problems: compactProblems(problems),
    };
}

/** The shard's targets; every target when no shard is set. */
function selectShard(
    a: FleetTargetsArgs,
    targets: TargetConfig[],
    groups: { known: Set<string>; of: string[][] } | undefined,
    problems: string[],
): { selected: TargetConfig[]; text?: string } {
    if (a.shard === undefined) return { selected: targets };
    const spec = parseShard(a.shard);
    if ("problem" in spec) {
        problems.push(`shard: ${spec.problem}`);
        return { selected: [] };
    }
    if (!a.inventory && !a.configured.length)
        problems.push("shard: set without targets or an inventory: there is nothing to divide (the default is this machine alone)");
    if (spec.groups.length && !groups)
        problems.push("shard: group:NAME selects an inventory's group; these targets come from the stack config, which has no groups");
    const missing = groups ? unknownGroups(spec, groups.known) : [];
    if (missing.length) problems.push(`shard: ${a.inventory} has no group ${missing.join(", ")} (it has ${[...groups!.known].sort().join(", ") || "none"})`);
    return { selected: targets.filter((t, i) => inShard(spec, t.name, groups?.of[i] ?? [])), text: spec.text };
}

function resolve(written: string, projectDir: string, home: string): string {
    if (written === "~" || written.startsWith("~/")) return path.join(home, written.slice(1));
    return path.resolve(projectDir, written);
}

function readText(written: string, projectDir: string, home: string): { text: string; file: string } | { error: string } {
    const file = resolve(written, projectDir, home);
    try {
        const size = fs.statSync(file).size;
        if (size > MAX_FILE_BYTES) return { error: `${written} is ${size} bytes, more than an inventory holds (${MAX_FILE_BYTES})` };
        return { text: fs.readFileSync(file, "utf8"), file };
    } catch (e) {
        return { error: `cannot read ${written}: ${(e as Error).message}` };
    }
}

/** The inventory and the group_vars/ and host_vars/ beside it. */
export function readInventory(written: string, projectDir: string, home: string): InventorySource | { error: string } {
    const read = readText(written, projectDir, home);
    if ("error" in read) return { error: `inventory: ${read.error} (the path is relative to the project directory, or absolute)` };
    const dir = path.dirname(read.file);
    const varsFiles: VarsFile[] = [];
    try {
        for (const sub of ["group_vars", "host_vars"]) walk(dir, sub, varsFiles);
    } catch (e) {
        return { error: `inventory: ${(e as Error).message}` };
    }
    return { file: path.normalize(written), text: read.text, dir, varsFiles, home };
}

function walk(root: string, rel: string, out: VarsFile[]): void {
    const full = path.join(root, rel);
    let stat: fs.Stats;
    try {
        stat = fs.statSync(full);
    } catch {
        return;
    }
    if (out.length >= MAX_VARS_FILES) throw new Error(`more than ${MAX_VARS_FILES} files in group_vars/ and host_vars/ beside the inventory`);
    if (stat.isDirectory()) {
        out.push({ path: rel });
        for (const name of fs.readdirSync(full).sort()) walk(root, `${rel}/${name}`, out);
    } else if (stat.isFile()) {
        if (stat.size > MAX_FILE_BYTES) throw new Error(`${rel} is ${stat.size} bytes, more than a vars file holds (${MAX_FILE_BYTES})`);
        out.push({ path: rel, text: fs.readFileSync(full, "utf8") });
    }
}
