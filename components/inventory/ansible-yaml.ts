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

export function parseAnsibleYaml(root: Record<string, unknown>, doc: LocatedDoc, file: string): { inventory: AnsibleInventory; problems: string[] } {
    const inv = new AnsibleInventory(file);
    const problems: string[] = [];
    const loc = (map: object, key: string): Loc => {
        const p = doc.keyPlace(map, key);
        return { file, line: p?.line ?? 1, column: p?.column };
    };
    if ("plugin" in root) {
        problems.push(
            problemAt(
                loc(root, "plugin"),
                `the configuration of an inventory plugin (plugin: ${String(root.plugin)}), not an inventory; write its hosts out with: ansible-inventory -i ${file} --list --yaml > hosts.yml`,
            ),
        );
        return { inventory: inv, problems };
    }
    const group = (name: string, body: unknown, owner: object) => {
        inv.group(name, loc(owner, name));
        if (body === null || body === undefined) return;
        if (!isMapping(body))
            return void problems.push(problemAt(loc(owner, name), `group ${name} must be a mapping of hosts, vars and children, got ${JSON.stringify(body)}`));
        for (const [key, value] of Object.entries(body)) {
            if (!SECTIONS.includes(key)) {
                problems.push(problemAt(loc(body, key), unknownName("key", key, SECTIONS), undefined, `group ${name}: ${key}`));
                continue;
            }
            // A lone host or child given as a string is one without variables, as Ansible takes it.
            const section = typeof value === "string" ? { [value]: null } : value;
            if (section === null || section === undefined) continue;
            if (!isMapping(section)) {
                problems.push(
                    problemAt(
                        loc(body, key),
                        `must be a mapping, got ${Array.isArray(section) ? "a list" : JSON.stringify(section)}`,
                        undefined,
                        `group ${name}: ${key}`,
                    ),
                );
                continue;
            }
            const at = (k: string) => (section === value ? loc(section, k) : loc(body, key));
            if (key === "vars") for (const [k, v] of Object.entries(section)) inv.groups.get(name)!.vars.set(k, { value: v, loc: at(k) });
            if (key === "children") {
                for (const [child, childBody] of Object.entries(section)) {
                    group(child, childBody, section);
                    const loop = inv.addChild(name, child);
                    if (loop) problems.push(problemAt(at(child), loop));
                }
            }
            if (key === "hosts") for (const [pattern, vars] of Object.entries(section)) hosts(name, pattern, vars, at(pattern));
        }
    };
    const hosts = (groupName: string, pattern: string, vars: unknown, where: Loc) => {
        const expanded = expandHostPattern(pattern);
        if ("error" in expanded) return void problems.push(problemAt(where, expanded.error));
        if (vars !== null && vars !== undefined && !isMapping(vars))
            return void problems.push(problemAt(where, `a host's value is its variables, a mapping; got ${JSON.stringify(vars)}`, pattern));
        for (const name of expanded.hosts) {
            const h = inv.host(name, where, groupName);
            if (expanded.port !== undefined) h.vars.set("ansible_port", { value: expanded.port, loc: where });
            for (const [k, v] of Object.entries(vars ?? {})) h.vars.set(k, { value: v, loc: loc(vars as object, k) });
        }
    };
    for (const [name, body] of Object.entries(root)) group(name, body, root);
    return { inventory: inv, problems };
}
