// npm run build: writes dist/codex-mcp-runner.js, the self-contained runner and `codex-mcp` command.
import * as path from "path";
import { writeRunner } from "../components/runner-bundle";

const out = path.join(__dirname, "..", "dist", "codex-mcp-runner.js");
writeRunner(out);
console.log(out);
