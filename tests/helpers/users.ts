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
    const [uid, gid, home] = execFileSync("sh", ["-c", `id -u ${name}; id -g ${name}; getent passwd ${name} | cut -d: -f6`], { encoding: "utf8" }).trim().split("\n");
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
