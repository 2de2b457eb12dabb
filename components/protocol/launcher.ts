// How the runner bundle (dist/runner/codex-mcp-runner.js, built by scripts/build.ts) is started:
// every way, and the strings that start it. Six ways, three of them through LAUNCHER:
//   1. The engine runs a command's line, `node <package>/dist/runner/codex-mcp-runner.js __feed
//      'OP # TOKEN'` (target-command.ts), on the controller: the feeder (feeder/feed.ts).
//   2-4. The feeder and the probe (call-runner.ts) run `/bin/sh -c LAUNCHER codex-mcp-launcher
//      [OP]` on the target: as a local process, behind an exec prefix (feeder/process-run.ts), or
//      in an ssh2 session (feeder/transports.ts). LAUNCHER finds Node.js there, checks its version
//      and reads "<bytes>\n<gzipped runner><request>" from stdin (launcherInput): the runner's code
//      is never stored on the target nor in the state.
//   5. Root acting for an account starts the runner again as the account (runner/account.ts):
//      `node -e ACCOUNT_BOOT`, reading "<runner source>\0<request>" (accountInput).
//   6. People run it as the `codex-mcp` command (package.json's bin; bundle/cli.ts).
// Each ends in bundle/cli.ts: main(request, op, source) for 2 to 5, feed() for 1, cli() for 6.
// This file knows nothing of TOML or of how bytes travel.
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { MIN_NODE_MAJOR } from "../shared/versions";

export const RUNNER_FILE = "codex-mcp-runner.js";

/**
 * dist/<sub>/<file>: from the compiled package (dist/components/protocol), from the runner bundle
 * (dist/runner), or from the sources (components/protocol, with dist/ built beside them).
 */
export function distFile(sub: string, file: string): string {
    const candidates = [
        path.join(__dirname, "..", "..", sub, file),
        path.join(__dirname, "..", sub, file),
        path.join(__dirname, "..", "..", "dist", sub, file),
    ];
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) throw new Error(`codex-connect: ${candidates[2]} is missing: run npm run build`);
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
// The answer is framed as shared/untrusted.ts frames it, when the request asks for it.
const NODE_CHECK = `var v=process.versions.node;function O(r){if(+v.split(".")[0]>=${MIN_NODE_MAJOR})return;var l="",f="";try{var j=JSON.parse(r);l=j.label||"";f=j.frame||""}catch(e){}var s="Node.js "+v+" at "+(process.env.CODEX_MCP_NODE||process.execPath)+" is older than ${MIN_NODE_MAJOR}; Codex needs Node.js ${MIN_NODE_MAJOR} or later",a=JSON.stringify({ok:false,error:{code:"node-too-old",message:s}});process.stdout.write(f?"\\n<codex-mcp-answer "+f+">"+a+"</codex-mcp-answer "+f+">\\n":a+"\\n");process.stderr.write((l?l+": ":"")+s+"\\n");process.exit(3)}`;

// The runner from stdin: "<bytes of gzipped runner>\n<gzipped runner><request>"; argv[1]: the operation, if given.
const BOOTSTRAP = [
    NODE_CHECK,
    "var c=[];process.stdin.on('data',function(d){c.push(d)});process.stdin.on('end',function(){",
    "var b=Buffer.concat(c),i=b.indexOf(10),n=+b.slice(0,i).toString(),q=b.slice(i+1+n).toString(),M=require('module'),m=new M('codex-mcp-runner');O(q);",
    "var s=require('zlib').gunzipSync(b.slice(i+1,i+1+n)).toString();m._compile(s,'codex-mcp-runner.js');m.exports.main(q,process.argv[1],s)})",
].join("");

/** One word for /bin/sh: left bare when it has nothing the shell would read, else single-quoted. */
export const shq = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

// Finds node on PATH, else in a login shell's PATH (nvm, Homebrew...), and says so when there is none.
const FIND_NODE = [
    // The login shell's own output (a banner, even one without a newline) is not taken for the path.
    'N=$(command -v node 2>/dev/null || "${SHELL:-/bin/sh}" -lc \'printf "\\n%s\\n" "$(command -v node)"\' </dev/null 2>/dev/null | grep "^/" | tail -n 1)',
    'if [ -z "$N" ]; then printf \'{"ok":false,"error":{"code":"node-missing","message":"node was not found on PATH (%s) nor in a login shell; install Node.js 18 or later"}}\\n\' "$PATH"; exit 3; fi',
];

/** The one command probes and local/exec targets run: `/bin/sh -c LAUNCHER codex-mcp-launcher [OP]`. */
export const LAUNCHER = [...FIND_NODE, `CODEX_MCP_NODE="$N" exec "$N" -e ${shq(BOOTSTRAP)} "$@"`].join("\n");

// The account's child reads "<runner source>\0<request>" on stdin and prints its one JSON result line.
export const ACCOUNT_BOOT = [
    "var c=[];process.stdin.on('data',function(d){c.push(d)});process.stdin.on('end',function(){",
    "var b=Buffer.concat(c),i=b.indexOf(0),M=require('module'),m=new M('codex-mcp-runner');",
    "m._compile(b.slice(0,i).toString(),'codex-mcp-runner.js');m.exports.main(b.slice(i+1).toString(),undefined,b.slice(0,i).toString())})",
].join("");

/** What ACCOUNT_BOOT reads on its standard input. */
export const accountInput = (source: string, requestJson: string): Buffer => Buffer.concat([Buffer.from(source), Buffer.from([0]), Buffer.from(requestJson)]);

let gzipped: Buffer | undefined;

/** What the launcher reads on its standard input. */
export function launcherInput(requestJson: string): Buffer {
    gzipped ??= gzipSync(runnerSource(), { level: 9 });
    return Buffer.concat([Buffer.from(`${gzipped.length}\n`), gzipped, Buffer.from(requestJson)]);
}
