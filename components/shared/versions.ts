// Pinned versions the components use by default. The Pulumi pin is package.json's exact
// @pulumi/pulumi version (see scripts/pulumi-toolchain.sh).

/** The Codex CLI version installed when a stack does not choose one; verified by the test suite. */
export const DEFAULT_CODEX_VERSION = "0.169.0";

/** The oldest Node.js the target-side runner and Codex support. */
export const MIN_NODE_MAJOR = 18;
