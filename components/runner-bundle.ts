// How the runner reaches a target: one bundled JavaScript file, sent on standard input together
// with the request, and started by a short launcher command that every transport runs as is.
// This file knows nothing of TOML or of how bytes travel (ssh, docker exec, a local process).
import { buildSync } from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { MIN_NODE_MAJOR } from "./versions";

const ENTRY = path.join(__dirname, "cli.ts");
// Set by esbuild when this file is itself bundled (dist/provider-impl.js): the runner travels inside.
declare const __RUNNER_SOURCE__: string | undefined;
let cached: string | undefined = typeof __RUNNER_SOURCE__ === "string" ? __RUNNER_SOURCE__ : undefined;

/** The runner as one CommonJS file for Node 18+, built from components/cli.ts (about 100 ms). */
export function runnerSource(): string {
    if (!cached) {
        const out = buildSync({
            entryPoints: [ENTRY],
            bundle: true,
            platform: "node",
            target: `node${MIN_NODE_MAJOR}`,
            format: "cjs",
            minify: true,
            legalComments: "eof",
            banner: { js: "#!/usr/bin/env node" },
            write: false,
            logLevel: "silent",
        });
        cached = out.outputFiles[0].text;
    }
    return cached;
}

/** Writes the bundle to a file (npm run build: dist/codex-mcp-runner.js, the `codex-mcp` bin). */
export function writeRunner(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, runnerSource(), { mode: 0o755 });
}

// The launcher's JavaScript: plain ES5, so that even a very old Node reports its own version
// instead of a syntax error. It reads "<bytes of gzipped runner>\n<gzipped runner><request>" from
// stdin (gzip: a third of the bytes on every SSH session; zlib is in every Node).
const BOOTSTRAP = [
    'var v=process.versions.node;',
    `if(+v.split(".")[0]<${MIN_NODE_MAJOR}){process.stdout.write(JSON.stringify({ok:false,error:{code:"node-too-old",message:"Node.js "+v+" at "+(process.env.CODEX_MCP_NODE||process.execPath)+" is older than ${MIN_NODE_MAJOR}; Codex needs Node.js ${MIN_NODE_MAJOR} or later"}})+"\\n");process.exit(3)}`,
    "var c=[];process.stdin.on('data',function(d){c.push(d)});process.stdin.on('end',function(){",
    "var b=Buffer.concat(c),i=b.indexOf(10),n=+b.slice(0,i).toString(),M=require('module'),m=new M('codex-mcp-runner');",
    "m._compile(require('zlib').gunzipSync(b.slice(i+1,i+1+n)).toString(),'codex-mcp-runner.js');m.exports.main(b.slice(i+1+n).toString())})",
].join("");

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// Finds node on PATH, else in a login shell's PATH (nvm, Homebrew...), and says so when there is none.
const SCRIPT = [
    'N=$(command -v node 2>/dev/null || "${SHELL:-/bin/sh}" -lc "command -v node" </dev/null 2>/dev/null | tail -n 1)',
    'if [ -z "$N" ]; then printf \'{"ok":false,"error":{"code":"node-missing","message":"node was not found on PATH (%s) nor in a login shell; install Node.js 18 or later"}}\\n\' "$PATH"; exit 3; fi',
    `CODEX_MCP_NODE="$N" exec "$N" -e ${shq(BOOTSTRAP)}`,
].join("\n");

/** The one command every transport runs on the target; the runner and request come on stdin. */
export const LAUNCHER = `/bin/sh -c ${shq(SCRIPT)}`;

let gzipped: Buffer | undefined;

/** What the transport writes to the launcher's standard input. */
export function launcherInput(requestJson: string): Buffer {
    gzipped ??= gzipSync(runnerSource(), { level: 9 });
    return Buffer.concat([Buffer.from(`${gzipped.length}\n`), gzipped, Buffer.from(requestJson)]);
}
