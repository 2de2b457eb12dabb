// The same two targets as examples/yaml, through the generated SDK: the components run in their
// provider (the package at the root of this repository), as they do for Python, Go and C#.
import * as pulumi from "@pulumi/pulumi";
import * as codex from "@pulumi/codex-connect-pulumi";

const cfg = new pulumi.Config();
const email = cfg.require("email");
const pat = cfg.requireSecret("pat");

// This machine, as the account running Pulumi.
const here = new codex.ConnectAiCodex("here", { target: { kind: "local" }, auth: "basic", email, pat });

// An SSH host, its host key pinned.
const web1 = new codex.ConnectAiCodex("web1", {
    target: {
        kind: "ssh",
        host: cfg.require("sshHost"),
        port: cfg.getNumber("sshPort") ?? 22,
        user: cfg.require("sshUser"),
        hostKey: cfg.require("sshHostKey"),
        privateKey: cfg.requireSecret("sshPrivateKey"),
    },
    auth: "basic",
    email,
    pat,
});

export const hereConfig = here.configPath;
export const web1Config = web1.configPath;
export const web1Codex = web1.codexVersion;
