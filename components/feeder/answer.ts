// The runner's answer as a controller reads it, from any transport: framed, bounded (shared/untrusted.ts),
// parsed, every string in it escaped. Used by the program's probes (call-runner.ts) and the engine's
// commands (feeder/feed.ts). No transport here: this file is also in the runner bundle.
import { randomBytes } from "crypto";
import type { Output } from "./process-run";
import { redact } from "../shared/redact";
import { MAX_ANSWER_BYTES, printable, printableDeep } from "../shared/untrusted";
import type { RunnerFailure, RunnerResult } from "../protocol/types";

/** A nonce for one call's answer (shared/untrusted.ts frameStart). */
export const newFrame = () => randomBytes(9).toString("base64url");

/** What a target printed around the answer, or on stderr, for a message: masked, escaped, short. */
function what(out: Output): string {
    const text = [out.stderr.trim(), out.noise.trim()].filter(Boolean).join(" | ");
    return printable(redact(text).split("\n").slice(-3).join(" | ")).slice(-500);
}

/** The launcher's own refusal (no Node.js), printed before any runner could frame it. */
function launcherFailure(out: Output): RunnerResult["error"] | undefined {
    const last = out.noise.trim().split("\n").pop() ?? "";
    try {
        const r = JSON.parse(last);
        return r?.ok === false && typeof r.error?.code === "string" && typeof r.error?.message === "string" ? r.error : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The runner's answer, parsed, every string in it escaped; a failure never includes the request
 * (the caller names the target). Whatever else the target printed is ignored, and only a sample is kept.
 */
export function answerOf(out: Output): RunnerResult | RunnerFailure {
    if (out.oversized) return fail("answer-too-large", `the runner's answer was larger than ${MAX_ANSWER_BYTES} bytes; it was refused unread`);
    if (out.answer === undefined) {
        const early = launcherFailure(out);
        if (early) return fail(early.code, early.message);
        const why = what(out);
        return fail("no-answer", `the runner gave no answer (exit ${out.code})${why ? `: ${why}` : ""}`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(out.answer);
    } catch {
        return fail("bad-answer", "the runner's answer is not JSON");
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return fail("bad-answer", "the runner's answer is not a JSON object");
    const r = printableDeep(parsed) as RunnerResult;
    if (!r.ok) return fail(r.error?.code ?? "failed", r.error?.message ?? "the runner failed");
    return r;
}

function fail(code: string, message: string): RunnerFailure {
    return { ok: false, error: { code: printable(code), message: printable(redact(message)) } };
}
