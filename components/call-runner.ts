// The program-side probe: one read-only request to one target over the program's own transport
// (feeder/transports.ts), while the program runs. What changes a target goes through the engine instead
// (target-command.ts). Both read the runner's answer with answerOf (feeder/answer.ts).
import { answerOf, newFrame } from "./feeder/answer";
import { launcherInput } from "./protocol/launcher";
import { describeTarget, runLauncher, Target, TransportError } from "./feeder/transports";
import type { RunnerRequest, RunnerResult } from "./protocol/types";

/** Runs one request on one target through the program's transport. */
export async function callRunner(target: Target, req: RunnerRequest): Promise<RunnerResult> {
    const label = describeTarget(target);
    const frame = newFrame();
    const full: RunnerRequest = { ...req, codexHome: target.codexHome, user: target.owner, label, frame };
    const r = answerOf(await runLauncher(target, launcherInput(JSON.stringify(full)), { frame }));
    if (!r.ok) throw new TransportError(label, r.error!.message);
    return r as RunnerResult;
}
