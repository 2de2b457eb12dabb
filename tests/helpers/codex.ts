// The real Codex CLI for tests: installed once per machine at the pinned version, from the npm
// registry through the shared npm cache, under the toolchain cache directory.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_CODEX_VERSION } from "../../components/shared/versions";

export const codexVersion = DEFAULT_CODEX_VERSION;

const cacheRoot = process.env.PULUMI_TOOLCHAIN_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "codex-connect-pulumi");

/** The directory holding `codex` (installs it on first use; about 400 MB). */
export function codexBinDir(version = codexVersion): string {
    const prefix = path.join(cacheRoot, `codex-${version}`);
    const bin = path.join(prefix, "node_modules", ".bin");
    if (!fs.existsSync(path.join(bin, "codex"))) {
        execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", prefix, `@openai/codex@${version}`], {
            stdio: ["ignore", "ignore", "inherit"],
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
