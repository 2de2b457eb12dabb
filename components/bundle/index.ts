// The runner bundle's entry (scripts/build.ts bundles cli.ts into dist/runner/codex-mcp-runner.js):
// on a target the runner (main), on the controller the feeder (`__feed`), for people the
// `codex-mcp` command (cli). protocol/launcher.ts lists every way it is started.
export { cli, main } from "./cli";
