// The controller side of a target's local.Command: the engine runs
//   node <package>/dist/runner/codex-mcp-runner.js __feed OP
// with the request on stdin, and with it where the target is: an exec target's prefix (`via`) or an
// SSH target's connection (`ssh`), which stay here. This sends the launcher, this very runner and the
// request to the target, reads the answer with bounded memory (shared/untrusted.ts), and prints only that
// answer, re-serialised and escaped: the engine keeps what this prints in the state, so nothing a
// target prints (a login banner, a flood) reaches the state or the operator's terminal. When the
// engine is gone (the CLI killed), the run on the target is stopped (feeder/engine-watch.ts).
import * as fs from "fs";
import { answerOf, newFrame } from "./answer";
import { engineGone } from "./engine-watch";
import { launcherInput } from "../protocol/launcher";
import type { Output, RunOptions } from "./process-run";
import { runLocalLauncher } from "./process-run";
import { redact } from "../shared/redact";
import { open } from "../protocol/envelope";
import { describeTarget, Target } from "../protocol/target";
import { printable } from "../shared/untrusted";
import type { RunnerResult } from "../protocol/types";

function readStdin(): ReturnType<typeof open> | string {
    try {
        return open(fs.readFileSync(0, "utf8"));
    } catch {
        // Not the parser's message: it quotes the text, which holds the secrets.
        return "the request on stdin is not readable (neither z1 nor JSON)";
    }
}

/**
 * What an ensure prints: what the components read back (target-state.ts), nothing else. The engine keeps
 * it in every snapshot, as the command's stdout.
 */
export function kept(r: RunnerResult): Partial<RunnerResult> {
    const signIn = r.signIn && { status: r.signIn.status, method: r.signIn.method, by: r.signIn.by, problem: r.signIn.problem };
    return {
        configPath: r.configPath,
        ...(r.codex ? { codex: { version: r.codex.version, path: r.codex.path } as RunnerResult["codex"] } : {}),
        ...(r.repaired?.length ? { repaired: r.repaired } : {}),
        ...(r.adopted ? { adopted: true } : {}),
        ...(signIn ? { signIn } : {}),
        ...(r.ready ? { ready: r.ready } : {}),
    };
}

function run(target: Target, input: Buffer, opts: RunOptions, op: string): Promise<Output> {
    if (target.kind !== "ssh") return runLocalLauncher(target, input, opts, op);
    // Loaded only here: ssh2 is resolved from the package's node_modules on the controller, and the
    // copy of this bundle that runs on targets never reaches this line.
    const { runLauncher } = require("./transports") as typeof import("./transports");
    return runLauncher(target, input, opts, op);
}

/**
 * stdin: the request (protocol/envelope.ts; an exec prefix given as arguments instead of `via`, as stored states may, still works).
 * `verb`: the operation, and for an ensure the drift token after " # " (`ensure # in sync (3f2a…)`:
 * the command line's last word, where the preview's diff shows it). Returns the exit code.
 */
export async function feed(verb: string, args: string[]): Promise<number> {
    const read = readStdin();
    if (typeof read === "string") {
        process.stderr.write(`codex-mcp feed: ${read}\n`);
        return 2;
    }
    const at = verb.indexOf(" # ");
    const op = at < 0 ? verb : verb.slice(0, at);
    const request = at < 0 ? read.request : { ...read.request, token: verb.slice(at + 3) };
    const target: Target = read.target.kind === "local" && args.length ? { kind: "exec", prefix: args } : read.target;
    const label = printable(request.label ?? describeTarget(target));
    const frame = newFrame();
    const watch = engineGone();
    try {
        const out = await run(target, launcherInput(JSON.stringify({ ...request, op, frame })), { frame, signal: watch.signal }, op);
        if (watch.signal.aborted) {
            process.stderr.write(`${label}: stopped: the Pulumi engine that started this run is gone\n`);
            return 3;
        }
        const r = answerOf(out);
        if (!r.ok) {
            process.stderr.write(`${label}: ${r.error!.message}\n`);
            return 2;
        }
        process.stdout.write(JSON.stringify(op === "ensure" ? kept(r as RunnerResult) : r) + "\n");
        return 0;
    } catch (e) {
        // Transport errors name the target already; anything else (a key ssh2 cannot read) gets its name.
        const message = printable(redact((e as Error).message));
        process.stderr.write(`${message.startsWith(`${label}: `) ? "" : `${label}: `}${message}\n`);
        return 2;
    } finally {
        watch.stop();
    }
}
