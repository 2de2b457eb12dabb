// The controller side of a local or exec target's local.Command: the engine runs
//   node <package>/dist/runner/codex-mcp-runner.js __feed OP
// with the request (and an exec target's prefix, `via`) on stdin; this sends the launcher, this very runner and the request to the target
// (directly, or behind the exec prefix, e.g. docker exec -i -u vscode devbox) with an allow-listed
// environment: the engine's own variables (PULUMI_CONFIG_PASSPHRASE...) never reach the target.
import * as fs from "fs";
import { launcherInput } from "./launcher";
import { runLocalLauncher } from "./process-run";
import { redact } from "./redact";
import { describeTarget, Target } from "./target";

/** stdin: the request, whose `via` (an exec target's prefix) stays here; older states give the prefix as arguments. */
export async function feed(op: string, args: string[]): Promise<number> {
    const text = fs.readFileSync(0, "utf8");
    let parsed: { via?: string[] } = {};
    try {
        parsed = JSON.parse(text);
    } catch {
        // not JSON: the runner itself says so (bad-request)
    }
    const { via, ...request } = parsed;
    const prefix = via ?? args;
    const target: Extract<Target, { kind: "local" | "exec" }> = prefix.length ? { kind: "exec", prefix } : { kind: "local" };
    const out = await runLocalLauncher(target, launcherInput(via ? JSON.stringify(request) : text), op);
    process.stdout.write(out.stdout);
    process.stderr.write(redact(out.stderr)); // what the target printed may hold a credential
    if (out.code !== 0 && !out.stderr.trim()) process.stderr.write(`${describeTarget(target)}: the runner exited with ${out.code}\n`);
    return out.code ?? 1;
}
