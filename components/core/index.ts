// The pure core: one `[mcp_servers.NAME]` entry in a Codex config.toml, edited so that every other
// byte of the file stays the user's (config-entry.ts), and the rules every typed-in value follows
// (inputs.ts: the URL, the email, the PAT, the auth modes). No I/O, no Pulumi, no SSH; both sides use it.
export * from "./config-entry";
export * from "./inputs";
