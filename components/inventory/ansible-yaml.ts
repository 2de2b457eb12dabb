// Ansible's YAML inventory (also what `ansible-inventory --list --yaml` writes), read as its yaml
// plugin reads it: top-level keys are groups, each with hosts, vars and children; a host pattern's
// value is its variables. What Ansible would skip with a warning is a problem here. Pure.
import { AnsibleInventory } from "./ansible-inventory";
import { expandHostPattern } from "./ansible-hosts";
import { unknownName } from "../shared/closest";
import { Loc, problemAt } from "./types";
import type { LocatedDoc } from "./located-yaml";

const SECTIONS = ["hosts", "vars", "children"];

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** What the steps of one reading share. */
interface Reading {
    inv: AnsibleInventory;
    problems: string[];
    doc: LocatedDoc;
    file: string;
}

export function parseAnsibleYaml(root: Record<string, unknown>, doc: LocatedDoc, file: string): { inventory: AnsibleInventory; problems: string[] } {
    const r: Reading = { inv: new AnsibleInventory(file), problems: [], doc, file };
    if ("plugin" in root) {
        r.problems.push(
            problemAt(
                locOf(r, root, "plugin"),
                `the configuration of an inventory plugin (plugin: ${String(root.plugin)}), not an inventory; write its hosts out with: ansible-inventory -i ${file} --list --yaml > hosts.yml`,
            ),
        );
        return { inventory: r.inv, problems: r.problems };
    }
    for (const [name, body] of Object.entries(root)) readGroup(r, name, body, root);
    return { inventory: r.inv, problems: r.problems };
}

function locOf(r: Reading, map: object, key: string): Loc {
    const p = r.doc.keyPlace(map, key);
    return { file: r.file, line: p?.line ?? 1, column: p?.column };
}

/** A group, named under owner, with its hosts, vars and children (each child a group read the same way). */
function readGroup(r: Reading, name: string, body: unknown, owner: object): void {
    r.inv.group(name, locOf(r, owner, name));
    if (body === null || body === undefined) return;
    if (!isMapping(body))
        return void r.problems.push(
            problemAt(locOf(r, owner, name), `group ${name} must be a mapping of hosts, vars and children, got ${JSON.stringify(body)}`),
        );
    for (const [key, value] of Object.entries(body)) readSection(r, name, body, key, value);
}

/** One of a group's hosts, vars and children; any other key is a problem. */
function readSection(r: Reading, name: string, body: Record<string, unknown>, key: string, value: unknown): void {
    if (!SECTIONS.includes(key))
        return void r.problems.push(problemAt(locOf(r, body, key), unknownName("key", key, SECTIONS), undefined, `group ${name}: ${key}`));
    // A lone host or child given as a string is one without variables, as Ansible takes it.
    const section = typeof value === "string" ? { [value]: null } : value;
    if (section === null || section === undefined) return;
    if (!isMapping(section))
        return void r.problems.push(
            problemAt(
                locOf(r, body, key),
                `must be a mapping, got ${Array.isArray(section) ? "a list" : JSON.stringify(section)}`,
                undefined,
                `group ${name}: ${key}`,
            ),
        );
    const at = (k: string) => (section === value ? locOf(r, section, k) : locOf(r, body, key));
    if (key === "vars") for (const [k, v] of Object.entries(section)) r.inv.groups.get(name)!.vars.set(k, { value: v, loc: at(k) });
    if (key === "children") readChildren(r, name, section, at);
    if (key === "hosts") for (const [pattern, vars] of Object.entries(section)) readHosts(r, name, pattern, vars, at(pattern));
}

/** Each child a group of its own, and a child of the parent; one that would be its own ancestor is a problem. */
function readChildren(r: Reading, parent: string, section: Record<string, unknown>, at: (k: string) => Loc): void {
    for (const [child, childBody] of Object.entries(section)) {
        readGroup(r, child, childBody, section);
        const loop = r.inv.addChild(parent, child);
        if (loop) r.problems.push(problemAt(at(child), loop));
    }
}

/** The hosts a pattern stands for, in the group, each with the pattern's port and variables. */
function readHosts(r: Reading, groupName: string, pattern: string, vars: unknown, where: Loc): void {
    const expanded = expandHostPattern(pattern);
    if ("error" in expanded) return void r.problems.push(problemAt(where, expanded.error));
    if (vars !== null && vars !== undefined && !isMapping(vars))
        return void r.problems.push(problemAt(where, `a host's value is its variables, a mapping; got ${JSON.stringify(vars)}`, pattern));
    for (const name of expanded.hosts) {
        const h = r.inv.host(name, where, groupName);
        if (expanded.port !== undefined) h.vars.set("ansible_port", { value: expanded.port, loc: where });
        for (const [k, v] of Object.entries(vars ?? {})) h.vars.set(k, { value: v, loc: locOf(r, vars as object, k) });
    }
}
