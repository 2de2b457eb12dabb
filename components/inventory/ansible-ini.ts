// Ansible's INI inventory, read as its ini plugin reads it: [group], [group:vars], [group:children],
// hosts before any section in ungrouped, host lines split as shlex does, values as Python literals.
// Every line that is not what its section takes is a problem naming the file and the line. Pure.
import { AnsibleInventory } from "./ansible-inventory";
import { expandHostPattern } from "./ansible-hosts";
import { pythonValue, shlexSplit } from "./ansible-literal";
import { Loc, problemAt } from "./types";

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

/** Where the reading is: the section's group and what its lines hold, and the groups named before any section defines them. */
interface Reading {
    inv: AnsibleInventory;
    problems: string[];
    /** A group named only in [x:vars] or as a child: declared by a [x] or [x:children] section later, or a problem. */
    pending: Map<string, { loc: Loc; state: "vars" | "children"; parent?: string }>;
    /** The groups a [x] or [x:children] section defines, and the two every inventory has. */
    declared: Set<string>;
    group: string;
    /** "skip": the lines of a section whose type is a problem already. */
    state: "hosts" | "vars" | "children" | "skip";
}

export function parseAnsibleIni(text: string, file: string): { inventory: AnsibleInventory; problems: string[] } {
    const r: Reading = {
        inv: new AnsibleInventory(file),
        problems: [],
        pending: new Map(),
        declared: new Set(["all", "ungrouped"]),
        group: "ungrouped",
        state: "hosts",
    };
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (!line || line.startsWith("#") || line.startsWith(";")) return;
        const at = (column?: number): Loc => ({ file, line: i + 1, column });
        const column = (s: string) => (raw.indexOf(s) >= 0 ? raw.indexOf(s) + 1 : undefined);
        readLine(r, line, at, column);
    });
    refuseUndefinedGroups(r);
    return { inventory: r.inv, problems: r.problems };
}

/** A line that is not blank or a comment: a section's header, or one of the lines its section holds. */
function readLine(r: Reading, line: string, at: (column?: number) => Loc, column: (s: string) => number | undefined): void {
    const section = SECTION.exec(line);
    if (section) return startSection(r, section[1], section[2] ?? "hosts", at);
    if (line.startsWith("[") && line.endsWith("]"))
        return void r.problems.push(problemAt(at(), `invalid section ${line}: a section is [group], [group:vars] or [group:children], with no spaces`));
    if (r.state === "skip") return;
    if (r.state === "hosts") return hostLine(r.inv, line, r.group, at, column, r.problems);
    if (r.state === "vars") return varLine(r, line, at, column);
    childLine(r, line, at);
}

/** [group], [group:vars] or [group:children]: the lines up to the next section are that group's hosts, variables or children. */
function startSection(r: Reading, group: string, kind: string, at: (column?: number) => Loc): void {
    if (kind !== "hosts" && kind !== "vars" && kind !== "children") {
        r.problems.push(problemAt(at(), `section [${group}:${kind}] has an unknown type ${kind} (the types are hosts, vars, children)`));
        r.state = "skip";
        return;
    }
    r.group = group;
    r.state = kind;
    r.inv.group(group, at());
    if (kind === "vars") {
        if (!r.declared.has(group) && !r.pending.has(group)) r.pending.set(group, { loc: at(), state: "vars" });
    } else {
        r.declared.add(group);
        r.pending.delete(group);
    }
}

/** key=value in [group:vars], the value a Python literal. */
function varLine(r: Reading, line: string, at: (column?: number) => Loc, column: (s: string) => number | undefined): void {
    const eq = line.indexOf("=");
    const key = eq > 0 ? line.slice(0, eq).trim() : "";
    if (!key) return void r.problems.push(problemAt(at(), `expected key=value in [${r.group}:vars], got ${JSON.stringify(line)}`));
    r.inv.groups.get(r.group)!.vars.set(key, { value: pythonValue(line.slice(eq + 1).trim()), loc: at(column(key)) });
}

/** A group's name in [group:children]; one that would be its own ancestor is a problem. */
function childLine(r: Reading, line: string, at: (column?: number) => Loc): void {
    const child = GROUP_NAME.exec(line)?.[1];
    if (!child) return void r.problems.push(problemAt(at(), `expected a group name in [${r.group}:children], got ${JSON.stringify(line)}`));
    r.inv.group(child, at());
    if (!r.declared.has(child) && !r.pending.has(child)) r.pending.set(child, { loc: at(), state: "children", parent: r.group });
    const loop = r.inv.addChild(r.group, child);
    if (loop) r.problems.push(problemAt(at(), loop));
}

/** Each group named in [x:vars] or as a child that no section defines, at the line that names it. */
function refuseUndefinedGroups(r: Reading): void {
    for (const [name, p] of r.pending) {
        r.problems.push(
            problemAt(
                p.loc,
                p.state === "vars"
                    ? `[${name}:vars] is for a group defined nowhere: a [${name}] or [${name}:children] section defines it`
                    : `[${p.parent}:children] names ${name}, a group defined nowhere: a [${name}] or [${name}:children] section defines it`,
            ),
        );
    }
}

function hostLine(
    inv: AnsibleInventory,
    line: string,
    group: string,
    at: (column?: number) => Loc,
    column: (s: string) => number | undefined,
    problems: string[],
): void {
    const tokens = shlexSplit(line);
    if (!Array.isArray(tokens)) return void problems.push(problemAt(at(), `cannot split the host line: ${tokens.error}`));
    if (!tokens.length) return;
    if (tokens[0] === "---")
        return void problems.push(problemAt(at(), "'---' starts a YAML document, not an INI host line (a YAML inventory starts with a group, such as all:)"));
    const pattern = expandHostPattern(tokens[0]);
    if ("error" in pattern) return void problems.push(problemAt(at(1), pattern.error));
    const vars: Array<[string, unknown, Loc]> = [];
    for (const t of tokens.slice(1)) {
        const eq = t.indexOf("=");
        if (eq <= 0) {
            problems.push(
                problemAt(
                    at(column(t)),
                    `expected key=value after the host, got ${JSON.stringify(t)}`,
                    pattern.hosts.length === 1 ? pattern.hosts[0] : tokens[0],
                ),
            );
            continue;
        }
        const key = t.slice(0, eq);
        vars.push([key, pythonValue(t.slice(eq + 1)), at(column(`${key}=`))]);
    }
    for (const name of pattern.hosts) {
        const h = inv.host(name, at(), group);
        if (pattern.port !== undefined) h.vars.set("ansible_port", { value: pattern.port, loc: at(1) });
        for (const [key, value, loc] of vars) h.vars.set(key, { value, loc });
    }
}
