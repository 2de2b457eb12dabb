// The program-side probe: one read-only request to one target over the program's own transport
// (transports.ts), while the program runs. What changes a target goes through the engine instead
// (target-command.ts).
import { launcherInput } from "./launcher";
import { redact } from "./redact";
import type { RunnerRequest, RunnerResult } from "./runner";
import { describeTarget, runLauncher, Target, TransportError } from "./transports";

/** Parses the runner's one JSON line; a failure names the target and never includes the request. */
export function parseResult(label: string, stdout: string, stderr: string, code: number | null): RunnerResult {
    const line = stdout.trim().split("\n").pop() ?? "";
    let result: RunnerResult;
    try {
        result = JSON.parse(line);
    } catch {
        const why = redact((stderr.trim() || stdout.trim()).split("\n").slice(-3).join(" | ")).slice(0, 500);
        throw new TransportError(label, `the runner gave no result (exit ${code})${why ? `: ${why}` : ""}`);
    }
    if (!result.ok) throw new TransportError(label, redact(result.error?.message ?? "the runner failed"));
    return result;
}

/** Runs one request on one target through the program's transport. */
export async function callRunner(target: Target, req: RunnerRequest): Promise<RunnerResult> {
    const label = describeTarget(target);
    const full: RunnerRequest = { ...req, codexHome: target.codexHome, user: target.owner, label };
    const out = await runLauncher(target, launcherInput(JSON.stringify(full)));
    return parseResult(label, out.stdout, out.stderr, out.code);
}
