// One target's state in the program: its probe, the command that changes it, and the outputs read
// from the command's answer.
import * as pulumi from "@pulumi/pulumi";
import type { Desired } from "./desired";
import { manager, Probe, probe } from "./probe";
import { describeTarget, Target } from "./protocol/target";
import type { RunnerRequest, RunnerResult } from "./protocol/types";
import { printableDeep } from "./shared/untrusted";
import { describeSignIn } from "./sign-in";
import { checkTarget, ValidTarget } from "./target-args";
import { identity, targetCommand } from "./target-command";

export interface TargetOutputs {
    /** config.toml on the target. */
    configPath: pulumi.Output<string>;
    codexVersion: pulumi.Output<string | undefined>;
    codexPath: pulumi.Output<string | undefined>;
    /** What had drifted when the last update ran (empty when the update was not a repair). */
    repaired: pulumi.Output<string[]>;
    /** What the read-only probe found drifted while this program ran (repaired by `pulumi up`). */
    drift: pulumi.Output<string[]>;
    /** Codex's sign-in on the target, in words ("API key, signed in by this stack"; "not signed in: ..."). */
    signIn: pulumi.Output<string | undefined>;
    /** Codex's own verdict: ready to use here (signed in, the entry used as written, the server reachable, logged in to it). */
    ready: pulumi.Output<boolean | undefined>;
    /** Why not, in words a person acts on; empty when ready. */
    notReadyBecause: pulumi.Output<string[]>;
}

/** One target in the program: probed while it runs, changed by one command at `up`, its outputs read from the answer. */
export function targetState(
    parent: pulumi.ComponentResource,
    name: string,
    target: ValidTarget,
    desired: pulumi.Output<Desired>,
    aliases?: pulumi.Alias[],
): TargetOutputs {
    checkTarget(target);
    if (target.kind === "ssh" && target.insecureSkipHostKeyCheck)
        pulumi.log.warn(`${describeTarget(target as Target)}: insecureSkipHostKeyCheck: the host is not verified`, parent);
    const resolved = pulumi.output(target) as pulumi.Output<Target>;
    const p = probe(name, resolved, desired, parent);
    // Names and paths only: never secret. (A trigger that is secret in one run and not in the next
    // is a change, and a change of triggers is a replace: create the new, delete the old.)
    const id = pulumi.unsecret(desired.apply((d) => identity(target, d.name)));
    const request = pulumi.all([desired, id]).apply(([d, claim]) => ensureRequest(name, target, d, claim));
    const stdout = targetCommand(name, { target, request, token: p.token, identity: id }, parent, aliases);
    // The result line names paths, versions and field names: never a header value (runner/operations.ts).
    const report = pulumi.unsecret(stdout.apply(lastAnswer));
    report.apply(
        (r) =>
            r.adopted &&
            pulumi.log.info(
                `${describeTarget(target as Target)}: the entry that was already in ${r.configPath} is saved on the target; destroy puts it back`,
                parent,
            ),
    );
    return outputsOf(p, report);
}

/** The request the command sends on stdin at `up`; the drift token is not in it, the command line carries it (target-command.ts). */
function ensureRequest(name: string, target: ValidTarget, d: Desired, claim: string): RunnerRequest {
    return {
        op: "ensure",
        name: d.name,
        entry: d.entry,
        codex: d.codex,
        verify: d.verify,
        // A stored stack may hold an SSH target's command as a remote.Command, which the engine
        // replaces by a local.Command (create the new, then delete the old): the old one's remove must
        // see another claim than the new one's, or it would delete the entry the new one has just written.
        claim: target.kind === "ssh" ? `${claim} (local.Command)` : claim,
        managedBy: manager(name),
        ...(d.signIn ? { signIn: d.signIn } : {}),
        ...(d.allowCodexOverrides ? { allowCodexOverrides: true } : {}),
        ...(d.liveCheck ? { liveCheck: true } : {}),
        takeOver: d.takeOver,
        ...(d.fleet ? { fleet: d.fleet } : {}),
        ...(d.shard !== undefined ? { shard: d.shard } : {}),
        codexHome: target.codexHome,
        user: target.owner,
        label: describeTarget(target as Target),
        compact: true,
    };
}

/** The component's outputs: from the update's answer, but while in sync (nothing runs) the probe's verdict is the current one. */
function outputsOf(p: pulumi.Output<Probe>, report: pulumi.Output<RunnerResult>): TargetOutputs {
    return {
        configPath: report.apply((r) => r.configPath),
        codexVersion: report.apply((r) => r.codex?.version),
        codexPath: report.apply((r) => r.codex?.path),
        repaired: report.apply((r) => r.repaired ?? []),
        drift: p.drift,
        signIn: report.apply((r) => describeSignIn(r.signIn)),
        ready: pulumi.all([p, report]).apply(([probed, r]) => (probed.inSync ? probed.ready : r.ready)?.ready),
        notReadyBecause: pulumi.all([p, report]).apply(([probed, r]) => (probed.inSync ? probed.ready : r.ready)?.reasons ?? []),
    };
}

/**
 * The answer the command printed, as the state keeps it. Never throws: a stored state may hold
 * whatever a target printed (a login banner glued to the line), and one target's
 * unreadable output must not stop the program for all the others; its outputs are then unknown
 * until its next update.
 */
function lastAnswer(stdout: string | undefined): RunnerResult {
    const lines = (stdout ?? "").trim().split("\n");
    for (let i = lines.length - 1; i >= Math.max(0, lines.length - 3); i--) {
        try {
            const r = JSON.parse(lines[i]);
            if (r && typeof r === "object" && !Array.isArray(r)) return printableDeep(r) as RunnerResult;
        } catch {
            // not this line
        }
    }
    return {} as RunnerResult;
}
