// What a directory tree holds, as plain strings a test can compare before and after: one line per
// path (type, mode, owner, and for files their size and sha256, for symlinks their target), never
// following a symlink. Directory sizes and times are left out: they change with the filesystem's
// bookkeeping, not with what is in the tree (a new or removed entry shows as its own path).
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

function line(p: string, st: fs.Stats): string {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
    const owner = `${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) return `symlink ${mode} ${owner} -> ${fs.readlinkSync(p)}`;
    if (st.isDirectory()) return `dir ${mode} ${owner}`;
    if (st.isFile()) return `file ${mode} ${owner} ${st.size} sha256:${createHash("sha256").update(fs.readFileSync(p)).digest("hex")}`;
    return `${st.isFIFO() ? "fifo" : st.isSocket() ? "socket" : "special"} ${mode} ${owner}`;
}

/**
 * Every path under each root (the roots included), keyed by absolute path. A path in `exclude` is
 * left out with everything under it. A root that does not exist shows as "absent".
 */
export function snapshot(roots: string[], exclude: string[] = []): Record<string, string> {
    const skip = new Set(exclude.map((e) => path.resolve(e)));
    const out: Record<string, string> = {};
    const walk = (p: string) => {
        if (skip.has(p)) return;
        let st: fs.Stats;
        try {
            st = fs.lstatSync(p);
        } catch {
            out[p] = "absent";
            return;
        }
        out[p] = line(p, st);
        if (st.isDirectory()) for (const name of fs.readdirSync(p).sort()) walk(path.join(p, name));
    };
    for (const root of roots) walk(path.resolve(root));
    return out;
}
