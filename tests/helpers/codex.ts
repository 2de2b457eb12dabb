// The real Codex CLI for tests: installed once per machine at the pinned version, from the npm
// registry through the shared npm cache, under the toolchain cache directory.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_CODEX_VERSION } from "../../components/shared/versions";
import { caEnvArgs } from "./ca-env";
import { withLock } from "./lock";

export const codexVersion = DEFAULT_CODEX_VERSION;

const cacheRoot = process.env.PULUMI_TOOLCHAIN_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "codex-connect-pulumi");

/** The directory holding `codex` (installs it on first use; about 400 MB). */
export function codexBinDir(version = codexVersion): string {
    const prefix = path.join(cacheRoot, `codex-${version}`);
    const bin = path.join(prefix, "node_modules", ".bin");
    const missing = () => !fs.existsSync(path.join(bin, "codex"));
    if (missing()) {
        fs.mkdirSync(cacheRoot, { recursive: true });
        // Another jest worker may be installing it right now: one install, the others wait for it.
        withLock(`${prefix}.lock`, () => {
            if (!missing()) return;
            execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", prefix, `@openai/codex@${version}`], {
                stdio: ["ignore", "ignore", "inherit"],
            });
        });
    }
    return bin;
}

/**
 * What `codex mcp get NAME --json` parsed, with header values replaced by a marker of whether they
 * equal the expected ones: its output holds them in plain text and must never be printed.
 */
export function codexMcpGet(codexHome: string, name: string, expectedHeaders: Record<string, string> = {}): Record<string, unknown> {
    const out = execFileSync(path.join(codexBinDir(), "codex"), ["mcp", "get", name, "--json"], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, CODEX_HOME: codexHome },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
    const got = JSON.parse(out) as { transport?: { http_headers?: Record<string, string> | null } };
    const headers = got.transport?.http_headers;
    if (headers) {
        for (const k of Object.keys(headers)) headers[k] = headers[k] === expectedHeaders[k] ? "<as expected>" : "<different>";
    }
    return got;
}

/** What `codex mcp get --json` prints of a streamable HTTP server, as these tests read it. */
export interface McpGet {
    transport: { url: string; http_headers?: Record<string, string> | null };
    startup_timeout_sec?: number;
    [field: string]: unknown;
}

/** Where the runner installs Codex for an account that has no global one: ~/.local/bin/codex. */
export const accountCodex = (home: string) => path.join(home, ".local", "bin", "codex");

/**
 * `codex mcp get NAME --json` as an account would run it (its own codex, a clean environment with
 * the machine's CA settings), with the Authorization header replaced by whether it equals `header`:
 * its output holds header values in plain text and must never be printed.
 */
export function accountMcpGet(account: { name: string; home: string }, header?: string, name = "connectai"): McpGet {
    const codex = accountCodex(account.home);
    const env = [`HOME=${account.home}`, `PATH=${path.dirname(codex)}:/usr/bin:/bin`, ...caEnvArgs()];
    const r = spawnSync("runuser", ["-u", account.name, "--", "env", "-i", ...env, codex, "mcp", "get", name, "--json"], {
        encoding: "utf8",
        timeout: 60_000,
        stdio: ["ignore", "pipe", "pipe"],
    });
    if (r.status !== 0) throw new Error(`codex mcp get ${name} as ${account.name} exited ${r.status}: ${r.stderr.slice(-500)}`);
    const got = JSON.parse(r.stdout);
    const headers = got.transport?.http_headers;
    if (headers?.Authorization !== undefined) headers.Authorization = headers.Authorization === header ? "<as expected>" : "<different>";
    return got;
}
