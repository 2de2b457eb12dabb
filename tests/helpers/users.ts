// Local accounts for tests that need "another user with its own home" (tests run as root).
import { execFileSync, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";

export interface TestUser {
    name: string;
    home: string;
    uid: number;
    gid: number;
    remove(): void;
}

export function isRoot(): boolean {
    return process.getuid?.() === 0;
}

/**
 * Every test account carries this comment with the pid of the test run that made it, so that a later
 * run removes what a killed one left, and never what a run still going on this machine uses.
 */
export const TEST_ACCOUNT_MARK = `codex-connect-pulumi test account of run ${process.pid}`;

export function createUser(prefix = "cxm"): TestUser {
    const name = `${prefix}${randomBytes(3).toString("hex")}`;
    execFileSync("useradd", ["--create-home", "--shell", "/bin/bash", "--comment", TEST_ACCOUNT_MARK, name]);
    const [uid, gid, home] = execFileSync("sh", ["-c", `id -u ${name}; id -g ${name}; getent passwd ${name} | cut -d: -f6`], { encoding: "utf8" })
        .trim()
        .split("\n");
    return {
        name,
        home,
        uid: Number(uid),
        gid: Number(gid),
        remove() {
            spawnSync("pkill", ["-u", name]);
            spawnSync("userdel", ["--remove", name]);
            fs.rmSync(home, { recursive: true, force: true });
        },
    };
}

/**
 * Many accounts at once (a benchmark's thousand hosts): one `newusers` run for all of them (a
 * `useradd` each costs ~70 ms of fsyncs), then one `chpasswd -e` that sets every password field to
 * "*" (no password: sshd with UsePAM no refuses only locked accounts). The names are
 * `${prefix}${i}`; each account has its own group and an empty home directory (no /etc/skel), and
 * carries TEST_ACCOUNT_MARK like createUser's. removeUsers() takes them away again.
 */
export function createUsers(prefix: string, count: number): TestUser[] {
    const names = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    // newusers hashes the password it is given: a random one, replaced by "*" just below.
    const lines = names.map((n) => `${n}:${randomBytes(12).toString("hex")}:::${TEST_ACCOUNT_MARK}:/home/${n}:/bin/bash\n`).join("");
    const made = spawnSync("newusers", [], { input: lines, encoding: "utf8" });
    if (made.status !== 0) {
        removeUsers(names.map((n) => ({ name: n, home: `/home/${n}` })));
        throw new Error(`newusers failed: ${made.stderr.trim()}`);
    }
    const users: TestUser[] = [];
    try {
        execFileSync("chpasswd", ["-e"], { input: names.map((n) => `${n}:*\n`).join("") });
        const passwd = new Map(
            fs
                .readFileSync("/etc/passwd", "utf8")
                .split("\n")
                .map((l) => l.split(":"))
                .map((f) => [f[0], f] as const),
        );
        for (const name of names) {
            const f = passwd.get(name);
            if (!f) throw new Error(`newusers did not create ${name}`);
            const user = { name, home: f[5], uid: Number(f[2]), gid: Number(f[3]) };
            users.push({ ...user, remove: () => removeUsers([user]) });
        }
    } catch (e) {
        removeUsers(names.map((n) => ({ name: n, home: `/home/${n}` })));
        throw e;
    }
    return users;
}

/**
 * Removes accounts with their processes (pkill by uid, a few hundred at a time) and home
 * directories; names that are no account (any more) are skipped.
 */
export function removeUsers(users: Array<Pick<TestUser, "name" | "home">>): void {
    const passwd = new Map(
        fs
            .readFileSync("/etc/passwd", "utf8")
            .split("\n")
            .map((l) => l.split(":"))
            .map((f) => [f[0], f] as const),
    );
    const uids = users.map((u) => passwd.get(u.name)?.[2]).filter((u): u is string => !!u);
    const chunks = Array.from({ length: Math.ceil(uids.length / 400) }, (_, i) => uids.slice(i * 400, i * 400 + 400).join(","));
    const kill = () => chunks.forEach((c) => spawnSync("pkill", ["-KILL", "-U", c]));
    kill();
    // userdel refuses an account whose processes are still exiting.
    for (let tries = 0; tries < 50 && chunks.some((c) => spawnSync("pgrep", ["-U", c], { stdio: "ignore" }).status === 0); tries++) {
        spawnSync("sleep", ["0.1"]);
        kill();
    }
    for (const u of users) {
        if (passwd.has(u.name)) spawnSync("userdel", ["--remove", u.name], { stdio: "ignore" });
        fs.rmSync(u.home, { recursive: true, force: true });
    }
}
