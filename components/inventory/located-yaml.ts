// YAML (and so JSON) read with the line and column of every mapping key, so that a problem found in
// a value names where it is written. Pure: text in, values and places out.
// js-yaml comes with @pulumi/pulumi (a dependency of its, ^4); it is typed here by what this file uses.
const jsYaml: JsYaml = require("js-yaml");

interface YamlState {
    input: string;
    position: number;
    line: number;
    lineStart: number;
    result: unknown;
}
interface YamlType {
    readonly tag: string;
}
interface JsYaml {
    load(text: string, options: { filename?: string; schema?: unknown; listener?: (event: "open" | "close", state: YamlState) => void }): unknown;
    Type: new (tag: string, options: { kind: "scalar" | "sequence" | "mapping"; construct: (data: unknown) => unknown }) => YamlType;
    DEFAULT_SCHEMA: { extend(types: YamlType[]): unknown };
    YAMLException: new (...args: never[]) => Error & { reason: string; mark?: { line: number; column: number } };
}

/** A place in a file, 1-based. */
export interface Place {
    line: number;
    column: number;
}

/** An Ansible Vault value (`!vault |`): kept opaque, refused where it is read. */
export class VaultValue {
    toString(): string {
        return "<vault-encrypted>";
    }
}

// Ansible's own tags: a value encrypted with Vault, and one marked as not to be templated.
const SCHEMA = jsYaml.DEFAULT_SCHEMA.extend([
    new jsYaml.Type("!vault", { kind: "scalar", construct: () => new VaultValue() }),
    new jsYaml.Type("!unsafe", { kind: "scalar", construct: (data) => data }),
]);

/** A parsed document and where its parts are. */
export interface LocatedDoc {
    ok: true;
    value: unknown;
    /** Where a mapping's key is written (else where the mapping is). */
    keyPlace(map: object, key: string): Place | undefined;
    /** Where a mapping or a sequence starts. */
    place(node: object): Place | undefined;
}

export type Located = LocatedDoc | { ok: false; message: string; place?: Place };

/**
 * Parses YAML, recording where each mapping and each of its keys starts. A key is the node that a
 * ':' follows; values, sequences and the rest get the place of the mapping holding them.
 */
export function loadLocated(text: string): Located {
    const keys = new WeakMap<object, Map<string, Place>>();
    const nodes = new WeakMap<object, Place>();
    const open: Array<{ place: Place; keys: Map<string, Place> }> = [];
    const listener = (event: "open" | "close", s: YamlState) => {
        if (event === "open") return void open.push({ place: { line: s.line + 1, column: s.position - s.lineStart + 1 }, keys: new Map() });
        const node = open.pop()!;
        const result = s.result;
        if (result !== null && typeof result === "object") {
            if (!nodes.has(result)) nodes.set(result, node.place);
            if (node.keys.size && !keys.has(result)) keys.set(result, node.keys);
        } else if (open.length && (typeof result === "string" || typeof result === "number" || typeof result === "boolean") && isKeyEnd(s.input, s.position)) {
            open[open.length - 1].keys.set(String(result), node.place);
        }
    };
    try {
        const value = jsYaml.load(text, { schema: SCHEMA, listener });
        return { ok: true, value, keyPlace: (map, key) => keys.get(map)?.get(key) ?? nodes.get(map), place: (node) => nodes.get(node) };
    } catch (e) {
        const err = e as Error & { reason?: string; mark?: { line: number; column: number } };
        if (err.mark) return { ok: false, message: err.reason ?? err.message, place: { line: err.mark.line + 1, column: err.mark.column + 1 } };
        if (!(e instanceof jsYaml.YAMLException)) throw e;
        // js-yaml gives no place for a stream of several documents: the second one's marker is it.
        const second = secondDocument(text);
        return { ok: false, message: "the file holds more than one YAML document (one is read)", ...(second ? { place: second } : {}) };
    }
}

/** Where a second document starts: the `---` after some content, or a second `---`. */
function secondDocument(text: string): Place | undefined {
    let markers = 0;
    let content = false;
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i].replace(/\r$/, "");
        if (/^---(\s|$)/.test(line)) {
            if (content || markers > 0) return { line: i + 1, column: 1 };
            markers++;
        } else if (line.trim() && !line.trimStart().startsWith("#") && !line.startsWith("%")) content = true;
    }
    return undefined;
}

function isKeyEnd(input: string, at: number): boolean {
    let i = at;
    while (input[i] === " " || input[i] === "\t") i++;
    return input[i] === ":";
}
