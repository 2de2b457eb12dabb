// Phase "old": the layout of a ConnectAiCodex before 2026-11-28, built by hand with the same types,
// names, parents and triggers (the component, a nested CodexMcpServer, the command under it).
// Phase "new": the real ConnectAiCodex, whose command is its own child and carries an alias to
// that old parent. The test expects the engine to keep the command (an update, never a replace).
import * as pulumi from "@pulumi/pulumi";
import { local } from "@pulumi/command";
import { ConnectAiCodex } from "../../../components";
import { identity } from "../../../components/target-command";
import type { ValidTarget } from "../../../components/target-args";

const cfg = new pulumi.Config();
const codexHome = cfg.require("codexHome");

if (cfg.require("phase") === "old") {
    const outer = new pulumi.ComponentResource("codex-connect:index:ConnectAiCodex", "dev", {});
    const inner = new pulumi.ComponentResource("codex-connect:index:CodexMcpServer", "dev", {}, { parent: outer });
    const target = { kind: "local", codexHome } as ValidTarget;
    new local.Command("dev", { create: "true", triggers: [identity(target, "connectai")] }, { parent: inner });
} else {
    new ConnectAiCodex("dev", { target: { kind: "local", codexHome }, verify: false });
}
