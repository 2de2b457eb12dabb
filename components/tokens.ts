// The components' Pulumi type tokens: one table for the classes (index.ts), the schema that the
// component provider infers from this package (`PACKAGE:index:CLASS`: the package's name, its
// index module, the class), and whatever reads URNs (fleet/events.ts). A program using the classes
// directly and one using the Pulumi package (YAML, a generated SDK) make the same URNs.

export const PACKAGE = "codex-connect-pulumi";

export type ComponentName = "CodexCli" | "CodexMcpServer" | "ConnectAiCodex";

/** The type token of each component, as the classes register it and the schema names it. */
export const TOKENS: Readonly<Record<ComponentName, string>> = {
    CodexCli: `${PACKAGE}:index:CodexCli`,
    CodexMcpServer: `${PACKAGE}:index:CodexMcpServer`,
    ConnectAiCodex: `${PACKAGE}:index:ConnectAiCodex`,
};

/**
 * The former tokens (`codex-connect:index:CLASS`), which stored stacks' URNs may hold: each
 * component has its former token as an alias, so that the next `up` renames the resources (and
 * their commands) in the state and replaces nothing.
 */
export const FORMER_TOKENS: Readonly<Record<ComponentName, string>> = {
    CodexCli: "codex-connect:index:CodexCli",
    CodexMcpServer: "codex-connect:index:CodexMcpServer",
    ConnectAiCodex: "codex-connect:index:ConnectAiCodex",
};
