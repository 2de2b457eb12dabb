// npm run build: everything the package ships, ahead of time (nothing is built at run time):
//   dist/runner/codex-mcp-runner.js  the runner bundle (Node 18+), also the `codex-mcp` command
//   dist/components/                 the components, compiled JavaScript with .d.ts
//   dist/fleet/fleet.js              npm run fleet (fleet/), not part of the package (package.json files)
//   dist/.built-from                 a hash of the files all of it is built from
// With --if-changed (npm's prepare: `npm install` in a checkout, `npm pack` after its prepack build)
// nothing is built when dist/ was built from these very files.
import { createHash } from "crypto";
import { execFileSync } from "child_process";
import { buildSync } from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { RUNNER_FILE } from "../components/protocol/launcher";
import { MIN_NODE_MAJOR } from "../components/shared/versions";

const root = path.join(__dirname, "..");
const dist = path.join(root, "dist");
const stamp = path.join(dist, ".built-from");

/** The build's inputs, hashed: the sources, this script, the TypeScript settings and the package's pinned tools. */
function inputsHash(): string {
    const sources = (dir: string): string[] =>
        !fs.existsSync(path.join(root, dir))
            ? []
            : fs
                  .readdirSync(path.join(root, dir), { withFileTypes: true })
                  .flatMap((d) => (d.isDirectory() ? sources(path.join(dir, d.name)) : d.name.endsWith(".ts") ? [path.join(dir, d.name)] : []));
    const h = createHash("sha256");
    for (const f of [
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "tsconfig.build.json",
        "scripts/build.ts",
        ...sources("components").sort(),
        ...sources("fleet").sort(),
    ]) {
        const file = path.join(root, f);
        if (fs.existsSync(file)) h.update(`${f}\0`).update(fs.readFileSync(file)).update("\0");
    }
    return h.digest("hex");
}

const inputs = inputsHash();
const built = [stamp, path.join(dist, "runner", RUNNER_FILE), path.join(dist, "fleet", "fleet.js"), path.join(dist, "components", "index.js")].every((f) =>
    fs.existsSync(f),
);
if (process.argv.includes("--if-changed") && built && fs.readFileSync(stamp, "utf8").trim() === inputs) {
    console.log(`${dist} (built from these sources already)`);
    process.exit(0);
}

// Every file and directory is swapped in with a rename: a test run or a program using dist/ while
// another build runs never sees a half-written runner or a missing dist/components.
function write(file: string, content: string, mode = 0o644): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, content, { mode });
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
}

const runner = buildSync({
    entryPoints: [path.join(root, "components", "bundle", "cli.ts")],
    bundle: true,
    platform: "node",
    target: `node${MIN_NODE_MAJOR}`,
    format: "cjs",
    minify: true,
    legalComments: "eof",
    banner: { js: "#!/usr/bin/env node" },
    // The SSH transport is used only by the controller-side feeder (feeder/feed.ts), which resolves ssh2 from
    // the package's node_modules; the copy of the runner that runs on targets never loads it.
    external: ["ssh2"],
    write: false,
    logLevel: "silent",
}).outputFiles[0].text;
write(path.join(dist, "runner", RUNNER_FILE), runner, 0o755);
fs.rmSync(path.join(dist, "target"), { recursive: true, force: true }); // not built: a dist/ from an older build may hold it

// The fleet command, one file: its own sources and the few pure helpers of components/ it uses
// (closest, redact, printable); @pulumi/pulumi and js-yaml from node_modules.
const fleet = buildSync({
    entryPoints: [path.join(root, "fleet", "main.ts")],
    bundle: true,
    platform: "node",
    target: `node${MIN_NODE_MAJOR}`,
    format: "cjs",
    packages: "external",
    write: false,
    logLevel: "silent",
}).outputFiles[0].text;
write(path.join(dist, "fleet", "fleet.js"), fleet);

const components = path.join(dist, "components");
const fresh = `${components}.${process.pid}.tmp`;
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.build.json"), "--outDir", fresh], { stdio: "inherit" });
const old = `${components}.${process.pid}.old`;
if (fs.existsSync(components)) fs.renameSync(components, old);
fs.renameSync(fresh, components);
fs.rmSync(old, { recursive: true, force: true });
write(stamp, inputs + "\n");
console.log(dist);
