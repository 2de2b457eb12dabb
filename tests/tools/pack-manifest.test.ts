// scripts/pack-manifest.js with the real npm, on a stand-in package that uses it as this repository
// does (prepack/postpack): the tarball's package.json has no scripts or devDependencies and keeps the
// rest; the folder's package.json is back byte for byte after a pack, after a pack killed half-way
// (the guard), and after a pack whose guard was gone too (restore, said so); two packs at once are refused.
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectRoot } from "../helpers/toolchain";

const SCRIPT = path.join(projectRoot, "scripts", "pack-manifest.js");
// Four-space indentation and a key order of its own: put back means these bytes, not a re-serialisation.
const manifest = {
    name: "standin",
    version: "1.0.0",
    main: "index.js",
    types: "index.d.ts",
    exports: { ".": { types: "./index.d.ts", default: "./index.js" } },
    files: ["index.js", "index.d.ts"],
    bin: { standin: "index.js" },
    engines: { node: ">=20" },
    peerDependencies: { "left-pad": "^1.0.0" },
    dependencies: {},
    devDependencies: { typescript: "5.9.3" },
    scripts: { prepare: "exit 3", prepack: "node pack-manifest.js prepack", postpack: "node pack-manifest.js postpack" },
};
const ORIGINAL = JSON.stringify(manifest, null, 4) + "\n";

let dir: string;
const pkg = () => path.join(dir, "package.json");
const backup = () => path.join(dir, ".package.json.packing");

/** A fresh stand-in package; prepack may be given another command line (a pause after the swap). */
function standin(prepack = manifest.scripts.prepack): string {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pack-manifest-"));
    fs.copyFileSync(SCRIPT, path.join(dir, "pack-manifest.js"));
    fs.writeFileSync(path.join(dir, "index.js"), "module.exports = 1;\n");
    fs.writeFileSync(path.join(dir, "index.d.ts"), "export {};\n");
    const text = ORIGINAL.replace(JSON.stringify(manifest.scripts.prepack), JSON.stringify(prepack));
    fs.writeFileSync(pkg(), text);
    return text;
}

function pack(): { status: number | null; out: string; packed?: Record<string, unknown> } {
    const r = spawnSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: dir, encoding: "utf8" });
    const tgz = path.join(dir, "standin-1.0.0.tgz");
    const packed = fs.existsSync(tgz) ? JSON.parse(execFileSync("tar", ["-xzOf", tgz, "package/package.json"], { encoding: "utf8" })) : undefined;
    return { status: r.status, out: r.stdout + r.stderr, packed };
}

/** The guard processes watching this stand-in (none once a pack is over). */
const guards = () =>
    fs.readdirSync("/proc").filter(
        (p) =>
            /^\d+$/.test(p) &&
            (() => {
                try {
                    return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" ").includes(`guard ${dir}`);
                } catch {
                    return false;
                }
            })(),
    );

async function until(what: () => boolean, ms = 10_000): Promise<void> {
    for (const end = Date.now() + ms; !what();) {
        if (Date.now() > end) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 50));
    }
}

afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("the tarball's package.json: no scripts or devDependencies, the rest as it was; the folder's back byte for byte; no guard left", async () => {
    standin();
    const r = pack();
    expect({ status: r.status, out: r.out.trim() }).toEqual({ status: 0, out: "standin-1.0.0.tgz" }); // prepare (exit 3) did not run in the pack
    const { scripts, devDependencies, ...rest } = manifest;
    expect(scripts && devDependencies).toBeTruthy();
    expect(r.packed).toEqual(rest);
    expect(Object.keys(r.packed!)).toEqual(Object.keys(rest));
    expect(fs.readFileSync(pkg(), "utf8")).toBe(ORIGINAL);
    expect(fs.existsSync(backup())).toBe(false);
    await until(() => guards().length === 0);
});

test.each(["SIGKILL", "SIGINT"] as const)("npm pack stopped by %s after the swap: the guard puts package.json back", async (signal) => {
    const original = standin("node pack-manifest.js prepack && sleep 60");
    const npm = spawn("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: dir, detached: true, stdio: "ignore" });
    const ended = new Promise((r) => npm.once("exit", r));
    await until(() => fs.existsSync(backup()) && !fs.readFileSync(pkg(), "utf8").includes('"scripts"'), 30_000);
    expect(guards()).toHaveLength(1);
    process.kill(-npm.pid!, signal); // the whole process group, as a terminal's Ctrl-C or a CI job's kill does
    await ended;
    await until(() => !fs.existsSync(backup()));
    expect(fs.readFileSync(pkg(), "utf8")).toBe(original);
    await until(() => guards().length === 0);
});

test("a backup whose pack and guard are gone: restore puts package.json back and says so; so does the next pack's prepack", () => {
    standin();
    const gone = spawnSync("true").pid; // a pid that has ended
    fs.writeFileSync(backup(), JSON.stringify({ pid: gone, start: "1", original: ORIGINAL }));
    fs.writeFileSync(pkg(), '{"name":"standin","version":"1.0.0"}\n'); // whatever the pack left
    const r = spawnSync(process.execPath, [SCRIPT, "restore", dir], { encoding: "utf8" });
    expect({ status: r.status, err: r.stderr }).toEqual({
        status: 0,
        err: `pack-manifest: package.json put back from .package.json.packing: the npm pack that changed it (pid ${gone}) ended before its postpack\n`,
    });
    expect(fs.readFileSync(pkg(), "utf8")).toBe(ORIGINAL);
    expect(fs.existsSync(backup())).toBe(false);

    // Left by a pack stopped between the backup and the swap: the next pack's prepack puts it back first.
    fs.writeFileSync(backup(), JSON.stringify({ pid: gone, start: "1", original: ORIGINAL }));
    const p = pack();
    expect(p.status).toBe(0);
    expect(p.out).toContain("pack-manifest: package.json put back from .package.json.packing");
    expect(p.packed).not.toHaveProperty("scripts");
    expect(fs.readFileSync(pkg(), "utf8")).toBe(ORIGINAL);
});

test("a second pack while one is packing is refused; the first one's files are left alone", () => {
    standin();
    const me = fs.readFileSync(`/proc/${process.pid}/stat`, "utf8");
    const start = me.slice(me.lastIndexOf(")") + 2).split(" ")[19];
    const live = JSON.stringify({ pid: process.pid, start, original: ORIGINAL });
    fs.writeFileSync(backup(), live);
    const r = pack();
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(`pack-manifest: another npm pack (pid ${process.pid}) is packing ${dir}; wait for it to end`);
    expect(fs.readFileSync(backup(), "utf8")).toBe(live);
    expect(fs.readFileSync(pkg(), "utf8")).toBe(ORIGINAL);
});
