// An earlier version of this package, built from this repository's history as `npm run build`
// builds it (dist/components, dist/runner), for the stacks it wrote to be moved to today's layout.
// Built once per commit into the toolchain cache; this checkout's node_modules serve it (linked).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cacheRoot, projectRoot } from "./toolchain";

/** The last commit before the state layout of issue 21 (the z1 stdin, a plain stdout, no component outputs). */
export const BEFORE_SMALL_STATE = "467ca4561196ce32587d641f5db58334c1b61eba";

/** The directory of that version's `dist/components` (require() it), built if not yet. */
export function oldPackage(commit: string): string {
    const dir = path.join(cacheRoot, `package-${commit}`);
    const components = path.join(dir, "dist", "components");
    if (fs.existsSync(path.join(components, "index.js")) && fs.existsSync(path.join(dir, "dist", "runner", "codex-mcp-runner.js"))) {
        linkNodeModules(dir);
        return components;
    }
    const has = execFileSync("git", ["cat-file", "-t", commit], { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (has !== "commit") throw new Error(`${commit} is not in this clone's history (a shallow clone?): git fetch --unshallow`);
    const tmp = `${dir}.${process.pid}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const files = ["components", "scripts/build.ts", "package.json", "tsconfig.json", "tsconfig.build.json"];
    const tar = execFileSync("git", ["archive", "--format=tar", commit, ...files], { cwd: projectRoot, maxBuffer: 64 << 20 });
    execFileSync("tar", ["-x", "-C", tmp], { input: tar });
    linkNodeModules(tmp);
    execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(tmp, "scripts", "build.ts")], {
        cwd: tmp,
        stdio: ["ignore", "ignore", "inherit"],
    });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return components;
}

/** The build's node_modules: this checkout's, linked again when the cache was made by another (since removed) clone. */
function linkNodeModules(dir: string): void {
    const link = path.join(dir, "node_modules");
    const want = path.join(projectRoot, "node_modules");
    let now: string | undefined;
    try {
        now = fs.readlinkSync(link);
    } catch {
        now = undefined;
    }
    if (now === want) return;
    const tmp = `${link}.${process.pid}.tmp`;
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(want, tmp);
    fs.renameSync(tmp, link);
}
