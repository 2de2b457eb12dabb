#!/usr/bin/env node
// After a killed `pulumi up`, the file backend keeps the dead run's lock and every later run of the
// stack stops with "the stack is currently locked". Used by up.sh and down.sh: when every lock of the
// stack names a process of this machine that no longer runs, `pulumi cancel` clears them (what
// Pulumi's own message says to run). A lock of a live run, or of another machine, is left alone.
// Usage: node scripts/clear-stale-lock.js STACK   (PULUMI_BACKEND_URL=file://..., pulumi on PATH)
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const stack = process.argv[2];
const backend = process.env.PULUMI_BACKEND_URL || "";
if (!stack || !backend.startsWith("file://")) process.exit(0);
const root = path.join(backend.slice("file://".length), ".pulumi", "locks");

/** Lock files under .pulumi/locks whose directory is the stack's (…/<project>/<stack>/<id>.json). */
function locksOf(dir) {
    let entries;
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return [];
    }
    return entries.flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return locksOf(p);
        return e.name.endsWith(".json") && path.basename(dir) === stack ? [p] : [];
    });
}

function dead(file) {
    let lock;
    try {
        lock = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        return false;
    }
    if (lock.hostname !== os.hostname() || !Number.isInteger(lock.pid)) return false;
    try {
        process.kill(lock.pid, 0);
        return false;
    } catch (e) {
        return e.code === "ESRCH";
    }
}

const locks = locksOf(root);
if (!locks.length || !locks.every(dead)) process.exit(0);
const pids = locks.map((f) => JSON.parse(fs.readFileSync(f, "utf8")).pid).join(", ");
process.stderr.write(`${path.basename(process.argv[1])}: stack ${stack} is locked by a run that is gone (pid ${pids}, killed?): pulumi cancel\n`);
const r = spawnSync("pulumi", ["cancel", "--yes", "--stack", stack, "--non-interactive"], { stdio: ["ignore", "ignore", "inherit"] });
process.exit(r.status ?? 1);
