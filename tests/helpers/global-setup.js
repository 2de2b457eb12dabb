// jest globalSetup: what an earlier run that was killed half-way left behind goes first. Test
// accounts carry a mark (tests/helpers/users.ts); their processes (sessions, the sshd started for
// them) and their home directories go with them. Accounts without the mark are never touched.
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const MARK = "codex-connect-pulumi test account";

module.exports = async function globalSetup() {
    if (process.getuid?.() !== 0) return;
    const stale = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .map((l) => l.split(":"))
        .filter((f) => f[4] === MARK)
        .map((f) => f[0]);
    for (const name of stale) {
        spawnSync("pkill", ["-f", `sshd-${name}-`]); // its sshd runs as root from a temp dir named after it
        spawnSync("pkill", ["-KILL", "-u", name]);
        spawnSync("userdel", ["--remove", name], { stdio: "ignore" });
        for (const d of fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`sshd-${name}-`))) fs.rmSync(path.join(os.tmpdir(), d), { recursive: true, force: true });
    }
    if (stale.length) process.stderr.write(`\nglobal setup: removed ${stale.length} test account(s) left by an earlier run: ${stale.join(", ")}\n`);
};
