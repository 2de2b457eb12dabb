// The controller side of a local or exec target's local.Command: the engine runs
//   node <package>/dist/runner/codex-mcp-runner.js __feed OP [PREFIX...]
// with the request on stdin; this sends the launcher, this very runner and the request to the target
// (directly, or behind the exec prefix, e.g. docker exec -i -u vscode devbox) with an allow-listed
// environment: the engine's own variables (PULUMI_CONFIG_PASSPHRASE...) never reach the target.
import * as fs from "fs";
import { launcherInput } from "./launcher";
import { runLocalLauncher } from "./process-run";
import { describeTarget, Target } from "./target";

export async function feed(op: string, prefix: string[]): Promise<number> {
    const target: Extract<Target, { kind: "local" | "exec" }> = prefix.length ? { kind: "exec", prefix } : { kind: "local" };
    const out = await runLocalLauncher(target, launcherInput(fs.readFileSync(0, "utf8")), op);
    process.stdout.write(out.stdout);
    process.stderr.write(out.stderr);
    if (out.code !== 0 && !out.stderr.trim()) process.stderr.write(`${describeTarget(target)}: the runner exited with ${out.code}\n`);
    return out.code ?? 1;
}
