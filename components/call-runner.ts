// The program-side probe: one read-only request to one target over the program's own transport
// (feeder/transports.ts), while the program runs. What changes a target goes through the engine instead
// (target-command.ts). Both read the runner's answer with answerOf (feeder/answer.ts).
import { answerOf, newFrame } from "./feeder/answer";
import { launcherInput } from "./protocol/launcher";
import { describeTarget, runLauncher, Target, TransportError } from "./feeder/transports";
import type { RunnerRequest, RunnerResult } from "./protocol/types";
import { limiter } from "./shared/limit";

/**
 * Probes at a time in one program. A fleet's probes would all start together (every target's
 * inputs are known at once): a thousand SSH handshakes at once starve the controller, and an sshd
 * refuses those past its MaxStartups, so most targets would be "unreachable". As many as the engine
 * runs steps at a time: `--parallel` (the Node.js language host passes it on in
 * PULUMI_NODEJS_PARALLEL; the CLI's default is four per CPU), at most 64.
 */
export function probeParallel(env: NodeJS.ProcessEnv = process.env): number {
    const n = Number(env.PULUMI_NODEJS_PARALLEL);
    return Number.isInteger(n) && n > 0 ? Math.min(n, 64) : 16;
}

const inTurn = limiter(probeParallel());

/** Runs one request on one target through the program's transport, at most probeParallel() at a time. */
export function callRunner(target: Target, req: RunnerRequest): Promise<RunnerResult> {
    return inTurn(() => callNow(target, req));
}

async function callNow(target: Target, req: RunnerRequest): Promise<RunnerResult> {
    const label = describeTarget(target);
    const frame = newFrame();
    const full: RunnerRequest = { ...req, codexHome: target.codexHome, user: target.owner, label, frame };
    const r = answerOf(await runLauncher(target, launcherInput(JSON.stringify(full)), { frame }));
    if (!r.ok) throw new TransportError(label, r.error!.message);
    return r as RunnerResult;
}
