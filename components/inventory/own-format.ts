// This tool's own inventory format (docs/inventory.md), YAML or JSON: defaults for every host,
// groups with defaults of their own, and hosts with the stack config's target fields. A host's own
// fields win over its group's defaults, which win over the file's. Pure.
import { unknownName } from "../shared/closest";
import { checkValue } from "./values";
import { Inventory, InventorySource, InventoryTarget, keyPath, Loc, problemAt } from "./types";
import type { LocatedDoc } from "./located-yaml";
import { KIND_FIELDS, PROXY_FIELD_TYPES, PROXY_FIELDS, TARGET_FIELD_TYPES, TARGET_FIELDS, TargetConfig } from "./target-config";

const TOP = ["defaults", "groups", "hosts"];
const GROUP = ["defaults", "hosts"];

/** A mapping's keys taken as a layer of fields, each with the place it is written. */
interface Layer {
    values: Record<string, unknown>;
    from: Record<string, Loc>;
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Ours when the top level has one of our keys: Ansible's top level is groups (all:, web:). */
export function isOwnInventory(root: unknown): root is Record<string, unknown> {
    return isMapping(root) && Object.keys(root).some((k) => TOP.includes(k));
}

export function parseOwnInventory(root: Record<string, unknown>, doc: LocatedDoc, src: InventorySource): Inventory {
    const problems: string[] = [];
    const loc = (map: object, key?: string): Loc => {
        const p = key === undefined ? doc.place(map) : doc.keyPlace(map, key);
        return { file: src.file, line: p?.line ?? 1, column: p?.column };
    };
    const mapping = (v: unknown, owner: object, key: string, where: string, host?: string): Record<string, unknown> => {
        if (v === null || v === undefined) return {};
        if (isMapping(v)) return v;
        problems.push(problemAt(loc(owner, key), `must be a mapping, got ${Array.isArray(v) ? "a list" : JSON.stringify(v)}`, host, where));
        return {};
    };
    const unknownKeys = (map: Record<string, unknown>, known: string[], where: string, host?: string) => {
        for (const k of Object.keys(map)) if (!known.includes(k)) problems.push(problemAt(loc(map, k), unknownName("key", k, known), host, `${where}${k}`));
    };

    /** The fields of a mapping, each checked; where is the prefix of its keys in messages ("groups.web.defaults."). */
    const layer = (map: Record<string, unknown>, where: string, host?: string): Layer => {
        const out: Layer = { values: {}, from: {} };
        for (const [k, v] of Object.entries(map)) {
            const at = loc(map, k);
            if (!(TARGET_FIELDS as string[]).includes(k)) {
                problems.push(problemAt(at, unknownName("field", k, TARGET_FIELDS), host, `${where}${k}`));
                continue;
            }
            if (k === "name" && host === undefined) {
                problems.push(problemAt(at, "each host's own (its key under hosts, unless it sets name), not a default", host, `${where}${k}`));
                continue;
            }
            const type = TARGET_FIELD_TYPES[k as keyof TargetConfig];
            if (type === "proxy") {
                const proxy = mapping(v, map, k, `${where}${k}`, host);
                unknownFieldsOfProxy(proxy, `${where}proxy.`, host);
                const fields: Record<string, unknown> = {};
                for (const [pk, pv] of Object.entries(proxy)) {
                    if (!(PROXY_FIELDS as string[]).includes(pk)) continue;
                    const checked = checkValue(PROXY_FIELD_TYPES[pk as keyof typeof PROXY_FIELD_TYPES], pv, false);
                    if ("error" in checked) problems.push(problemAt(loc(proxy, pk), checked.error, host, `${where}proxy.${pk}`));
                    else {
                        fields[pk] = checked.value;
                        out.from[`proxy.${pk}`] = loc(proxy, pk);
                    }
                }
                out.values.proxy = fields;
                out.from.proxy = at;
                continue;
            }
            const checked = checkValue(type, v, false);
            if ("error" in checked) problems.push(problemAt(at, checked.error, host, `${where}${k}`));
            else {
                out.values[k] = checked.value;
                out.from[k] = at;
            }
        }
        return out;
    };
    const unknownFieldsOfProxy = (proxy: Record<string, unknown>, where: string, host?: string) => {
        for (const k of Object.keys(proxy))
            if (!(PROXY_FIELDS as string[]).includes(k)) problems.push(problemAt(loc(proxy, k), unknownName("field", k, PROXY_FIELDS), host, `${where}${k}`));
    };

    unknownKeys(root, TOP, "");
    const fileDefaults = layer(mapping(root.defaults, root, "defaults", "defaults"), "defaults.");
    const targets: InventoryTarget[] = [];
    const defined = new Map<string, Loc>();
    const hostsOf = (hosts: Record<string, unknown>, layers: Layer[], group?: string) => {
        for (const [name, entry] of Object.entries(hosts)) {
            const origin = loc(hosts, name);
            const first = defined.get(name);
            if (first) {
                problems.push(
                    problemAt(origin, `also defined at ${first.file}:${first.line}; a host is listed once (its group's defaults are the ones it gets)`, name),
                );
                continue;
            }
            defined.set(name, origin);
            const own = layer(mapping(entry, hosts, name, "", name), "", name);
            const made = target(name, origin, [...layers, own], src, problems);
            if (made) targets.push({ ...made, groups: group === undefined ? [] : [group] });
        }
    };
    const groups = mapping(root.groups, root, "groups", "groups");
    for (const [group, body] of Object.entries(groups)) {
        const g = mapping(body, groups, group, `groups.${group}`);
        unknownKeys(g, GROUP, `groups.${group}.`);
        const defaults = layer(mapping(g.defaults, g, "defaults", `groups.${group}.defaults`), `groups.${group}.defaults.`);
        hostsOf(mapping(g.hosts, g, "hosts", `groups.${group}.hosts`), [fileDefaults, defaults], group);
    }
    hostsOf(mapping(root.hosts, root, "hosts", "hosts"), [fileDefaults]);
    if (!targets.length && !problems.length)
        problems.push(problemAt({ file: src.file, line: 1 }, "no hosts: the inventory lists none (under hosts:, or a group's hosts:)"));
    return { format: "codex-connect", targets, groups: Object.keys(groups), problems };
}

/**
 * The layers merged, later ones winning field by field (a proxy as a whole), and the defaults a
 * host gets. A default that the host's kind does not take is not inherited; a field of the host's
 * own that its kind does not take is a problem.
 */
function target(name: string, origin: Loc, layers: Layer[], src: InventorySource, problems: string[]): InventoryTarget | undefined {
    const values: Record<string, unknown> = {};
    const from: Record<string, Loc> = {};
    for (const l of layers) {
        Object.assign(values, l.values);
        if ("proxy" in l.values) for (const k of Object.keys(from)) if (k.startsWith("proxy.")) delete from[k];
        Object.assign(from, l.from);
    }
    const kind = (values.kind as TargetConfig["kind"] | undefined) ?? "ssh";
    const takes = KIND_FIELDS[kind];
    const own = layers[layers.length - 1];
    const foreign = Object.keys(own.values).filter((k) => !takes.includes(k as keyof TargetConfig));
    for (const k of foreign)
        problems.push(
            problemAt(own.from[k], `not a field of kind ${kind} (it takes ${takes.filter((f) => f !== "name" && f !== "kind").join(", ")})`, name, k),
        );
    if (foreign.length) return undefined;
    const t = { name, kind } as TargetConfig;
    for (const k of takes) if (values[k] !== undefined) (t as unknown as Record<string, unknown>)[k] = values[k];
    for (const k of Object.keys(from)) if (!takes.includes(k.replace(/\..*/, "") as keyof TargetConfig)) delete from[k];
    if (t.kind === "ssh" && t.host === undefined) t.host = name;
    if (t.privateKeyPath) t.privateKeyPath = keyPath(t.privateKeyPath, src);
    if (t.proxy?.privateKeyPath) t.proxy = { ...t.proxy, privateKeyPath: keyPath(t.proxy.privateKeyPath, src) };
    return { host: name, target: t, origin, from, spelled: {}, groups: [] };
}
