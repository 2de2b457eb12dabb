// A host's variables as Ansible merges them, each with the line it comes from. From the lowest to
// the highest (the later wins, a variable replaced as a whole):
//   1. the all group's variables in the inventory file
//   2. the host's other groups' variables in the inventory file, in group order
//   3. group_vars/all
//   4. group_vars/<group> for the host's other groups, in group order
//   5. the host's own variables in the inventory file (a host listed twice: the later line wins)
//   6. host_vars/<host>
// Group order is Ansible's: parents before children (by depth), then ansible_group_priority, then
// name; so of two groups as deep, the one later in the alphabet wins. Pure: the files come read.
import * as path from "path";
import type { AnsibleInventory, Host, Var } from "./ansible-inventory";
import { InventorySource, Loc, problemAt, VarsFile } from "./types";
import { loadLocated } from "./located-yaml";

const EXTENSIONS = [".yml", ".yaml", ".json"];

/** The variables of group_vars/ and host_vars/ files, each file parsed once; its problems said once. */
export class VarsFiles {
    private readonly byPath = new Map<string, VarsFile>();
    private readonly parsed = new Map<string, Map<string, Var>>();
    readonly problems: string[] = [];

    constructor(private readonly src: InventorySource) {
        for (const f of src.varsFiles) this.byPath.set(f.path, f);
    }

    /** group_vars/NAME, or NAME.yml, .yaml, .json (the first found), or every file in the directory NAME, in order. */
    of(dir: "group_vars" | "host_vars", name: string): Map<string, Var> {
        const out = new Map<string, Var>();
        for (const file of this.find(`${dir}/${name}`)) for (const [k, v] of this.load(file)) out.set(k, v);
        return out;
    }

    private find(base: string): string[] {
        for (const candidate of [base, ...EXTENSIONS.map((e) => base + e)]) {
            const f = this.byPath.get(candidate);
            if (f) return f.text === undefined ? this.filesIn(candidate) : [candidate];
        }
        return [];
    }

    /** Ansible's order in a vars directory: sorted, hidden and backup (~) files left out, subdirectories with an extension too. */
    private filesIn(dir: string): string[] {
        const children = [...this.byPath.values()].filter((f) => path.posix.dirname(f.path) === dir).sort((a, b) => (a.path < b.path ? -1 : 1));
        return children.flatMap((f) => {
            const base = path.posix.basename(f.path);
            const ext = path.posix.extname(base);
            if (base.startsWith(".") || base.endsWith("~")) return [];
            if (f.text === undefined) return ext ? [] : this.filesIn(f.path);
            return !ext || EXTENSIONS.includes(ext) ? [f.path] : [];
        });
    }

    private load(rel: string): Map<string, Var> {
        const cached = this.parsed.get(rel);
        if (cached) return cached;
        const vars = new Map<string, Var>();
        this.parsed.set(rel, vars);
        const file = path.join(path.dirname(this.src.file), rel);
        const text = this.byPath.get(rel)!.text!;
        const top: Loc = { file, line: 1 };
        if (text.startsWith("$ANSIBLE_VAULT;")) {
            this.problems.push(
                problemAt(
                    top,
                    "is encrypted with ansible-vault; this tool reads connection settings as written (keep secrets in a file of their own, or in the stack config)",
                ),
            );
            return vars;
        }
        const doc = loadLocated(text);
        if (!doc.ok) {
            this.problems.push(problemAt({ file, line: doc.place?.line ?? 1, column: doc.place?.column }, `not valid YAML: ${doc.message}`));
            return vars;
        }
        if (doc.value === null || doc.value === undefined) return vars;
        if (typeof doc.value !== "object" || Array.isArray(doc.value)) {
            this.problems.push(problemAt(top, `must be a mapping of variables, got ${Array.isArray(doc.value) ? "a list" : JSON.stringify(doc.value)}`));
            return vars;
        }
        const map = doc.value as Record<string, unknown>;
        for (const [k, v] of Object.entries(map)) {
            const p = doc.keyPlace(map, k);
            vars.set(k, { value: v, loc: { file, line: p?.line ?? 1, column: p?.column } });
        }
        return vars;
    }
}

/** The host's variables, merged in Ansible's order of precedence (above). */
export function hostVars(inv: AnsibleInventory, host: Host, files: VarsFiles): Map<string, Var> {
    const groups = inv.groupsOf(host);
    const layers: Array<Map<string, Var>> = [
        inv.groups.get("all")!.vars,
        ...groups.map((g) => inv.groups.get(g)!.vars),
        files.of("group_vars", "all"),
        ...groups.map((g) => files.of("group_vars", g)),
        host.vars,
        files.of("host_vars", host.name),
    ];
    const out = new Map<string, Var>();
    for (const layer of layers) for (const [k, v] of layer) out.set(k, v);
    return out;
}
