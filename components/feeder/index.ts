// The controller side of the runner bundle: `__feed` (feed.ts), which the engine runs for each
// target's command, sends the launcher, the runner and the request to the target (a local process
// or an exec prefix: process-run.ts; one ssh2 session: transports.ts), reads the answer with bounded
// memory (answer.ts) and prints only what the components read back; engine-watch.ts stops it when
// the Pulumi CLI is gone. The probe (call-runner.ts) uses the same transports. No Pulumi here.
export { feed } from "./feed";
export { answerOf, newFrame } from "./answer";
export { describeTarget, runLauncher, TransportError } from "./transports";
