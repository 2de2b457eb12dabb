// One target's desired state as @pulumi/command resources: create/update run the runner's ensure,
// delete its remove. local and exec targets: a local.Command whose controller-side feeder streams
// the runner to the target (feed.ts); SSH targets: a remote.Command that runs the runner script the
// probe of this `pulumi up` left on the host (runner-stage.ts): the code never enters the state.
// The request (the header included) is the command's stdin, a secret; stdout/stderr are secret
// outputs; nothing is logged; the previous output never goes into the environment.
import { local, remote, types } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";
import * as path from "path";
import { distFile, REMOTE_SCRIPT, RUNNER_FILE, shq } from "./launcher";
import { execArgv } from "./process-run";
import { redactArgs } from "./redact";
import type { RunnerRequest } from "./runner";
import { compactPrivateKey } from "./ssh-key";
import { agentSocketOf } from "./target";
import type { SshHopArgs, ValidTarget } from "./target-args";


const normalDir = (d: string | undefined) => (d === undefined ? undefined : path.posix.normalize(d).replace(/(.)\/+$/, "$1"));

/**
 * What makes a target another file on another machine: a change replaces the resource (the new one
 * ensures, then the old one removes, unless the new one claimed the same entry). Spellings of the
 * same place are one identity: /x/.codex and /x/.codex/, a default home spelled out (local).
 */
export function identity(t: ValidTarget, name: string | undefined): string {
    let home = normalDir(t.codexHome);
    if (t.kind === "local" && !t.owner && home === path.join(os.homedir(), ".codex")) home = undefined;
    const where =
        t.kind === "ssh" ? `ssh ${t.user}@${t.host.toLowerCase()}:${t.port ?? 22}` : t.kind === "exec" ? `exec ${redactArgs(execArgv(t)).join(" ")}` : "local";
    return `${where} ${t.owner ? `as ${t.owner} ` : ""}${home ?? "~/.codex"} [mcp_servers.${name ?? "(codex only)"}]`;
}

function connection(hop: SshHopArgs): types.input.remote.ConnectionArgs {
    const agent = agentSocketOf(hop);
    return {
        host: hop.host,
        port: hop.port ?? 22,
        user: hop.user,
        privateKey: hop.privateKey === undefined ? undefined : pulumi.secret(pulumi.all([hop.privateKey, hop.privateKeyPassphrase]).apply(([k, p]) => compactPrivateKey(k, p))),
        privateKeyPassword: hop.privateKeyPassphrase === undefined ? undefined : pulumi.secret(hop.privateKeyPassphrase),
        agentSocketPath: agent,
        hostKey: hop.hostKey,
        // A wrong host key or a refused login is not retried for seconds: one dial, and the error.
        dialErrorLimit: 1,
        perDialTimeout: 15,
    };
}

export interface TargetCommandArgs {
    target: ValidTarget;
    /** The ensure request; travels as the command's secret stdin. */
    request: pulumi.Output<RunnerRequest>;
    /** What the probe found: part of the command line as a comment, so the preview's diff shows it. */
    label: pulumi.Output<string>;
    /** identity(): a change replaces the resource. */
    identity: pulumi.Output<string>;
}

/** The resources for one target; returns the runner's result line (a secret output). */
export function targetCommand(name: string, args: TargetCommandArgs, parent: pulumi.Resource, aliases?: pulumi.Input<pulumi.Alias>[]): pulumi.Output<string> {
    const t = args.target;
    // An exec target's prefix rides in the secret stdin too (it may carry a credential: a kubectl
    // --token, a docker -H URL), never in the command line that the state keeps in plain text.
    const via = t.kind === "exec" ? { via: execArgv(t) } : {};
    const stdin = pulumi.secret(args.request.apply((r) => JSON.stringify({ ...r, ...via })));
    const triggers = [args.identity];
    const common = { stdin, logging: "none" as const, addPreviousOutputInEnv: false, triggers };
    const opts = { parent, aliases, additionalSecretOutputs: ["stdout", "stderr"] };
    if (t.kind !== "ssh") {
        // Relative to the program's directory, where the engine runs local commands: another checkout works too.
        const runner = path.relative(process.cwd(), distFile("runner", RUNNER_FILE));
        const feed = (op: string) => ["node", runner, "__feed", op].map(shq).join(" ");
        const cmd = new local.Command(name, { ...common, create: pulumi.interpolate`${feed("ensure")} # ${args.label}`, delete: feed("remove") }, opts);
        return cmd.stdout;
    }
    const conn = { ...connection(t), ...(t.proxy ? { proxy: connection(t.proxy) } : {}) };
    const run = (op: string) => `sh ${REMOTE_SCRIPT} ${op}`;
    // The label comes from the probe, so the command runs after the probe has staged the runner.
    const cmd = new remote.Command(name, { ...common, connection: conn, create: pulumi.interpolate`${run("ensure")} # ${args.label}`, delete: run("remove") }, opts);
    return cmd.stdout;
}
