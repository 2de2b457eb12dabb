// Each public component on its own, with the inputs a user gives it, on targets the test prepares:
// local targets with their own CODEX_HOME, and exec targets into accounts that have no Codex.
import * as pulumi from "@pulumi/pulumi";
import { CodexCli, CodexMcpServer, ConnectAiCodex, Target } from "../../../components";

interface Setup {
    /** CODEX_HOME of each local target, by component name. */
    homes: Record<string, string>;
    /** exec prefixes (runuser into an account without Codex). */
    cliPrefix: string[];
    barePrefix: string[];
    /** Adds a create that must fail: verify requested where there is no Codex. */
    failing?: boolean;
}

const cfg = new pulumi.Config();
const setup = cfg.requireObject<Setup>("setup");
const pat = cfg.requireSecret("pat");
const local = (name: string): Target => ({ kind: "local", codexHome: setup.homes[name] });
const out: Record<string, pulumi.Output<unknown>> = {};
const report = (name: string, c: CodexCli | CodexMcpServer | ConnectAiCodex) => {
    out[name] = pulumi
        .all([c.configPath, c.codexVersion, c.drift])
        .apply(([configPath, codexVersion, drift]) => ({ configPath, codexVersion: codexVersion ?? null, drift }));
};

report("cli", new CodexCli("cli", { target: { kind: "exec", prefix: setup.cliPrefix }, uninstallOnDestroy: true }));
report("nocodex", new CodexMcpServer("nocodex", { target: { kind: "exec", prefix: setup.barePrefix }, name: "docs", url: "https://docs.example/mcp" }));
report(
    "noverify",
    new CodexMcpServer("noverify", {
        target: local("noverify"),
        name: "plain",
        url: "https://plain.example/mcp",
        verify: false,
        startupTimeoutSec: 20,
        toolTimeoutSec: 90,
        enabled: false,
    }),
);
report(
    "headers",
    new CodexMcpServer("headers", {
        target: local("headers"),
        name: "hdr",
        url: "https://hdr.example/mcp",
        httpHeaders: { "X-Api-Key": pat, "X-Team": "blue" },
    }),
);
report("bearer", new CodexMcpServer("bearer", { target: local("bearer"), name: "docs", url: "https://docs.example/mcp", bearerTokenEnvVar: "DOCS_TOKEN" }));
report(
    "envheaders",
    new CodexMcpServer("envheaders", {
        target: local("envheaders"),
        name: "env",
        url: "https://env.example/mcp",
        envHttpHeaders: { "X-Api-Key": "ENV_API_KEY" },
    }),
);
report("oauth", new ConnectAiCodex("oauth", { target: local("oauth") }));
report("basic", new ConnectAiCodex("basic", { target: local("basic"), auth: "basic", email: "ada@example.com", pat }));
report("bearerenv", new ConnectAiCodex("bearerenv", { target: local("bearerenv"), auth: "bearer-env", bearerTokenEnvVar: "CONNECT_AI_TOKEN" }));
report("envhdr", new ConnectAiCodex("envhdr", { target: local("envhdr"), auth: "env-headers", envHttpHeaders: { Authorization: "CONNECT_AI_AUTH" } }));
if (setup.failing) {
    report(
        "failing",
        new CodexMcpServer("failing", { target: { kind: "exec", prefix: setup.barePrefix }, name: "never", url: "https://never.example/mcp", verify: true }),
    );
}

export const components = out;
