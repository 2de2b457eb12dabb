// npm run build: writes dist/codex-mcp-runner.js (the self-contained runner and `codex-mcp`
// command) and dist/provider-impl.js (what the engine loads for this project's resources, also
// when `pulumi destroy` runs without the program).
import * as path from "path";
import { ensureProviderBuilt } from "../components/provider";
import { writeRunner } from "../components/runner-bundle";

const out = path.join(__dirname, "..", "dist", "codex-mcp-runner.js");
writeRunner(out);
console.log(out);
console.log(ensureProviderBuilt());
