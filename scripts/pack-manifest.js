#!/usr/bin/env node
// @ts-check
// The package.json that `npm pack` and `npm publish` ship. npm packs the file as it is on disk, and
// this repository's holds what works only here: `prepare` (the build, unless dist/ is built from
// these sources already) is needed when the package is installed from git (`pulumi package add
// https://...git@vX` runs `npm install` in the clone, which builds dist/ through it), but in a
// tarball it cannot run (no sources, no devDependencies) and npm lists it among the package's install
// scripts. So, around a pack:
//   prepack   (after npm run build) puts the manifest a consumer needs in place of package.json: all
//             of it but `scripts` and `devDependencies`. The original bytes go first into
//             .package.json.packing, with the npm process that packs (pid and start time); that file
//             is also the lock (one pack per folder at a time).
//   postpack  puts the original back.
//   guard     (started by prepack, detached from the terminal and the npm process group) puts it back
//             when that npm ends without postpack: interrupted, killed, or a pack that failed.
//   restore   puts back a package.json whose npm and guard are both gone (the machine stopped) and
//             says so; the next prepack runs it first. When the packed manifest is what stayed, npm
//             finds no scripts in it ("Missing script: build"): run `node scripts/pack-manifest.js
//             restore` (or `git checkout package.json`).
// Usage: node scripts/pack-manifest.js prepack|postpack|restore [DIR]   (DIR: default the working
// directory, which npm sets to the package's root for its scripts).
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");

const BACKUP = ".package.json.packing";
/** Left out of the packed manifest: they work only in this repository. */
const REPOSITORY_ONLY = ["scripts", "devDependencies"];

/** @param {number} pid */
function procStat(pid) {
    try {
        const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // The name is in parentheses and may hold spaces: the fields follow the last ")".
        const close = s.lastIndexOf(")");
        const rest = s.slice(close + 2).split(" ");
        return { comm: s.slice(s.indexOf("(") + 1, close), ppid: Number(rest[1]), start: rest[19] };
    } catch {
        return undefined;
    }
}

/**
 * The npm process that runs this script: the nearest ancestor whose name starts with "npm" (npm
 * names itself `npm pack`, `npm publish`), else the parent of the shell that runs the script.
 * @returns {{ pid: number; start: string }}
 */
function packer() {
    const chain = [];
    for (let pid = process.ppid; pid > 1 && chain.length < 8;) {
        const st = procStat(pid);
        if (!st) break;
        if (st.comm.startsWith("npm")) return { pid, start: st.start };
        chain.push({ pid, start: st.start });
        pid = st.ppid;
    }
    const owner = chain[1] ?? chain[0];
    if (!owner) throw new Error("pack-manifest: cannot tell which process packs (no /proc?)");
    return owner;
}

/** @param {{ pid: number; start: string }} owner */
const alive = (owner) => procStat(owner.pid)?.start === owner.start;

/** @param {string} dir */
function readBackup(dir) {
    try {
        return /** @type {{ pid: number; start: string; original: string }} */ (JSON.parse(fs.readFileSync(path.join(dir, BACKUP), "utf8")));
    } catch (e) {
        if (/** @type {NodeJS.ErrnoException} */ (e).code === "ENOENT") return undefined;
        throw new Error(
            `pack-manifest: ${path.join(dir, BACKUP)} cannot be read (${/** @type {Error} */ (e).message}); package.json may be the packed one: compare it with git (git diff package.json)`,
            { cause: e },
        );
    }
}

/** Replaces a file whole (a reader never sees half of it), keeping its mode. @param {string} file @param {string} text */
function replace(file, text) {
    const tmp = `${file}.${process.pid}.tmp`;
    const mode = fs.existsSync(file) ? fs.statSync(file).mode & 0o777 : 0o644;
    fs.writeFileSync(tmp, text, { mode });
    fs.renameSync(tmp, file);
}

/** The original package.json back from the backup, then the backup gone. @param {string} dir @param {{ original: string }} backup */
function putBack(dir, backup) {
    replace(path.join(dir, "package.json"), backup.original);
    fs.rmSync(path.join(dir, BACKUP), { force: true });
}

/**
 * A backup whose npm is gone: package.json put back, said on stderr. A live one is another pack in
 * progress: left alone (returns it).
 * @param {string} dir
 */
function restore(dir) {
    const backup = readBackup(dir);
    if (!backup) return undefined;
    if (alive(backup)) return backup;
    putBack(dir, backup);
    process.stderr.write(`pack-manifest: package.json put back from ${BACKUP}: the npm pack that changed it (pid ${backup.pid}) ended before its postpack\n`);
    return undefined;
}

/** @param {string} dir */
function prepack(dir) {
    const busy = restore(dir);
    if (busy) throw new Error(`pack-manifest: another npm pack (pid ${busy.pid}) is packing ${dir}; wait for it to end`);
    const file = path.join(dir, "package.json");
    const original = fs.readFileSync(file, "utf8");
    const manifest = JSON.parse(original);
    for (const k of REPOSITORY_ONLY) delete manifest[k];
    // The backup is written whole, then linked into place: link fails when another pack got there first.
    const tmp = path.join(dir, `${BACKUP}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify({ ...packer(), original }));
    try {
        fs.linkSync(tmp, path.join(dir, BACKUP));
    } catch (e) {
        if (/** @type {NodeJS.ErrnoException} */ (e).code === "EEXIST")
            throw new Error(`pack-manifest: another npm pack is packing ${dir}; wait for it to end`, { cause: e });
        throw e;
    } finally {
        fs.rmSync(tmp, { force: true });
    }
    spawn(process.execPath, [__filename, "guard", dir], { detached: true, stdio: "ignore" }).unref();
    replace(file, JSON.stringify(manifest, null, 2) + "\n");
}

/** @param {string} dir */
function postpack(dir) {
    const backup = readBackup(dir);
    if (!backup)
        throw new Error(`pack-manifest: ${path.join(dir, BACKUP)} is missing: package.json may be the packed one; compare it with git (git diff package.json)`);
    putBack(dir, backup);
}

/** Waits for the npm that packs; puts package.json back if it ended without postpack. @param {string} dir */
function guard(dir) {
    const mine = readBackup(dir);
    if (!mine) return;
    const timer = setInterval(() => {
        const now = readBackup(dir);
        if (!now || now.pid !== mine.pid || now.start !== mine.start) return clearInterval(timer); // postpack did it
        if (!alive(mine)) {
            clearInterval(timer);
            putBack(dir, mine);
        }
    }, 250);
}

if (require.main === module) {
    const [op, dir = process.cwd()] = process.argv.slice(2);
    const ops = { prepack, postpack, guard, restore };
    if (!(op in ops)) {
        process.stderr.write("usage: node scripts/pack-manifest.js prepack|postpack|restore [DIR]\n");
        process.exit(2);
    }
    try {
        ops[/** @type {keyof typeof ops} */ (op)](path.resolve(dir));
    } catch (e) {
        process.stderr.write(`${/** @type {Error} */ (e).message}\n`);
        process.exit(1);
    }
}

module.exports = { restore, BACKUP, REPOSITORY_ONLY };
