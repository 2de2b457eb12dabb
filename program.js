// The fleet program's entry for the language host (Pulumi.yaml `main`): index.ts, compiled to
// dist/program/index.js once and again only when index.ts changes (its hash heads the output), so a
// run loads neither ts-node nor TypeScript (loading them slows every preview and up, and adds stack
// frames to the state of every resource). Type checks are `npm run typecheck`'s job.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const source = path.join(__dirname, "index.ts");
const output = path.join(__dirname, "dist", "program", "index.js");

function compiled() {
    const text = fs.readFileSync(source, "utf8");
    const stamp = `// compiled from index.ts ${crypto.createHash("sha256").update(text).digest("hex")}\n`;
    let current = "";
    try {
        current = fs.readFileSync(output, "utf8");
    } catch {
        // not compiled yet
    }
    if (current.startsWith(stamp)) return;
    const ts = require("typescript");
    const js = ts.transpileModule(text, {
        fileName: source,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    fs.mkdirSync(path.dirname(output), { recursive: true });
    // Through a rename: two runs starting at once never load half a file.
    const tmp = `${output}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, stamp + js);
    fs.renameSync(tmp, output);
}

compiled();
module.exports = require(output);
