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

/** What the steps of one reading share: where the document's parts are, and the problems and hosts found so far. */
interface Reading {
    doc: LocatedDoc;
    src: InventorySource;
    problems: string[];
    targets: InventoryTarget[];
    /** Where each host is first defined: a host is listed once. */
    defined: Map<string, Loc>;
}

export function parseOwnInventory(root: Record<string, unknown>, doc: LocatedDoc, src: InventorySource): Inventory {
    const r: Reading = { doc, src, problems: [], targets: [], defined: new Map() };
    refuseUnknownKeys(r, root, TOP, "");
    const fileDefaults = readLayer(r, mappingAt(r, root.defaults, root, "defaults", "defaults"), "defaults.");
    const groups = mappingAt(r, root.groups, root, "groups", "groups");
    for (const [group, body] of Object.entries(groups)) readGroup(r, group, mappingAt(r, body, groups, group, `groups.${group}`), fileDefaults);
    readHosts(r, mappingAt(r, root.hosts, root, "hosts", "hosts"), [fileDefaults]);
    if (!r.targets.length && !r.problems.length)
        r.problems.push(problemAt({ file: src.file, line: 1 }, "no hosts: the inventory lists none (under hosts:, or a group's hosts:)"));
    return { format: "codex-connect", targets: r.targets, groups: Object.keys(groups), problems: r.problems };
}

function locOf(r: Reading, map: object, key: string): Loc {
    const p = r.doc.keyPlace(map, key);
    return { file: r.src.file, line: p?.line ?? 1, column: p?.column };
}

/** The value under owner's key as a mapping, nothing as an empty one; anything else is a problem, and read as empty. */
function mappingAt(r: Reading, v: unknown, owner: object, key: string, where: string, host?: string): Record<string, unknown> {
    if (v === null || v === undefined) return {};
    if (isMapping(v)) return v;
    r.problems.push(problemAt(locOf(r, owner, key), `must be a mapping, got ${Array.isArray(v) ? "a list" : JSON.stringify(v)}`, host, where));
    return {};
}

function refuseUnknownKeys(r: Reading, map: Record<string, unknown>, known: string[], where: string): void {
    for (const k of Object.keys(map))
        if (!known.includes(k)) r.problems.push(problemAt(locOf(r, map, k), unknownName("key", k, known), undefined, `${where}${k}`));
}

/** A group's defaults over the file's, for each host under it. */
function readGroup(r: Reading, group: string, g: Record<string, unknown>, fileDefaults: Layer): void {
    refuseUnknownKeys(r, g, GROUP, `groups.${group}.`);
    const defaults = readLayer(r, mappingAt(r, g.defaults, g, "defaults", `groups.${group}.defaults`), `groups.${group}.defaults.`);
    readHosts(r, mappingAt(r, g.hosts, g, "hosts", `groups.${group}.hosts`), [fileDefaults, defaults], group);
}

/** Each host a target, its own fields over the layers given; one defined before (in any group) is refused. */
function readHosts(r: Reading, hosts: Record<string, unknown>, layers: Layer[], group?: string): void {
    for (const [name, entry] of Object.entries(hosts)) {
        const origin = locOf(r, hosts, name);
        const first = r.defined.get(name);
        if (first) {
            r.problems.push(
                problemAt(origin, `also defined at ${first.file}:${first.line}; a host is listed once (its group's defaults are the ones it gets)`, name),
            );
            continue;
        }
        r.defined.set(name, origin);
        const own = readLayer(r, mappingAt(r, entry, hosts, name, "", name), "", name);
        const made = target(name, origin, [...layers, own], r.src, r.problems);
        if (made) r.targets.push({ ...made, groups: group === undefined ? [] : [group] });
    }
}

/** The fields of a mapping, each checked; where is the prefix of its keys in messages ("groups.web.defaults."), host unset for defaults. */
function readLayer(r: Reading, map: Record<string, unknown>, where: string, host?: string): Layer {
    const out: Layer = { values: {}, from: {} };
    for (const [k, v] of Object.entries(map)) readField(r, out, map, k, v, where, host);
    return out;
}

/** One field into the layer, checked; an unknown one, or a name among defaults, is a problem. */
function readField(r: Reading, out: Layer, map: Record<string, unknown>, k: string, v: unknown, where: string, host?: string): void {
    const at = locOf(r, map, k);
    if (!(TARGET_FIELDS as string[]).includes(k)) return void r.problems.push(problemAt(at, unknownName("field", k, TARGET_FIELDS), host, `${where}${k}`));
    if (k === "name" && host === undefined)
        return void r.problems.push(problemAt(at, "each host's own (its key under hosts, unless it sets name), not a default", host, `${where}${k}`));
    const type = TARGET_FIELD_TYPES[k as keyof TargetConfig];
    if (type === "proxy") return readProxy(r, out, mappingAt(r, v, map, k, `${where}${k}`, host), at, where, host);
    const checked = checkValue(type, v, false);
    if ("error" in checked) r.problems.push(problemAt(at, checked.error, host, `${where}${k}`));
    else {
        out.values[k] = checked.value;
        out.from[k] = at;
    }
}

/** A proxy's fields, checked, as the layer's proxy (a later layer's replaces it as a whole); each field's place as proxy.<field>. */
function readProxy(r: Reading, out: Layer, proxy: Record<string, unknown>, at: Loc, where: string, host?: string): void {
    refuseUnknownProxyFields(r, proxy, `${where}proxy.`, host);
    const fields: Record<string, unknown> = {};
    for (const [pk, pv] of Object.entries(proxy)) {
        if (!(PROXY_FIELDS as string[]).includes(pk)) continue;
        const checked = checkValue(PROXY_FIELD_TYPES[pk as keyof typeof PROXY_FIELD_TYPES], pv, false);
        if ("error" in checked) r.problems.push(problemAt(locOf(r, proxy, pk), checked.error, host, `${where}proxy.${pk}`));
        else {
            fields[pk] = checked.value;
            out.from[`proxy.${pk}`] = locOf(r, proxy, pk);
        }
    }
    out.values.proxy = fields;
    out.from.proxy = at;
}

function refuseUnknownProxyFields(r: Reading, proxy: Record<string, unknown>, where: string, host?: string): void {
    for (const k of Object.keys(proxy))
        if (!(PROXY_FIELDS as string[]).includes(k))
            r.problems.push(problemAt(locOf(r, proxy, k), unknownName("field", k, PROXY_FIELDS), host, `${where}${k}`));
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
