// docs/components.md is what scripts/component-docs.ts writes now (so it cannot drift from the doc
// comments), and the generator misses nothing: the TypeScript checker's own view of each component's
// args (what they extend included), its Output properties and the target's fields, each row with a
// description.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { collect, componentDocs, DOCS_FILE } from "../../scripts/component-docs";
import { projectRoot } from "../helpers/toolchain";

test("docs/components.md is what npm run docs writes", () => {
    const committed = fs.readFileSync(DOCS_FILE, "utf8");
    // One line, not a 200-line diff: the fix is always the same.
    expect(committed === componentDocs() ? "up to date" : "docs/components.md is out of date: run npm run docs").toBe("up to date");
});

test("every input and output of the three components and every target field, each with its doc comment", () => {
    const program = ts.createProgram([path.join(projectRoot, "components", "index.ts")], {
        strict: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        skipLibCheck: true,
        types: ["node"],
    });
    const checker = program.getTypeChecker();
    const index = checker.getSymbolAtLocation(program.getSourceFile(path.join(projectRoot, "components", "index.ts"))!)!;
    const exported = new Map(checker.getExportsOfModule(index).map((s) => [s.name, s]));
    const { components, types } = collect();

    expect(components.map((c) => c.name).sort()).toEqual(["CodexCli", "CodexMcpServer", "ConnectAiCodex"]);
    for (const c of components) {
        const cls = exported.get(c.name)!;
        const ctor = checker.getTypeOfSymbol(cls).getConstructSignatures()[0];
        const args = checker.getTypeOfSymbol(ctor.getParameters()[1]);
        expect({ component: c.name, inputs: c.inputs.map((r) => r.name).sort() }).toEqual({
            component: c.name,
            inputs: checker
                .getPropertiesOfType(args)
                .map((p) => p.name)
                .sort(),
        });
        // Outputs: the instance's own Output properties (not ComponentResource's urn).
        const instance = checker.getDeclaredTypeOfSymbol(cls);
        const outputs = checker
            .getPropertiesOfType(instance)
            .filter((p) => p.declarations?.some((d) => d.parent === cls.declarations![0]))
            // As declared (pulumi.Output<...>): the checker prints Output<boolean | undefined> as a union of its parts.
            .filter((p) => p.declarations!.some((d) => /^(pulumi\.)?Output</.test((d as ts.PropertyDeclaration).type?.getText() ?? "")))
            .map((p) => p.name);
        expect(outputs.length).toBeGreaterThanOrEqual(5);
        expect({ component: c.name, outputs: c.outputs.map((r) => r.name).sort() }).toEqual({ component: c.name, outputs: outputs.sort() });
        for (const r of [...c.inputs, ...c.outputs])
            expect({ component: c.name, field: r.name, documented: r.description.length > 0 }).toEqual({ component: c.name, field: r.name, documented: true });
    }
    const target = checker.getDeclaredTypeOfSymbol(exported.get("TargetArgs")!);
    const documented = types.find((t) => t.name === "TargetArgs")!;
    expect(documented.rows.map((r) => r.name).sort()).toEqual(
        checker
            .getPropertiesOfType(target)
            .map((p) => p.name)
            .sort(),
    );
    expect(types.map((t) => t.name)).toEqual(expect.arrayContaining(["TargetArgs", "TargetKind", "SshHopArgs", "ExecPreset", "CodexArgs", "ConnectAiAuth"]));
    for (const t of types)
        for (const r of t.rows)
            expect({ type: t.name, field: r.name, documented: r.description.length > 0 }).toEqual({ type: t.name, field: r.name, documented: true });
    // The enums' values are the ones the components take.
    expect(types.find((t) => t.name === "TargetKind")!.rows.map((r) => r.type)).toEqual(['"local"', '"ssh"', '"docker"', '"podman"', '"exec"']);
});
