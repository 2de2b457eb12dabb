// jest globalSetup. What the selected suites need, and only that (the test sequencer,
// tests/helpers/sequencer.js, noted them; tests/README.md): tests/unit needs nothing (its suites
// compile the sources themselves and run no outside tool), tests/tools the system packages
// (scripts/system-packages.sh), every other suite those and the package as it ships (npm run
// build: dist/).
// Then, as root, what an earlier run that was killed half-way left behind goes. Test accounts carry
// a mark with the pid of their run (tests/helpers/users.ts); those whose run is gone go, with their
// processes (sessions, the sshd started for them) and home directories. Accounts without the mark,
// or of a run still going, are never touched.
const { execFileSync, spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const { SELECTED } = require("./sequencer");

const root = path.join(__dirname, "..", "..");
const under = (dir) => (p) => p.startsWith(path.join(root, "tests", dir) + path.sep);
const MARK = /^codex-connect-pulumi test account of run (\d+)$/;

/** The run that made the account is gone (a run still going keeps its accounts). */
function runIsGone(pid) {
    try {
        process.kill(pid, 0);
        return false;
    } catch (e) {
        return e.code === "ESRCH";
    }
}

/** Some selected suite is not in one of these folders (when the sequencer did not say: any may be). */
function someOutside(...dirs) {
    const selected = globalThis[SELECTED];
    if (!Array.isArray(selected)) return true;
    return selected.some((p) => !dirs.some((d) => under(d)(p)));
}

module.exports = async function globalSetup() {
    // Stops the run (non-zero) when a package is missing under CI=true; else installs them or says.
    if (someOutside("unit")) execFileSync(path.join(root, "scripts", "system-packages.sh"), { stdio: ["ignore", "inherit", "inherit"] });
    // The package as it ships (dist/): the programs under test import it, and the runner comes from it.
    if (someOutside("unit", "tools")) execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    if (process.getuid?.() !== 0) return;
    const stale = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .map((l) => l.split(":"))
        .filter((f) => MARK.test(f[4] ?? "") && runIsGone(Number(MARK.exec(f[4])[1])))
        .map((f) => f[0]);
    for (const name of stale) {
        spawnSync("pkill", ["-f", `sshd-${name}-`]); // its sshd runs as root from a temp dir named after it
        spawnSync("pkill", ["-KILL", "-u", name]);
        spawnSync("userdel", ["--remove", name], { stdio: "ignore" });
        for (const d of fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`sshd-${name}-`)))
            fs.rmSync(path.join(os.tmpdir(), d), { recursive: true, force: true });
    }
    if (stale.length) process.stderr.write(`\nglobal setup: removed ${stale.length} test account(s) left by an earlier run: ${stale.join(", ")}\n`);
};
