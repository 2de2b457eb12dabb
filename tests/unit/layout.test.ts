// The package's layout as a rule: each folder of components/ says where its code runs, and may
// import only the folders below it. The top level (the Pulumi side) is the only place that imports
// @pulumi/*; the runner bundle (bundle/, feeder/, runner/ and what they import) never loads it. No
// file imports the package's entry (components/index.ts). Read from each file's own import
// statements (TypeScript's preProcessFile: `import`, `import type`, `export ... from`, require).
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const COMPONENTS = path.join(__dirname, "..", "..", "components");

/** What each folder may import (besides itself); "." is the top level, the Pulumi side. */
const MAY_IMPORT: Record<string, readonly string[]> = {
    shared: [],
    core: ["shared"],
    protocol: ["shared", "core"],
    runner: ["shared", "core", "protocol"],
    feeder: ["shared", "core", "protocol"],
    inventory: ["shared", "core", "protocol"],
    bundle: ["shared", "core", "protocol", "runner", "feeder"],
    ".": ["shared", "core", "protocol", "feeder", "inventory"],
};

const PULUMI = /^@pulumi\//;

/** A file's folder under components/ ("." for the top level). */
const folderOf = (rel: string) => (rel.includes("/") ? rel.split("/")[0] : ".");

/** The problems with a set of files, given as path under components/ -> source text. */
export function layoutProblems(files: Record<string, string>): string[] {
    const problems: string[] = [];
    for (const [rel, text] of Object.entries(files)) {
        const from = folderOf(rel);
        const allowed = MAY_IMPORT[from];
        if (!allowed) {
            problems.push(`${rel}: the folder ${from}/ is not in the layout (tests/unit/layout.test.ts, MAY_IMPORT)`);
            continue;
        }
        for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
            if (PULUMI.test(spec)) {
                if (from !== ".") problems.push(`${rel}: imports ${spec}; only the top level (the Pulumi side) may`);
                continue;
            }
            if (!spec.startsWith(".")) continue;
            const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
            if (target.startsWith("..")) {
                problems.push(`${rel}: imports ${spec}, outside components/`);
                continue;
            }
            // "../protocol" is that folder's index.ts.
            const to = target in MAY_IMPORT && target !== "." ? target : folderOf(target);
            if (target === "index" || target === ".") problems.push(`${rel}: imports the package's entry (${spec}); arrows point down, away from it`);
            else if (to !== from && !allowed.includes(to))
                problems.push(
                    `${rel}: imports ${spec} (${to}/), which ${from === "." ? "the top level" : `${from}/`} may not: it may import ${allowed.map((f) => (f === "." ? "the top level" : `${f}/`)).join(", ") || "nothing else"}`,
                );
        }
    }
    return problems.sort();
}

function sources(dir: string, prefix = ""): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
        const rel = prefix ? `${prefix}/${d.name}` : d.name;
        if (d.isDirectory()) Object.assign(out, sources(path.join(dir, d.name), rel));
        else if (d.name.endsWith(".ts")) out[rel] = fs.readFileSync(path.join(dir, d.name), "utf8");
    }
    return out;
}

test("components/ follows the layout: every arrow points down, and only the top level imports Pulumi", () => {
    const files = sources(COMPONENTS);
    expect(Object.keys(files).length).toBeGreaterThan(40);
    expect(layoutProblems(files)).toEqual([]);
});

test("every folder of components/ says what it is in its index.ts, and is in the layout", () => {
    const folders = fs
        .readdirSync(COMPONENTS, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
    expect(folders).toEqual(
        Object.keys(MAY_IMPORT)
            .filter((f) => f !== ".")
            .sort(),
    );
    for (const f of [".", ...folders]) {
        const head = fs.readFileSync(path.join(COMPONENTS, f, "index.ts"), "utf8").split("\n")[0];
        expect({ folder: f, head: /^\/\/ \S/.test(head) }).toEqual({ folder: f, head: true });
    }
});

test("the rule catches what it is there for: the runner importing Pulumi or the feeder, an arrow up, the entry", () => {
    expect(
        layoutProblems({
            "runner/a.ts": 'import * as pulumi from "@pulumi/pulumi";\nimport { feed } from "../feeder/feed";\n',
            "core/b.ts": 'import type { RunnerRequest } from "../protocol/types";\n',
            "stack-config.ts": 'export { x } from "./index";\n',
            "feeder/c.ts": 'const t = require("../runner/operations");\n',
            "inventory/d.ts": 'import { shq } from "../protocol/launcher";\nimport { redact } from "../shared/redact";\n',
        }),
    ).toEqual([
        "core/b.ts: imports ../protocol/types (protocol/), which core/ may not: it may import shared/",
        "feeder/c.ts: imports ../runner/operations (runner/), which feeder/ may not: it may import shared/, core/, protocol/",
        "runner/a.ts: imports ../feeder/feed (feeder/), which runner/ may not: it may import shared/, core/, protocol/",
        "runner/a.ts: imports @pulumi/pulumi; only the top level (the Pulumi side) may",
        "stack-config.ts: imports the package's entry (./index); arrows point down, away from it",
    ]);
});
