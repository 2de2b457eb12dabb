#!/usr/bin/env node
// JSON schemas for kubeconform, made from the sources the API server itself validates against, in
// the layout of kubeconform's default registry ({{ .ResourceKind }}{{ .KindSuffix }}.json):
//   - the core kinds (Secret, ServiceAccount, ClusterRoleBinding, ...) from Kubernetes' OpenAPI v2
//     document (api/openapi-spec/swagger.json of the module k8s.io/kubernetes; scripts/go-tools.sh
//     fetches it): every definition in _definitions.json, and one small file per kind pointing there;
//   - the kinds of the CustomResourceDefinitions in the given folder (the Pulumi Kubernetes
//     Operator's, vendored), one file per served version, from its openAPIV3Schema.
// The conversion is what kubeconform's openapi2jsonschema does, for the API server's strict field
// validation (kubectl's default): every object that lists its properties refuses others, unless
// it keeps unknown fields (x-kubernetes-preserve-unknown-fields); int-or-string accepts both. A
// custom resource's metadata is checked as the ObjectMeta it is (a CRD's schema says only
// "object"). CEL rules (x-kubernetes-validations) are not JSON Schema and stay unchecked: they
// are listed on stderr.
//
// Usage: node scripts/k8s-schemas.js --openapi swagger.json --crds DIR --out DIR
// kubeconform then: -schema-location 'DIR/{{ .ResourceKind }}{{ .KindSuffix }}.json'
"use strict";
const fs = require("fs");
const path = require("path");
// The YAML parser @pulumi/pulumi depends on (a CRD is YAML).
const yaml = require("js-yaml");

function args(argv) {
    const out = {};
    for (let i = 0; i < argv.length; i += 2) {
        const key = argv[i].replace(/^--/, "");
        if (!["openapi", "crds", "out"].includes(key) || argv[i + 1] === undefined) {
            throw new Error(`usage: k8s-schemas.js --openapi swagger.json --crds DIR --out DIR (got ${argv[i]})`);
        }
        out[key] = argv[i + 1];
    }
    for (const k of ["openapi", "crds", "out"]) if (!out[k]) throw new Error(`k8s-schemas.js: --${k} is required`);
    return out;
}

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/** kubeconform's KindSuffix: "-v1" for v1, "-rbac-v1" for rbac.authorization.k8s.io/v1. */
function fileName(kind, group, version) {
    return `${kind.toLowerCase()}${group ? `-${group.split(".")[0].toLowerCase()}` : ""}-${version.toLowerCase()}.json`;
}

/** A copy of a schema with the strict and int-or-string rules applied, refs rewritten by `ref`. */
function convert(node, ref) {
    if (Array.isArray(node)) return node.map((n) => convert(n, ref));
    if (node === null || typeof node !== "object") return node;
    if (node.format === "int-or-string" || node["x-kubernetes-int-or-string"] === true) {
        return { description: node.description, oneOf: [{ type: "string" }, { type: "integer" }] };
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) {
        if (k === "$ref" && typeof v === "string") out[k] = ref(v);
        // Keys under these are names (of properties, definitions), not schema keywords.
        else if (k === "properties" || k === "definitions" || k === "patternProperties")
            out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, convert(s, ref)]));
        else out[k] = convert(v, ref);
    }
    if (node.nullable === true && typeof node.type === "string") out.type = [node.type, "null"];
    if (node.properties && !("additionalProperties" in node) && node["x-kubernetes-preserve-unknown-fields"] !== true) {
        out.additionalProperties = false;
    }
    return out;
}

function main() {
    const opt = args(process.argv.slice(2));
    const swagger = JSON.parse(fs.readFileSync(opt.openapi, "utf8"));
    fs.mkdirSync(opt.out, { recursive: true });
    const written = new Map();
    const write = (name, schema, from) => {
        if (written.has(name)) throw new Error(`k8s-schemas.js: ${name} from both ${written.get(name)} and ${from}`);
        written.set(name, from);
        fs.writeFileSync(path.join(opt.out, name), JSON.stringify(schema));
    };

    // Core kinds: internal refs stay "#/definitions/..." inside _definitions.json.
    const definitions = convert(swagger.definitions, (r) => r);
    if (!definitions[OBJECT_META]) throw new Error(`k8s-schemas.js: ${opt.openapi} has no ${OBJECT_META}`);
    write("_definitions.json", { definitions }, opt.openapi);
    let core = 0;
    for (const [name, def] of Object.entries(swagger.definitions)) {
        const gvks = def["x-kubernetes-group-version-kind"] ?? [];
        // Kinds of their own; DeleteOptions and WatchEvent name every group and are not resources.
        if (gvks.length !== 1) continue;
        const { group, version, kind } = gvks[0];
        write(fileName(kind, group, version), { $ref: `_definitions.json#/definitions/${name}` }, opt.openapi);
        core++;
    }

    let crds = 0;
    for (const file of fs
        .readdirSync(opt.crds)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()) {
        for (const doc of yaml.loadAll(fs.readFileSync(path.join(opt.crds, file), "utf8"))) {
            if (!doc || doc.kind !== "CustomResourceDefinition") continue;
            const { group, names, versions } = doc.spec;
            for (const v of versions) {
                if (!v.served) continue;
                const source = v.schema?.openAPIV3Schema;
                if (!source) throw new Error(`k8s-schemas.js: ${file}: ${names.kind} ${v.name} has no openAPIV3Schema`);
                for (const rule of celRules(source)) console.error(`k8s-schemas.js: not checked (CEL): ${names.kind} ${v.name}: ${rule}`);
                const schema = convert(source, (r) => r);
                schema.properties.metadata = { $ref: `_definitions.json#/definitions/${OBJECT_META}` };
                write(fileName(names.kind, group, v.name), schema, file);
                crds++;
            }
        }
    }
    if (!crds) throw new Error(`k8s-schemas.js: no CustomResourceDefinition in ${opt.crds}`);
    console.error(`k8s-schemas.js: ${core} core kinds and ${crds} custom resource versions in ${opt.out}`);
}

function* celRules(node, at = "") {
    if (Array.isArray(node)) return;
    if (node === null || typeof node !== "object") return;
    for (const r of node["x-kubernetes-validations"] ?? []) yield `${at || "."} ${r.rule}`;
    for (const [k, v] of Object.entries(node.properties ?? {})) yield* celRules(v, `${at}.${k}`);
    if (node.items) yield* celRules(node.items, `${at}[]`);
    if (node.additionalProperties && typeof node.additionalProperties === "object") yield* celRules(node.additionalProperties, `${at}.*`);
}

try {
    main();
} catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
}
