// An Ansible inventory as Ansible holds it once parsed: groups with their variables, children and
// hosts, hosts with their own variables, each variable with the line it is written on. Both the INI
// and the YAML parser build one; inventory/ansible-vars.ts merges it per host. Pure.
import type { Loc } from "./types";

export interface Var {
    value: unknown;
    loc: Loc;
}

export interface Group {
    name: string;
    loc: Loc;
    vars: Map<string, Var>;
    parents: string[];
    children: string[];
}

export interface Host {
    name: string;
    /** Where the host is first listed. */
    loc: Loc;
    vars: Map<string, Var>;
    /** The groups it is listed in (not their parents). */
    groups: string[];
}

export class AnsibleInventory {
    readonly groups = new Map<string, Group>();
    readonly hosts = new Map<string, Host>();

    constructor(file: string) {
        // As Ansible starts every inventory: all, and ungrouped inside it.
        const top = { file, line: 1 };
        this.group("all", top);
        this.group("ungrouped", top);
        this.addChild("all", "ungrouped");
    }

    group(name: string, loc: Loc): Group {
        let g = this.groups.get(name);
        if (!g) this.groups.set(name, (g = { name, loc, vars: new Map(), parents: [], children: [] }));
        return g;
    }

    host(name: string, loc: Loc, group: string): Host {
        let h = this.hosts.get(name);
        if (!h) this.hosts.set(name, (h = { name, loc, vars: new Map(), groups: [] }));
        if (!h.groups.includes(group)) h.groups.push(group);
        return h;
    }

    /** Makes child a child group of parent; the reason it cannot be when that would be a loop. */
    addChild(parent: string, child: string): string | undefined {
        if (parent === child) return `group ${child} cannot be a child of itself`;
        if (this.ancestors(parent).has(child)) return `group ${child} is already an ancestor of ${parent}: making it ${parent}'s child would be a loop`;
        const p = this.groups.get(parent)!;
        const c = this.groups.get(child)!;
        if (!p.children.includes(child)) p.children.push(child);
        if (!c.parents.includes(parent)) c.parents.push(parent);
        return undefined;
    }

    ancestors(name: string): Set<string> {
        const out = new Set<string>();
        const walk = (n: string) => {
            for (const p of this.groups.get(n)?.parents ?? []) {
                if (!out.has(p)) {
                    out.add(p);
                    walk(p);
                }
            }
        };
        walk(name);
        return out;
    }

    /**
     * What Ansible does once a source is read: a group without a parent goes under all, and
     * ungrouped holds exactly the hosts that are in no other group.
     */
    reconcile(): void {
        for (const g of this.groups.values()) if (g.name !== "all" && !g.parents.length) this.addChild("all", g.name);
        for (const h of this.hosts.values()) {
            const others = h.groups.filter((g) => g !== "all" && g !== "ungrouped");
            h.groups = others.length ? others : ["ungrouped"];
        }
    }

    /** The longest path from all: a group nested deeper is more specific. */
    depth(name: string, memo = new Map<string, number>()): number {
        if (name === "all") return 0;
        const known = memo.get(name);
        if (known !== undefined) return known;
        const d = Math.max(0, ...(this.groups.get(name)?.parents ?? []).map((p) => this.depth(p, memo) + 1));
        memo.set(name, d);
        return d;
    }

    /** A group's ansible_group_priority (default 1): among groups as deep, the higher one wins. */
    priority(name: string): number {
        const v = this.groups.get(name)?.vars.get("ansible_group_priority")?.value;
        const n = typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
        return typeof n === "number" && Number.isInteger(n) ? n : 1;
    }

    /**
     * The host's groups and all their ancestors but all, in the order their variables apply (the
     * last wins): by depth, then priority, then name, as Ansible sorts them.
     */
    groupsOf(host: Host): string[] {
        const all = new Set<string>();
        for (const g of host.groups) {
            all.add(g);
            for (const a of this.ancestors(g)) all.add(a);
        }
        all.delete("all");
        const memo = new Map<string, number>();
        return [...all].sort((a, b) => this.depth(a, memo) - this.depth(b, memo) || this.priority(a) - this.priority(b) || (a < b ? -1 : a > b ? 1 : 0));
    }
}
