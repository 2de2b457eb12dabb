// A fleet's inventory file, whatever its format, as targets: this tool's own YAML/JSON format, or
// an Ansible inventory (INI or YAML) with its group_vars/ and host_vars/. The format is found from
// the text, not the file's name. Every problem names the file, the line and the host. Pure: the
// caller reads the files (inventory/index.ts).
import { parseAnsibleIni } from "./ansible-ini";
import type { AnsibleInventory } from "./ansible-inventory";
import { namespaceProblem } from "./ansible-namespace";
import { ansibleTarget } from "./ansible-target";
import { hostVars, VarsFiles } from "./ansible-vars";
import { parseAnsibleYaml } from "./ansible-yaml";
import { isOwnInventory, parseOwnInventory } from "./own-format";
import { Inventory, InventorySource, InventoryTarget, problemAt } from "./types";
import { loadLocated } from "./located-yaml";

/**
 * INI or YAML, from the first line that is not blank or a comment: YAML (and JSON) starts with
 * `{`, `---`, a `%` directive, a `- ` item or a `key:`; anything else (a [section], a host line)
 * is INI.
 */
export function syntaxOf(text: string): "ini" | "yaml" {
    const first = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .find((l) => l && !l.startsWith("#") && !l.startsWith(";"));
    if (first === undefined) return "yaml";
    if (/^(\{|---|%|- |-$)/.test(first)) return "yaml";
    return /^("[^"]*"|'[^']*'|[^\s"'#[][^\s]*?)\s*:(\s|$)/.test(first) ? "yaml" : "ini";
}

export function parseInventory(src: InventorySource): Inventory {
    const inventory = read(src);
    return { ...inventory, problems: compactProblems(inventory.problems) };
}

function read(src: InventorySource): Inventory {
    if (syntaxOf(src.text) === "ini") {
        const { inventory, problems } = parseAnsibleIni(src.text, src.file);
        return ansibleTargets(inventory, problems, src, "ansible-ini");
    }
    const doc = loadLocated(src.text);
    if (!doc.ok)
        return {
            targets: [],
            groups: [],
            problems: [problemAt({ file: src.file, line: doc.place?.line ?? 1, column: doc.place?.column }, `not valid YAML: ${doc.message}`)],
        };
    const root = doc.value;
    if (root === null || root === undefined)
        return { targets: [], groups: [], problems: [problemAt({ file: src.file, line: 1 }, "no hosts: the file is empty")] };
    if (typeof root !== "object" || Array.isArray(root)) {
        return {
            targets: [],
            groups: [],
            problems: [
                problemAt(
                    { file: src.file, line: 1 },
                    `must be a mapping (this tool's defaults/groups/hosts, or Ansible's groups such as all:), got ${Array.isArray(root) ? "a list" : JSON.stringify(root)}`,
                ),
            ],
        };
    }
    if (isOwnInventory(root)) return parseOwnInventory(root, doc, src);
    const { inventory, problems } = parseAnsibleYaml(root as Record<string, unknown>, doc, src.file);
    return ansibleTargets(inventory, problems, src, "ansible-yaml");
}

function ansibleTargets(inv: AnsibleInventory, problems: string[], src: InventorySource, format: "ansible-ini" | "ansible-yaml"): Inventory {
    inv.reconcile();
    const files = new VarsFiles(src);
    const targets: InventoryTarget[] = [];
    for (const host of inv.hosts.values()) {
        const vars = hostVars(inv, host, files);
        for (const [name, v] of vars) {
            const problem = namespaceProblem(name);
            if (problem) problems.push(problemAt(v.loc, problem, host.name, name));
        }
        const made = ansibleTarget(host.name, host.loc, vars, src);
        problems.push(...made.problems);
        if (made.target) targets.push({ ...made.target, groups: ["all", ...inv.groupsOf(host)] });
    }
    problems.push(...files.problems);
    if (!targets.length && !problems.length)
        problems.push(
            problemAt(
                { file: src.file, line: 1 },
                inv.hosts.size ? "no hosts to provision: every host sets codex_connect_skip" : "no hosts: the inventory lists none",
            ),
        );
    return { format, targets, groups: [...inv.groups.keys()], problems };
}

const SHOWN_HOSTS = 3;

/**
 * Problems that differ only by host (a group's variable, wrong for each of its hosts) as one line:
 * "group_vars/web.yml:3: hosts web1, web2, web3 and 97 more: ansible_port: ...". Order is kept.
 */
export function compactProblems(problems: string[]): string[] {
    const groups = new Map<string, string[]>();
    const order: string[] = [];
    for (const p of problems) {
        const m = /^(.*?): host (\S+): (.*)$/.exec(p);
        const key = m ? `${m[1]}\u0000${m[3]}` : p;
        if (!groups.has(key)) {
            groups.set(key, []);
            order.push(key);
        }
        if (m) groups.get(key)!.push(m[2]);
    }
    return order.map((key) => {
        const hosts = [...new Set(groups.get(key)!)];
        if (!hosts.length) return key;
        const [where, what] = key.split("\u0000");
        if (hosts.length === 1) return `${where}: host ${hosts[0]}: ${what}`;
        const more = hosts.length - SHOWN_HOSTS;
        return `${where}: hosts ${hosts.slice(0, SHOWN_HOSTS).join(", ")}${more > 0 ? ` and ${more} more` : ""}: ${what}`;
    });
}
