// scripts/system-packages.sh, the real script, on a stand-in machine: PATH holds only stand-ins
// (apt-get and sudo recording their arguments, dpkg, id, the checked commands; nothing of the
// machine's PATH) and the fixed paths it checks are under a test root: it cannot install anything.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const script = path.join(__dirname, "../../scripts/system-packages.sh");
const bash = execFileSync("sh", ["-c", "command -v bash"], { encoding: "utf8" }).trim();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "system-packages-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const ALL = ["openssh-server", "openssh-client", "libnss-extrausers", "debootstrap", "openssl", "shellcheck"];
let n = 0;

/** Runs the script on a machine where `have` are installed, as `uid`, with or without apt-get. */
function run(have: string[], opts: { uid: number; ci?: boolean; aptGet?: boolean }) {
    const root = path.join(dir, String(n++));
    const bin = path.join(root, "bin");
    const log = path.join(root, "calls");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(log, "");
    const stub = (name: string, body: string, where = bin) => {
        fs.mkdirSync(where, { recursive: true });
        fs.writeFileSync(path.join(where, name), `#!${bash}\n${body}\n`, { mode: 0o755 });
    };
    const record = `echo "\${DEBIAN_FRONTEND:+DEBIAN_FRONTEND=$DEBIAN_FRONTEND }\${0##*/} $*" >> ${JSON.stringify(log)}`;
    stub("id", `[ "$1" = -u ] && echo ${opts.uid}`);
    stub("dpkg", `[ "$1 $2" = "-s libnss-extrausers" ] && exit ${have.includes("libnss-extrausers") ? 0 : 1}; exit 2`);
    stub("sudo", record);
    if (opts.aptGet !== false) stub("apt-get", record);
    if (have.includes("openssh-server")) stub("sshd", "", path.join(root, "usr/sbin"));
    if (have.includes("openssh-client")) stub("ssh-keygen", "");
    if (have.includes("debootstrap")) stub("debootstrap", "", path.join(root, "usr/sbin"));
    if (have.includes("openssl")) stub("openssl", "");
    if (have.includes("shellcheck")) stub("shellcheck", "");
    const env: NodeJS.ProcessEnv = { PATH: bin, SYSTEM_PACKAGES_ROOT: root };
    if (opts.ci) env.CI = "true";
    const r = spawnSync(bash, [script], { env, encoding: "utf8" });
    return { status: r.status, stderr: r.stderr, calls: fs.readFileSync(log, "utf8").split("\n").filter(Boolean) };
}

test("all present: no apt-get, exit 0, nothing said", () => {
    for (const uid of [0, 1000]) {
        const r = run(ALL, { uid, ci: true });
        expect(r).toEqual({ status: 0, stderr: "", calls: [] });
    }
});

test("some missing as root: apt-get update once, then installs exactly the missing ones, saying why", () => {
    const r = run(["openssh-client", "debootstrap"], { uid: 0 });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
        "apt-get update -qq",
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server libnss-extrausers openssl shellcheck",
    ]);
    expect(r.stderr).toMatch(
        /^system-packages\.sh: installing openssh-server \(sshd .*\) libnss-extrausers \(.*\) openssl \(.*\) shellcheck \(actionlint.*\)\n$/,
    );
});

test("missing as another account under CI=true: stops at once with the sudo line, installs nothing", () => {
    const r = run(["openssh-server", "openssh-client", "openssl"], { uid: 1000, ci: true });
    expect(r.status).not.toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.stderr).toContain("run: sudo apt-get install -y libnss-extrausers debootstrap shellcheck\n");
});

test("missing as another account without CI: says the suites are skipped (they need root) and goes on", () => {
    const r = run(["openssh-client", "openssl", "shellcheck"], { uid: 1000 });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.stderr).toMatch(
        /need root and are skipped for this account \(to run them: .*sudo apt-get install -y openssh-server libnss-extrausers debootstrap,/,
    );
});

test("a tool of tests/tools missing as another account without CI: says which suite fails without it (it needs no root)", () => {
    const r = run(["openssh-client", "openssl"], { uid: 1000 });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.stderr).toMatch(
        /skipped for this account \(tests\/tools\/examples\.test\.ts fails without shellcheck\) \(to run them: .*sudo apt-get install -y openssh-server libnss-extrausers debootstrap shellcheck,/,
    );
    const both = run(["openssl"], { uid: 1000 });
    expect(both.stderr).toMatch(
        /skipped for this account \(tests\/tools\/examples\.test\.ts fails without shellcheck; tests\/tools\/known-hosts\.test\.ts fails without ssh-keygen\) \(to run them: .*sudo apt-get install -y openssh-server openssh-client libnss-extrausers debootstrap shellcheck,/,
    );
});

test("no apt-get, as root: the missing list and a clear message, exit non-zero", () => {
    const r = run(
        ALL.filter((p) => p !== "debootstrap"),
        { uid: 0, aptGet: false },
    );
    expect(r.status).not.toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.stderr).toMatch(/missing debootstrap \(dev containers\); this machine has no apt-get/);
});
