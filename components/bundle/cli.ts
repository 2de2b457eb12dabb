// The runner's faces, bundled into one file (dist/runner/codex-mcp-runner.js):
// - `main(requestJson, op?)`: what the launchers call (protocol/launcher.ts), with one JSON request read
//   from standard input and one JSON result line printed;
// - `__feed OP [PREFIX...]`: the controller side of local and exec targets (feeder/feed.ts);
// - a command line for people without Pulumi (a Dockerfile, a postCreateCommand, a shell).
import * as fs from "fs";
import { McpEntry } from "../core/config-entry";
import { feed } from "../feeder/feed";
import { RUNNER_FILE } from "../protocol/launcher";
import { DEFAULT_CODEX_VERSION } from "../shared/versions";
import { redact } from "../shared/redact";
import { unknownName } from "../shared/closest";
import { emailProblem, patProblem, urlProblem, withoutLineEnd } from "../core/inputs";
import { recordCaller } from "../runner/lifeline";
import { framed } from "../shared/untrusted";
import { runRequest } from "../runner/operations";
import { setSource } from "../runner/for-account";
import type { RunnerRequest, RunnerResult, SignInRequest } from "../protocol/types";

/**
 * Called by the launcher with the request text, and the operation when the caller gives it apart
 * (a delete command runs the request stored for create, as a remove); prints one JSON line.
 * `source`: this runner's code, which root needs to start it again as another account.
 */
export function main(requestText: string, op?: string, source?: string): void {
    recordCaller();
    setSource(source);
    let req: RunnerRequest;
    try {
        req = JSON.parse(requestText);
        if (op) req.op = op as RunnerRequest["op"];
    } catch {
        process.stdout.write(JSON.stringify({ ok: false, error: { code: "bad-request", message: "the request is not JSON" } }) + "\n");
        process.exitCode = 2;
        return;
    }
    const result = runRequest(req);
    const answer = JSON.stringify(req.compact && result.ok ? compact(result as RunnerResult) : result);
    // Framed when the caller asks: what a login shell prints around it is then told apart from it.
    process.stdout.write(req.frame ? framed(req.frame, answer) : answer + "\n");
    // The same failure for people: the engine shows a failed command's output, so it names the target.
    if (!result.ok) process.stderr.write(`${req.label ? `${req.label}: ` : ""}${result.error!.message}\n`);
    process.exitCode = result.ok ? 0 : 2;
}

export const USAGE = `codex-mcp: keep one MCP server entry in Codex's config.toml exact, and Codex installed.

Usage:
  codex-mcp ensure     [options]   write the entry (and install Codex with --codex-version)
  codex-mcp remove     [options]   remove the entry (and Codex with --uninstall-codex, if we installed it);
                                   the rest of the file, and a .bak that is not this tool's, stay as they are
  codex-mcp show-drift [options]   compare the file with the desired entry; change nothing
  codex-mcp install-codex   [--codex-version V] [--user U]   Codex alone, at V (default: the tested version)
  codex-mcp uninstall-codex [--user U]                       Codex alone, only if this tool installed it

Entry (defaults are CData Connect AI's):
  --name NAME              server name, [mcp_servers.NAME] (default: connectai)
  --url URL                server URL (default: https://mcp.cloud.cdata.com/mcp)
  --startup-timeout SEC    startup_timeout_sec (default: 30)
  --tool-timeout SEC       tool_timeout_sec (default: unset)
  --disabled               write enabled = false

Authentication (default: none in the file, i.e. OAuth: run 'codex mcp login NAME' once):
  --oauth                  no credential in the file: ensure's default; show-drift compares against it
  --basic-email EMAIL      Basic auth: Authorization = "Basic base64(EMAIL:PAT)"; the PAT is read
  --pat-stdin                from standard input (one line; its final newline is dropped), or
  --pat-env VAR              from the environment variable VAR. Never pass it as an argument.
  --bearer-token-env VAR   bearer_token_env_var: Codex reads the token from VAR at run time
  --env-header NAME=VAR    env_http_headers: header NAME from variable VAR at run time (repeatable)
  show-drift without any of these compares all but the authentication and shows it as found
  (http_headers.Authorization: present (Basic); never a value); give the options ensure was given
  (or --oauth) to compare it too.

Codex's own sign-in (with ensure and install-codex; remove signs out what this tool signed in):
  --openai-api-key-stdin   sign in with an OpenAI API key read from standard input (codex login
  --openai-api-key-env VAR   --with-api-key), or from the environment variable VAR
  --codex-access-token-stdin  or with a ChatGPT access token (codex login --with-access-token)
  --codex-access-token-env VAR
  --replace-sign-in        replace a sign-in this tool did not make (default: it is kept)

Target:
  --codex-home DIR         CODEX_HOME (default: $CODEX_HOME, else ~/.codex)
  --user USER              when run as root: the account whose config this is (files stay owned by it)
  --codex-version V        install or upgrade Codex to V (a version or 'latest') with npm
  --uninstall-codex        with remove: uninstall Codex, only if this tool installed it
  --no-verify              skip the check with 'codex mcp list --json' after writing
  --live-check             the verdict also tries the entry's headers with an MCP initialize to the
                             server (2xx accepted, 401/403 refused)
  --allow-codex-overrides  accept an entry Codex will not use as written (disabled by an admin's
                             requirements.toml, changed by /etc/codex/config.toml): reported as
                             not ready instead of failing
  --managed-by NAME        who manages the entry, recorded on the target (default: codex-mcp); an
                             entry another manager (a Pulumi stack) holds is refused, unless
  --take-over              takes it over from the manager the target's record names
  --json                   print the whole JSON result instead of a summary

Exit codes:
  0  done (show-drift: in sync)
  1  failed: the message says what and where; the file was left as it was
  2  usage error
  4  show-drift: drift found (listed on standard output)
`;

/** A command line the CLI refuses before anything runs: exit 2, the message, no change. */
export class UsageError extends Error {}

const OPS: Record<string, RunnerRequest["op"]> = {
    ensure: "ensure",
    remove: "remove",
    "show-drift": "probe",
    "install-codex": "ensure",
    "uninstall-codex": "remove",
};
const FLAGS = [
    "--disabled",
    "--pat-stdin",
    "--uninstall-codex",
    "--no-verify",
    "--json",
    "--take-over",
    "--openai-api-key-stdin",
    "--codex-access-token-stdin",
    "--replace-sign-in",
    "--allow-codex-overrides",
    "--oauth",
    "--live-check",
];
const VALUED = [
    "--name",
    "--url",
    "--startup-timeout",
    "--tool-timeout",
    "--basic-email",
    "--pat-env",
    "--bearer-token-env",
    "--env-header",
    "--codex-home",
    "--user",
    "--codex-version",
    "--managed-by",
    "--openai-api-key-env",
    "--codex-access-token-env",
];

type Options = Record<string, string | boolean | string[]>;

/** The options after the command: flags, `--name VALUE` pairs (`--env-header` as often as given); an unknown one named with the closest known. */
function readOptions(rest: string[]): Options {
    const opts: Options = {};
    for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if (FLAGS.includes(a)) opts[a] = true;
        else if (a.startsWith("--") && i + 1 < rest.length) {
            const v = rest[++i];
            if (a === "--env-header") opts[a] = [...((opts[a] as string[]) ?? []), v];
            else opts[a] = v;
        } else throw new UsageError(`unexpected argument: ${a}`);
    }
    for (const k of Object.keys(opts))
        if (!VALUED.includes(k) && !FLAGS.includes(k)) throw new UsageError(`${k}: ${unknownName("option", k, [...VALUED, ...FLAGS])}`);
    return opts;
}

/** The entry the options describe, its URL and email checked, the Basic header made from the PAT read here. */
function entryFrom(opts: Options, env: NodeJS.ProcessEnv, stdin: () => string): McpEntry {
    const num = (k: string) => {
        if (opts[k] === undefined) return undefined;
        const n = Number(opts[k]);
        if (!Number.isFinite(n)) throw new UsageError(`${k}: not a number: ${opts[k]}`);
        return n;
    };
    const entry: McpEntry = {
        url: (opts["--url"] as string) ?? "https://mcp.cloud.cdata.com/mcp",
        startup_timeout_sec: num("--startup-timeout") ?? 30,
    };
    const tool = num("--tool-timeout");
    if (tool !== undefined) entry.tool_timeout_sec = tool;
    if (opts["--disabled"]) entry.enabled = false;
    if (opts["--bearer-token-env"]) entry.bearer_token_env_var = opts["--bearer-token-env"] as string;
    if (opts["--env-header"]) {
        entry.env_http_headers = {};
        for (const pair of opts["--env-header"] as string[]) {
            const eq = pair.indexOf("=");
            if (eq < 1) throw new UsageError(`--env-header: expected NAME=VAR, got ${pair}`);
            entry.env_http_headers[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
    }
    const urlBad = urlProblem(entry.url);
    if (urlBad) throw new UsageError(`--url: ${urlBad}`);
    if (opts["--basic-email"]) {
        const emailBad = emailProblem(opts["--basic-email"]);
        if (emailBad) throw new UsageError(`--basic-email: ${emailBad}`);
        const pat = readPat(opts, env, stdin);
        entry.http_headers = { Authorization: "Basic " + Buffer.from(`${opts["--basic-email"]}:${pat}`).toString("base64") };
    } else if (opts["--pat-stdin"] || opts["--pat-env"]) throw new UsageError("a PAT needs --basic-email");
    return entry;
}

/** The command line as a runner request (the PAT and sign-in credentials read from stdin or the environment); throws UsageError. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv, stdin: () => string): { req: RunnerRequest; json: boolean } {
    const [op, ...rest] = argv;
    if (!Object.hasOwn(OPS, op))
        throw new UsageError(
            op ? `unknown command: ${op}; ${unknownName("command", op, Object.keys(OPS)).replace(/^unknown command; /, "")}` : "a command is required",
        );
    const opts = readOptions(rest);
    const entry = entryFrom(opts, env, stdin);
    const auth = ["--basic-email", "--bearer-token-env", "--env-header"].filter((k) => opts[k] !== undefined);
    if (opts["--oauth"] && auth.length) throw new UsageError(`--oauth and ${auth.join(", ")}: choose one`);

    const signIn = readSignIn(opts, env, stdin);
    const json = opts["--json"] === true;
    if (op === "install-codex" || op === "uninstall-codex") return { req: withSignIn(codexOnly(op, opts), signIn), json };
    const req: RunnerRequest = {
        op: OPS[op],
        name: (opts["--name"] as string) ?? "connectai",
        entry,
        managedBy: (opts["--managed-by"] as string) ?? "codex-mcp",
    };
    if (opts["--take-over"]) req.takeOver = true;
    if (opts["--allow-codex-overrides"]) req.allowCodexOverrides = true;
    if (opts["--live-check"]) req.liveCheck = true;
    if (op === "show-drift" && !auth.length && !opts["--oauth"]) req.authAsFound = true;
    if (op === "remove") delete req.entry;
    if (opts["--codex-home"]) req.codexHome = opts["--codex-home"] as string;
    if (opts["--user"]) req.user = opts["--user"] as string;
    if (opts["--codex-version"] || opts["--uninstall-codex"]) {
        req.codex = { version: opts["--codex-version"] as string | undefined, uninstall: opts["--uninstall-codex"] === true };
    }
    if (opts["--no-verify"]) req.verify = false;
    return { req: withSignIn(req, signIn), json };
}

const SIGN_IN_OPTIONS = ["--openai-api-key-stdin", "--openai-api-key-env", "--codex-access-token-stdin", "--codex-access-token-env"];

/** The sign-in credential from standard input or a variable, refused (never cleaned) unless one line of printable characters. */
function readSignIn(opts: Record<string, string | boolean | string[]>, env: NodeJS.ProcessEnv, stdin: () => string): SignInRequest | undefined {
    const given = SIGN_IN_OPTIONS.filter((o) => opts[o] !== undefined);
    if (given.length > 1) throw new UsageError(`${given.join(" and ")}: give one credential`);
    if (opts["--replace-sign-in"] && !given.length)
        throw new UsageError("--replace-sign-in needs a credential (--openai-api-key-stdin, --codex-access-token-stdin...)");
    if (!given.length) return undefined;
    const from = given[0];
    if (from.endsWith("-stdin") && opts["--pat-stdin"])
        throw new UsageError(`--pat-stdin and ${from}: standard input holds only one of them; use --pat-env or ${from.replace("-stdin", "-env")}`);
    const secret = from.endsWith("-stdin") ? withoutLineEnd(stdin()) : env[opts[from] as string];
    const shown = from.endsWith("-env") ? `${from} ${opts[from]}` : from;
    if (!secret) throw new UsageError(`${shown}: the credential is empty`);
    const bad = patProblem(secret);
    if (bad) throw new UsageError(`${shown}: the credential ${bad.replace(/\bPAT\b/g, "credential")}`);
    return { kind: from.startsWith("--openai") ? "api-key" : "access-token", secret, ...(opts["--replace-sign-in"] ? { replace: true } : {}) };
}

/** Sign-in belongs to Codex: the request manages Codex (without installing it unless asked). */
function withSignIn(req: RunnerRequest, signIn: SignInRequest | undefined): RunnerRequest {
    if (!signIn) return req;
    return { ...req, signIn, codex: req.codex ?? {} };
}

/**
 * The PAT from standard input or a variable, refused (never cut or cleaned) when it is not one line
 * of printable characters. From stdin, one final LF or CRLF (echo, a file) is the end of the input.
 */
function readPat(opts: Record<string, string | boolean | string[]>, env: NodeJS.ProcessEnv, stdin: () => string): string {
    let pat: string | undefined;
    let from: string;
    if (opts["--pat-stdin"]) [pat, from] = [withoutLineEnd(stdin()), "--pat-stdin"];
    else if (opts["--pat-env"]) [pat, from] = [env[opts["--pat-env"] as string], `--pat-env ${opts["--pat-env"]}`];
    else throw new UsageError("--basic-email needs --pat-stdin or --pat-env VAR");
    if (!pat) throw new UsageError("the PAT is empty");
    const bad = patProblem(pat);
    if (bad) throw new UsageError(`${from}: the PAT ${bad}${from === "--pat-stdin" ? " (only one final newline is taken as the end of the input)" : ""}`);
    return pat;
}

/** Codex without an entry (a Dev Container Feature that writes the entry later, at start). */
function codexOnly(op: string, opts: Record<string, string | boolean | string[]>): RunnerRequest {
    const allowed = new Set(["--codex-version", "--codex-home", "--user", "--json", "--replace-sign-in", ...SIGN_IN_OPTIONS]);
    for (const k of Object.keys(opts)) if (!allowed.has(k)) throw new UsageError(`${op}: ${k} does not apply`);
    const req: RunnerRequest =
        op === "install-codex"
            ? { op: "ensure", codex: { version: (opts["--codex-version"] as string) ?? DEFAULT_CODEX_VERSION } }
            : { op: "remove", codex: { uninstall: true } };
    if (opts["--codex-home"]) req.codexHome = opts["--codex-home"] as string;
    if (opts["--user"]) req.user = opts["--user"] as string;
    return req;
}

/** What the components read back; the rest of a result stays out of the state. */
function compact(r: RunnerResult): Partial<RunnerResult> {
    return {
        ok: r.ok,
        op: r.op,
        configPath: r.configPath,
        changed: r.changed,
        repaired: r.repaired,
        adopted: r.adopted,
        codex: r.codex && { version: r.codex.version, path: r.codex.path, action: r.codex.action },
        signIn: r.signIn,
        ready: r.ready,
    };
}

function summary(r: RunnerResult, name: string | undefined): string {
    const lines = [`${r.op === "probe" ? "show-drift" : r.op} ${r.configPath} (user ${r.user}, node ${r.node.version})`];
    if (r.op === "probe") {
        const all = [...r.drift, ...(r.changes ?? [])];
        lines.push(all.length ? `drift: ${all.join(", ")}` : "in sync");
        if (r.changes?.length) lines.push(`  (${r.changes.join(", ")}: the file is as the last ensure wrote it; the entry asked for now differs)`);
        for (const [field, f] of Object.entries(r.entry.fields)) {
            const shown = (v: unknown) => (v === undefined ? "none" : JSON.stringify(v));
            if (f.status !== "ok") lines.push(`  ${field}: ${f.status} (have ${shown(f.actual)}, want ${shown(f.desired)})`);
        }
        if (r.auth) lines.push("authentication as found (not compared: no authentication option given):", ...r.auth.map((a) => `  ${a}`));
    } else if (r.op === "ensure") {
        if (name === undefined) lines.push(r.changed ? "changed" : "already as desired: nothing written");
        else if (!r.changed) lines.push("already as desired: nothing written");
        else {
            const bak = r.backup
                ? ` (the previous file, without this entry: ${r.backup})`
                : r.backupNotOurs
                  ? ` (no backup written: ${r.backupNotOurs} is not this tool's, left as it is)`
                  : "";
            lines.push(`wrote the ${name} entry into ${r.configPath}${bak}`);
        }
    } else if (name !== undefined && !r.keptFor) {
        if (r.restored) lines.push(`put back the ${name} entry that was in ${r.configPath} before the first ensure; the rest of the file is unchanged`);
        else if (r.entry.present) lines.push(`removed the ${name} entry from ${r.configPath}; the rest of the file is unchanged`);
        else lines.push(`no ${name} entry in ${r.configPath}: nothing to remove`);
        if (r.backupRemoved) lines.push(`removed ${r.backupRemoved}, this tool's backup of the file`);
    }
    if (r.adopted) lines.push("the entry that was already there is saved on the target; remove puts it back");
    if (r.keptFor) lines.push(`left in place: ${r.keptFor} manages it now`);
    if (r.handedOverFrom) lines.push(`taken over from ${r.handedOverFrom}`);
    if (r.ready) lines.push(r.ready.ready ? "ready: Codex can use it" : `not ready:\n${r.ready.reasons.map((why) => `  - ${why}`).join("\n")}`);
    if (r.signIn)
        lines.push(
            `codex sign-in: ${r.signIn.status}${r.signIn.method ? ` (${r.signIn.method})` : ""}${r.signIn.by ? `, by ${r.signIn.by}` : ""}${r.signIn.action && r.signIn.action !== "none" ? `: ${r.signIn.action}` : ""}${r.signIn.problem ? `; ${r.signIn.problem}` : ""}`,
        );
    if (r.codex?.action === "uninstalled") lines.push("uninstalled Codex (this tool had installed it)");
    else if (r.codex?.action === "kept") lines.push(`Codex stays${r.codex.path ? ` at ${r.codex.path}` : ""}: this tool did not install it`);
    else if (r.codex?.path)
        lines.push(
            `codex ${r.codex.version} at ${r.codex.path}${r.codex.onLoginPath === false ? " (not on the login PATH)" : ""}${r.codex.action && r.codex.action !== "none" ? `: ${r.codex.action}` : ""}`,
        );
    else if (r.op === "remove" && !r.codex) lines.push("Codex stays (--uninstall-codex removes it too, if this tool installed it)");
    if (r.verified) lines.push(r.verified.ok ? "verified with codex mcp list" : `verification failed: ${r.verified.problems.join("; ")}`);
    return lines.join("\n") + "\n";
}

/** The command line. Returns the exit code. */
export function cli(argv: string[], env = process.env, stdin = () => fs.readFileSync(0, "utf8")): number {
    if (!argv.length || argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(USAGE);
        return argv.length ? 0 : 2;
    }
    let parsed: { req: RunnerRequest; json: boolean };
    try {
        parsed = parseArgs(argv, env, stdin);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        process.stderr.write(`codex-mcp: ${e.message}\n(see codex-mcp --help)\n`);
        return 2;
    }
    const result = runRequest(parsed.req);
    if (!result.ok) {
        if (parsed.json) process.stdout.write(JSON.stringify(result) + "\n");
        process.stderr.write(`codex-mcp: ${redact(result.error!.message)}\n`);
        return 1;
    }
    const r = result as RunnerResult;
    process.stdout.write(parsed.json ? JSON.stringify(r) + "\n" : summary(r, parsed.req.name));
    return r.op === "probe" && (r.drift.length || r.changes?.length) ? 4 : 0;
}

if (require.main === module) {
    const [first, op, ...prefix] = process.argv.slice(2);
    if (first === "__feed") void feed(op, prefix).then((code) => (process.exitCode = code));
    else {
        if (__filename.endsWith(RUNNER_FILE)) setSource(fs.readFileSync(__filename, "utf8"));
        process.exitCode = cli(process.argv.slice(2));
    }
}
