// A fresh clone of this project, as a newcomer gets it: every file git would commit (tracked or
// new, never ignored ones such as node_modules/, dist/, .pulumi-state/ or stack files), copied from
// this working tree so that uncommitted changes are what is tested.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "./toolchain";

export function freshClone(dest: string, owner?: { uid: number; gid: number }): string {
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: projectRoot, encoding: "utf8" })
        .split("\0")
        .filter((f) => f && fs.existsSync(path.join(projectRoot, f)) && fs.statSync(path.join(projectRoot, f)).isFile());
    for (const f of files) {
        const to = path.join(dest, f);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(path.join(projectRoot, f), to);
        fs.chmodSync(to, fs.statSync(path.join(projectRoot, f)).mode & 0o777);
    }
    if (owner) execFileSync("chown", ["-R", `${owner.uid}:${owner.gid}`, dest]);
    return dest;
}
