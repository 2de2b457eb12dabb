// The SSH targets' runner script (launcher.ts targetScript), put in place by the probe of a
// `pulumi up`: the probe already carries the runner's code (gzipped, on stdin), so staging it costs
// no extra connection and keeps the code out of the state (a remote.CopyToRemote stored the
// connection, private key included, twice more per target). The script lives in the SSH login's own
// home and is rewritten only when it differs, through a temporary file and a rename: a command
// running the old one keeps reading the old one.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REMOTE_SCRIPT, targetScript } from "./launcher";

/** Writes ~/REMOTE_SCRIPT for this runner's source unless it is already that; returns whether it wrote. */
export function stageTargetScript(source: string, home = os.homedir()): boolean {
    const file = path.join(home, REMOTE_SCRIPT);
    const want = targetScript(source);
    try {
        if (fs.readFileSync(file, "utf8") === want) return false;
    } catch {
        // absent or unreadable: write it
    }
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, want, { mode: 0o700 });
    fs.renameSync(tmp, file);
    return true;
}
