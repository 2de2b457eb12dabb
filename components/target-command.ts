// One target's desired state as a @pulumi/command resource: create/update run the runner's ensure,
// delete its remove. Every kind is a local.Command whose controller-side feeder (feeder/feed.ts) reaches
// the target (directly, behind an exec prefix, or over SSH), streams the runner to it and prints
// only the runner's answer: the engine keeps a command's stdout and stderr in the state, so nothing
// the target prints goes there (a remote.Command would keep all a login shell prints, unbounded).
// The request (the header included) and where the target is (an exec prefix, an SSH connection with
// its key) are the command's stdin, the one secret; nothing is logged. Its stdout is the feeder's
// short answer (paths, versions, field names, Codex's verdict: what the components' plain outputs
// show anyway), and stderr is empty unless the command fails, so neither is a secret: a secret is
// stored encrypted, and larger, in every snapshot.
import { local } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";
import * as path from "path";
import { distFile, RUNNER_FILE, shq } from "./protocol/launcher";
import { execArgv } from "./feeder/process-run";
import { identityOf, normalDir, seal, Where } from "./protocol/envelope";
import { shortTraces } from "./short-trace";
import type { SshHop } from "./protocol/target";
import type { SshHopArgs, ValidTarget } from "./target-args";
import type { RunnerRequest } from "./protocol/types";

/**
 * What makes a target another file on another machine: a change replaces the resource (the new one
 * ensures, then the old one removes, unless the new one claimed the same entry). Spellings of the
 * same place are one identity: /x/.codex and /x/.codex/, a default home spelled out (local).
 */
export function identity(t: ValidTarget, name: string | undefined): string {
    const defaultHome = t.kind === "local" && !t.owner && normalDir(t.codexHome) === path.join(os.homedir(), ".codex");
    return identityOf(t.kind === "ssh" ? { ssh: t } : t.kind === "exec" ? { via: execArgv(t) } : {}, defaultHome ? undefined : t.codexHome, t.owner, name);
}

/** An SSH hop as the feeder connects to it (ssh2, as the probe does), resolved. */
function hop(h: SshHopArgs): pulumi.Output<SshHop> {
    return pulumi.all([h.privateKey, h.privateKeyPassphrase]).apply(([key, passphrase]) => ({
        host: h.host,
        port: h.port,
        user: h.user,
        privateKey: key,
        privateKeyPassphrase: passphrase,
        agent: h.agent,
        agentSocket: h.agentSocket,
        hostKey: h.hostKey,
        insecureSkipHostKeyCheck: h.insecureSkipHostKeyCheck,
    }));
}

function whereOf(t: ValidTarget): pulumi.Output<Where> {
    if (t.kind === "exec") return pulumi.output<Where>({ via: execArgv(t) });
    if (t.kind !== "ssh") return pulumi.output<Where>({});
    return pulumi.all([hop(t), t.proxy ? hop(t.proxy) : undefined]).apply(([h, proxy]): Where => ({ ssh: { ...h, ...(proxy ? { proxy } : {}) } }));
}

export interface TargetCommandArgs {
    target: ValidTarget;
    /** The ensure request; travels as the command's secret stdin. */
    request: pulumi.Output<RunnerRequest>;
    /**
     * What the probe found, the drift token: the command line's last word (`__feed 'ensure # TOKEN'`),
     * so the preview's diff shows it and the feeder hands it to the runner (it is not in the stdin).
     */
    token: pulumi.Output<string>;
    /** identity(): a change replaces the resource. */
    identity: pulumi.Output<string>;
}

/** The resource for one target; returns the runner's answer line (its stdout: feeder/feed.ts kept()). */
export function targetCommand(name: string, args: TargetCommandArgs, parent: pulumi.Resource, aliases: pulumi.Alias[] = []): pulumi.Output<string> {
    const t = args.target;
    const stdin = pulumi.secret(pulumi.all([args.request, whereOf(t)]).apply(([r, where]) => seal(r, where)));
    // Relative to the program's directory, where the engine runs local commands: another checkout works too.
    const runner = path.relative(process.cwd(), distFile("runner", RUNNER_FILE));
    const feed = (verb: string) => ["node", runner, "__feed", verb].map(shq).join(" ");
    const restore = shortTraces("none");
    try {
        return new local.Command(
            name,
            { stdin, logging: "none", triggers: [args.identity], create: args.token.apply((token) => feed(`ensure # ${token}`)), delete: feed("remove") },
            { parent, aliases },
        ).stdout;
    } finally {
        restore();
    }
}
