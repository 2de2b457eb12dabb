// How the runner starts on a target: the bundled runner (dist/runner/codex-mcp-runner.js, built by
// scripts/build.ts) and a short launcher that finds Node.js there and checks its version first.
//   - probes and local/exec targets: the launcher reads "<bytes>\n<gzipped runner><request>" from
//     stdin (LAUNCHER, launcherInput);
//   - SSH targets: the probe of a `pulumi up` leaves the runner on the host as a self-contained
//     shell script (targetScript, runner-stage.ts), whose command line carries only the operation;
//     the request is its stdin.
// This file knows nothing of TOML or of how bytes travel.
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { MIN_NODE_MAJOR } from "./versions";

export const RUNNER_FILE = "codex-mcp-runner.js";
export const TARGET_SCRIPT = "codex-mcp-target.sh";
/** Where the runner script lives on SSH targets, relative to the login's home (runner-stage.ts). */
export const REMOTE_SCRIPT = `.cache/codex-connect-pulumi/target/${TARGET_SCRIPT}`;

/** dist/<sub>/<file>, from the compiled package (dist/components) or from the sources (components/). */
export function distFile(sub: string, file: string): string {
    const candidates = [path.join(__dirname, "..", sub, file), path.join(__dirname, "..", "dist", sub, file)];
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) throw new Error(`codex-connect: ${candidates[1]} is missing: run npm run build`);
    return found;
}

let cached: string | undefined;

/** The runner as one CommonJS file for Node 18+ (built ahead of time; never at run time). */
export function runnerSource(): string {
    cached ??= fs.readFileSync(distFile("runner", RUNNER_FILE), "utf8");
    return cached;
}

// Refuses an old Node.js with a JSON result and a line naming the target (the request's label), in
// ES5 so that even a very old Node can say it. O(requestText) runs before the runner is compiled.
const NODE_CHECK = `var v=process.versions.node;function O(r){if(+v.split(".")[0]>=${MIN_NODE_MAJOR})return;var l="";try{l=JSON.parse(r).label||""}catch(e){}var s="Node.js "+v+" at "+(process.env.CODEX_MCP_NODE||process.execPath)+" is older than ${MIN_NODE_MAJOR}; Codex needs Node.js ${MIN_NODE_MAJOR} or later";process.stdout.write(JSON.stringify({ok:false,error:{code:"node-too-old",message:s}})+"\\n");process.stderr.write((l?l+": ":"")+s+"\\n");process.exit(3)}`;

// The runner from stdin: "<bytes of gzipped runner>\n<gzipped runner><request>"; argv[1]: the operation, if given.
const BOOTSTRAP = [
    NODE_CHECK,
    "var c=[];process.stdin.on('data',function(d){c.push(d)});process.stdin.on('end',function(){",
    "var b=Buffer.concat(c),i=b.indexOf(10),n=+b.slice(0,i).toString(),q=b.slice(i+1+n).toString(),M=require('module'),m=new M('codex-mcp-runner');O(q);",
    "var s=require('zlib').gunzipSync(b.slice(i+1,i+1+n)).toString();m._compile(s,'codex-mcp-runner.js');m.exports.main(q,process.argv[1],s)})",
].join("");

// The runner from the script file itself (argv[1]), after the marker line; argv[2]: the operation.
const MARKER = "//__CODEX_MCP_RUNNER__";
const FILE_BOOTSTRAP = [
    NODE_CHECK,
    "var c=[];process.stdin.on('data',function(d){c.push(d)});process.stdin.on('end',function(){",
    `var q=Buffer.concat(c).toString();O(q);var f=require('fs').readFileSync(process.argv[1],'utf8'),M=require('module'),m=new M('codex-mcp-runner');`,
    `var k='\\n${MARKER}\\n',s=f.slice(f.indexOf(k)+k.length);m._compile(s,'codex-mcp-runner.js');m.exports.main(q,process.argv[2],s)})`,
].join("");

/** One word for /bin/sh: left bare when it has nothing the shell would read, else single-quoted. */
export const shq = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

// Finds node on PATH, else in a login shell's PATH (nvm, Homebrew...), and says so when there is none.
const FIND_NODE = [
    'N=$(command -v node 2>/dev/null || "${SHELL:-/bin/sh}" -lc "command -v node" </dev/null 2>/dev/null | tail -n 1)',
    'if [ -z "$N" ]; then printf \'{"ok":false,"error":{"code":"node-missing","message":"node was not found on PATH (%s) nor in a login shell; install Node.js 18 or later"}}\\n\' "$PATH"; exit 3; fi',
];

/** The one command probes and local/exec targets run: `/bin/sh -c LAUNCHER codex-mcp-launcher [OP]`. */
export const LAUNCHER = [...FIND_NODE, `CODEX_MCP_NODE="$N" exec "$N" -e ${shq(BOOTSTRAP)} "$@"`].join("\n");

let gzipped: Buffer | undefined;

/** What the launcher reads on its standard input. */
export function launcherInput(requestJson: string): Buffer {
    gzipped ??= gzipSync(runnerSource(), { level: 9 });
    return Buffer.concat([Buffer.from(`${gzipped.length}\n`), gzipped, Buffer.from(requestJson)]);
}

/** The SSH targets' runner: `sh FILE OP` with the request on stdin. Written by scripts/build.ts. */
export function targetScript(runner: string): string {
    return [
        "#!/bin/sh",
        "# codex-connect-pulumi: the runner on an SSH target (left here by the components' probe at pulumi up).",
        "# Usage: sh codex-mcp-target.sh ensure|remove|probe < request.json",
        ...FIND_NODE,
        `CODEX_MCP_NODE="$N" exec "$N" -e ${shq(FILE_BOOTSTRAP)} "$0" "$@"`,
        MARKER,
        runner,
    ].join("\n");
}
