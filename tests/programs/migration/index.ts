// Phase "old": the layout of a ConnectAiCodex before 2026-11-28, built by hand with the same types,
// names, parents and triggers (the component, a nested CodexMcpServer, the command under it).
// Phase "new": the real ConnectAiCodex, whose command is its own child and carries an alias to
// that old parent. The test expects the engine to keep the command (an update, never a replace).
// Phases "old-ssh" / "new-ssh": an SSH target's command as a remote.Command (how SSH targets were
// run before 0.3), whose state holds a login banner glued to the answer, then today's ConnectAiCodex
// (a local.Command that replaces it). The old command's delete runs a remove with its old claim:
// the test expects it to leave the entry the new command wrote.
// Phases "v03" / "now": an SSH and a local target as this package's last version before the small
// state (issue 21: tests/helpers/old-package.ts builds it from git) made them, then today's. The
// test expects both commands to be updated in place, and nothing on the targets to be written.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { local, remote } from "@pulumi/command";
import { ConnectAiCodex } from "../../../components";
import { identity } from "../../../components/target-command";
import type { ValidTarget } from "../../../components/target-args";

const cfg = new pulumi.Config();
const phase = cfg.require("phase");

function sshTarget(): ValidTarget {
    return {
        kind: "ssh",
        host: "127.0.0.1",
        port: cfg.requireNumber("port"),
        user: cfg.require("user"),
        privateKey: pulumi.secret(fs.readFileSync(cfg.require("keyFile"), "utf8")),
        hostKey: cfg.require("hostKey"),
    };
}

if (phase === "old") {
    const outer = new pulumi.ComponentResource("codex-connect:index:ConnectAiCodex", "dev", {});
    const inner = new pulumi.ComponentResource("codex-connect:index:CodexMcpServer", "dev", {}, { parent: outer });
    const target = { kind: "local", codexHome: cfg.require("codexHome") } as ValidTarget;
    new local.Command("dev", { create: "true", triggers: [identity(target, "connectai")] }, { parent: inner });
} else if (phase === "new") {
    new ConnectAiCodex("dev", { target: { kind: "local", codexHome: cfg.require("codexHome") }, verify: false });
} else if (phase === "old-ssh") {
    // As 0.2 made it: a remote.Command whose delete runs the runner's remove on the host with the
    // request of its create (claim = identity, the stack's manager). The runner of this checkout
    // stands in for the script 0.2 staged on the host; the claim logic is the same.
    const t = sshTarget() as Extract<ValidTarget, { kind: "ssh" }>;
    const outer = new pulumi.ComponentResource("codex-connect:index:ConnectAiCodex", "web", {});
    const request = {
        op: "remove",
        name: "connectai",
        claim: identity(t, "connectai"),
        managedBy: `pulumi:${pulumi.getProject()}/${pulumi.getStack()}/web`,
        compact: true,
    };
    new remote.Command(
        "web",
        {
            connection: { host: t.host, port: t.port, user: t.user, privateKey: t.privateKey, hostKey: t.hostKey },
            // Reads the request first, as 0.2's runner did: exiting before the provider has written
            // its stdin makes the SSH client fail with EOF.
            create: `cat >/dev/null; printf 'Welcome'; printf '{"ok":true,"op":"ensure","configPath":"/old"}\\n'`,
            delete: `node ${cfg.require("runner")} __feed remove > old-remove.json`,
            stdin: JSON.stringify(request),
            triggers: [identity(t, "connectai")],
        },
        { parent: outer, additionalSecretOutputs: ["stdout", "stderr"] },
    );
} else if (phase === "v03" || phase === "now") {
    const Component: typeof ConnectAiCodex = phase === "now" ? ConnectAiCodex : require(cfg.require("oldPackage")).ConnectAiCodex;
    const common = { auth: "basic", email: "ada@example.com", pat: cfg.requireSecret("pat"), codex: { version: cfg.require("codexVersion") } } as const;
    new Component("web", { ...common, target: sshTarget() });
    new Component("dev", { ...common, target: { kind: "local", codexHome: cfg.require("codexHome") } });
} else {
    new ConnectAiCodex("web", { target: sshTarget(), verify: false, codex: { version: cfg.require("codexVersion") } });
}
