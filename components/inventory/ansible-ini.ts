// Ansible's INI inventory, read as its ini plugin reads it: [group], [group:vars], [group:children],
// hosts before any section in ungrouped, host lines split as shlex does, values as Python literals.
// Every line that is not what its section takes is a problem naming the file and the line. Pure.
import { AnsibleInventory } from "./ansible-inventory";
import { expandHostPattern } from "./ansible-hosts";
import { pythonValue, shlexSplit } from "./ansible-literal";
import { Loc, problemAt } from "./types";

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

export function parseAnsibleIni(text: string, file: string): { inventory: AnsibleInventory; problems: string[] } {
    const inv = new AnsibleInventory(file);
    const problems: string[] = [];
    // A group named only in [x:vars] or as a child: declared by a [x] or [x:children] section later, or a problem.
    const pending = new Map<string, { loc: Loc; state: "vars" | "children"; parent?: string }>();
    const declared = new Set(["all", "ungrouped"]);
    let group = "ungrouped";
    // "skip": the lines of a section whose type is a problem already.
    let state: "hosts" | "vars" | "children" | "skip" = "hosts";
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (!line || line.startsWith("#") || line.startsWith(";")) return;
        const at = (column?: number): Loc => ({ file, line: i + 1, column });
        const column = (s: string) => (raw.indexOf(s) >= 0 ? raw.indexOf(s) + 1 : undefined);
        const section = SECTION.exec(line);
        if (section) {
            const kind = section[2] ?? "hosts";
            if (kind !== "hosts" && kind !== "vars" && kind !== "children") {
                problems.push(problemAt(at(), `section [${section[1]}:${kind}] has an unknown type ${kind} (the types are hosts, vars, children)`));
                state = "skip";
                return;
            }
            group = section[1];
            state = kind;
            inv.group(group, at());
            if (kind === "vars") {
                if (!declared.has(group) && !pending.has(group)) pending.set(group, { loc: at(), state: "vars" });
            } else {
                declared.add(group);
                pending.delete(group);
            }
            return;
        }
        if (line.startsWith("[") && line.endsWith("]")) {
            problems.push(problemAt(at(), `invalid section ${line}: a section is [group], [group:vars] or [group:children], with no spaces`));
            return;
        }
        if (state === "skip") return;
        if (state === "hosts") return hostLine(inv, line, group, at, column, problems);
        if (state === "vars") {
            const eq = line.indexOf("=");
            const key = eq > 0 ? line.slice(0, eq).trim() : "";
            if (!key) return void problems.push(problemAt(at(), `expected key=value in [${group}:vars], got ${JSON.stringify(line)}`));
            inv.groups.get(group)!.vars.set(key, { value: pythonValue(line.slice(eq + 1).trim()), loc: at(column(key)) });
            return;
        }
        const child = GROUP_NAME.exec(line)?.[1];
        if (!child) return void problems.push(problemAt(at(), `expected a group name in [${group}:children], got ${JSON.stringify(line)}`));
        inv.group(child, at());
        if (!declared.has(child) && !pending.has(child)) pending.set(child, { loc: at(), state: "children", parent: group });
        const loop = inv.addChild(group, child);
        if (loop) problems.push(problemAt(at(), loop));
    });
    for (const [name, p] of pending) {
        problems.push(
            problemAt(
                p.loc,
                p.state === "vars"
                    ? `[${name}:vars] is for a group defined nowhere: a [${name}] or [${name}:children] section defines it`
                    : `[${p.parent}:children] names ${name}, a group defined nowhere: a [${name}] or [${name}:children] section defines it`,
            ),
        );
    }
    return { inventory: inv, problems };
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
