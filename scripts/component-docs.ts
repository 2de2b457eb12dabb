// npm run docs: writes docs/components.md, every input and output of the components with its doc
// comment, from the TypeScript declarations in components/ (the same comments the Pulumi package
// schema carries for other languages). tests/unit/component-docs.test.ts fails when the committed
// file is not what this writes, so the two cannot drift apart.
//
// Read from the syntax of components/**/*.ts (no type checker, nothing outside components/): the
// components are the classes components/index.ts exports that extend pulumi.ComponentResource, their
// inputs the interface of their constructor's `args` (with what it extends), their outputs their
// `declare readonly` Output properties; the types documented are those the inputs name, followed
// until none is left: interfaces, and `as const` objects as enums.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ComponentName, TOKENS } from "../components/tokens";

const root = path.join(__dirname, "..");
const componentsDir = path.join(root, "components");
export const DOCS_FILE = path.join(root, "docs", "components.md");

type Decl = { node: ts.InterfaceDeclaration | ts.ClassDeclaration | ts.VariableDeclaration; sf: ts.SourceFile };

export interface Row {
    name: string;
    type: string;
    required: boolean;
    description: string;
}
export interface ComponentDoc {
    name: string;
    type: string;
    description: string;
    argsType: string;
    inputs: Row[];
    outputs: Row[];
}
export interface TypeDoc {
    name: string;
    description: string;
    /** An interface's fields, or an enum's values (type: the value). */
    rows: Row[];
    kind: "interface" | "enum";
}

/** A node's doc comment as one line (JSDoc text, lines joined). */
function docOf(node: ts.Node): string {
    const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
    return docs
        .map((d) => ts.getTextOfJSDocComment(d.comment) ?? "")
        .join(" ")
        .replace(/\s*\n\s*/g, " ")
        .trim();
}

function declarations(): Map<string, Decl> {
    const out = new Map<string, Decl>();
    const files = fs.readdirSync(componentsDir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    for (const f of files.sort()) {
        const sf = ts.createSourceFile(f, fs.readFileSync(path.join(componentsDir, f), "utf8"), ts.ScriptTarget.ES2022, true);
        for (const s of sf.statements) {
            if ((ts.isInterfaceDeclaration(s) || ts.isClassDeclaration(s)) && s.name) out.set(s.name.text, { node: s, sf });
            if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) out.set(d.name.text, { node: d, sf });
        }
    }
    return out;
}

/** `pulumi.Input<string>` as `Input<string>`: the namespace adds nothing for a reader. */
const typeText = (node: ts.TypeNode | undefined, sf: ts.SourceFile) =>
    node
        ? node
              .getText(sf)
              .replace(/\bpulumi\./g, "")
              .replace(/\s+/g, " ")
        : "unknown";

/** The names of declared types a type node mentions (TargetArgs in `TargetArgs`, `Input<TargetArgs>`...). */
function mentioned(node: ts.Node | undefined, known: Map<string, Decl>, into: Set<string>): void {
    if (!node) return;
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && known.has(node.typeName.text)) into.add(node.typeName.text);
    ts.forEachChild(node, (c) => mentioned(c, known, into));
}

/** An interface's fields, its own first, then those of what it extends. */
function fields(name: string, known: Map<string, Decl>): Row[] {
    const d = known.get(name);
    if (!d || !ts.isInterfaceDeclaration(d.node)) throw new Error(`component-docs: ${name} is not an interface in components/`);
    const own: Row[] = d.node.members.filter(ts.isPropertySignature).map((m) => ({
        name: m.name.getText(d.sf),
        type: typeText(m.type, d.sf),
        required: !m.questionToken,
        description: docOf(m),
    }));
    const inherited = (d.node.heritageClauses ?? []).flatMap((h) => h.types.flatMap((t) => fields(t.expression.getText(d.sf), known)));
    return [...own, ...inherited];
}

function enumValues(d: Decl): Row[] {
    const init = ts.isVariableDeclaration(d.node) && d.node.initializer;
    const object = init && ts.isAsExpression(init) ? init.expression : undefined;
    if (!object || !ts.isObjectLiteralExpression(object)) throw new Error(`component-docs: ${d.node.name?.getText(d.sf)} is not an \`as const\` object`);
    return object.properties
        .filter(ts.isPropertyAssignment)
        .map((p) => ({ name: p.name.getText(d.sf), type: p.initializer.getText(d.sf), required: false, description: docOf(p) }));
}

export function collect(): { components: ComponentDoc[]; types: TypeDoc[] } {
    const known = declarations();
    const index = ts.createSourceFile("index.ts", fs.readFileSync(path.join(componentsDir, "index.ts"), "utf8"), ts.ScriptTarget.ES2022, true);
    const components: ComponentDoc[] = [];
    const wanted = new Set<string>();
    for (const s of index.statements) {
        const exported = ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
        if (!ts.isClassDeclaration(s) || !s.name || !exported) continue;
        if (!s.heritageClauses?.some((h) => h.types.some((t) => t.expression.getText(index) === "pulumi.ComponentResource"))) continue;
        const ctor = s.members.find(ts.isConstructorDeclaration);
        const argsNode = ctor?.parameters[1]?.type;
        if (!argsNode || !ts.isTypeReferenceNode(argsNode)) throw new Error(`component-docs: ${s.name.text}: no args type`);
        const argsType = argsNode.typeName.getText(index);
        const outputs = s.members
            .filter(ts.isPropertyDeclaration)
            .filter((m) => ts.getModifiers(m)?.some((x) => x.kind === ts.SyntaxKind.DeclareKeyword))
            .map((m) => {
                const t = m.type && ts.isTypeReferenceNode(m.type) && m.type.typeName.getText(index) === "pulumi.Output" ? m.type.typeArguments?.[0] : m.type;
                return { name: m.name.getText(index), type: typeText(t, index), required: false, description: docOf(m) };
            });
        const inputs = fields(argsType, known);
        const d = known.get(argsType)!;
        if (ts.isInterfaceDeclaration(d.node)) {
            for (const m of d.node.members) mentioned(m, known, wanted);
            for (const h of d.node.heritageClauses ?? []) for (const t of h.types) wanted.add(t.expression.getText(d.sf));
        }
        components.push({ name: s.name.text, type: TOKENS[s.name.text as ComponentName] ?? "", description: docOf(s), argsType, inputs, outputs });
    }
    // The types the inputs mention, each followed by those it mentions, in the order first met.
    const types: TypeDoc[] = [];
    const done = new Set(components.map((c) => c.argsType));
    const visit = (name: string) => {
        if (done.has(name)) return;
        done.add(name);
        const d = known.get(name)!;
        if (ts.isInterfaceDeclaration(d.node)) {
            types.push({ name, description: docOf(d.node), rows: fields(name, known), kind: "interface" });
            const more = new Set<string>();
            for (const m of d.node.members) mentioned(m, known, more);
            more.forEach(visit);
        } else if (ts.isVariableDeclaration(d.node)) {
            // Inputs mention the type alias (`type TargetKind = ...`); the values and their comments are the const's.
            types.push({ name, description: docOf(d.node.parent.parent), rows: enumValues(d), kind: "enum" });
        }
    };
    wanted.forEach(visit);
    return { components, types };
}

const cell = (s: string) => s.replace(/\|/g, "\\|");
const anchor = (name: string) => `#${name.toLowerCase()}`;

export function componentDocs(): string {
    const { components, types } = collect();
    const typeNames = new Set(types.map((t) => t.name));
    // A field whose type is a documented type (or a list of one) links to it.
    const typeCell = (t: string) => {
        const bare = t.replace(/^Input<(.*)>$/, "$1");
        return typeNames.has(bare) ? `[${bare}](${anchor(bare)})` : `\`${cell(t)}\``;
    };
    const out: string[] = [
        "# Components: inputs and outputs",
        "",
        "<!-- Written by scripts/component-docs.ts (npm run docs) from the doc comments in components/; tests/unit/component-docs.test.ts fails when this file differs from what it writes. -->",
        "",
        "The package `codex-connect-pulumi` exports three components. Each takes `(name, args, opts?)` and",
        "acts on one target. `Input<T>` takes a plain value, a promise or an `Output`; other Pulumi",
        "languages get the same inputs and outputs through the package schema. A first program that uses",
        "them: [getting-started.md](getting-started.md).",
        "",
        ...components.map((c) => `- [${c.name}](${anchor(c.name)}): ${c.description}`),
        "",
    ];
    for (const c of components) {
        out.push(
            `## ${c.name}`,
            "",
            c.description,
            "",
            `Resource type \`${c.type}\`; inputs: \`${c.argsType}\`.`,
            "",
            "| input | type | required | description |",
            "| --- | --- | --- | --- |",
        );
        for (const r of c.inputs) out.push(`| \`${r.name}\` | ${typeCell(r.type)} | ${r.required ? "yes" : ""} | ${cell(r.description)} |`);
        out.push("", "| output | type | description |", "| --- | --- | --- |");
        for (const r of c.outputs) out.push(`| \`${r.name}\` | ${typeCell(r.type)} | ${cell(r.description)} |`);
        out.push("");
    }
    for (const t of types) {
        out.push(`## ${t.name}`, "", t.description, "");
        if (t.kind === "interface") {
            out.push("| field | type | required | description |", "| --- | --- | --- | --- |");
            for (const r of t.rows) out.push(`| \`${r.name}\` | ${typeCell(r.type)} | ${r.required ? "yes" : ""} | ${cell(r.description)} |`);
        } else {
            out.push("| value | description |", "| --- | --- |");
            for (const r of t.rows) out.push(`| \`${cell(r.type)}\` | ${cell(r.description)} |`);
        }
        out.push("");
    }
    return out.join("\n");
}

if (require.main === module) {
    fs.writeFileSync(DOCS_FILE, componentDocs());
    console.log(path.relative(process.cwd(), DOCS_FILE));
}
