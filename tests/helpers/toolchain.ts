// Provisions the Pulumi toolchain once per test process and gives tests a clean, offline environment.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const projectRoot = path.resolve(__dirname, "..", "..");

/** scripts/pulumi-toolchain.sh's cache: $PULUMI_TOOLCHAIN_HOME, default ~/.cache/codex-connect-pulumi. */
export const cacheRoot =
    process.env.PULUMI_TOOLCHAIN_HOME || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "codex-connect-pulumi");

/** The PULUMI_HOME whose plugin cache every sandbox starts from (the command plugin, installed once). */
const sharedHome = path.join(cacheRoot, "sandbox-pulumi-home");

let cachedBin: string | undefined;

/**
 * The bin/ directory that holds pulumi, the language host, the command plugin and the dynamic-provider
 * plugin. The command plugin is also put into the sandboxes' shared plugin cache (--install-plugins:
 * copied the first time, only compared after that).
 */
export function toolchainBin(): string {
    if (!cachedBin) {
        const out = execFileSync(path.join(projectRoot, "scripts", "pulumi-toolchain.sh"), ["--install-plugins"], {
            encoding: "utf8",
            env: { ...process.env, PULUMI_HOME: sharedHome },
            stdio: ["ignore", "pipe", "inherit"],
        });
        cachedBin = out.trim().split("\n").pop()!;
    }
    return cachedBin;
}

/**
 * The shared plugin cache in this PULUMI_HOME as hard links: no 33 MB copy per sandbox, and what a
 * test installs (a package added from git) stays in its own home. A copy where links cannot be made.
 */
function linkPlugins(home: string): void {
    toolchainBin();
    const from = path.join(sharedHome, "plugins");
    const to = path.join(home, "plugins");
    const plugins = fs
        .readdirSync(from, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => path.join(from, d.name));
    fs.mkdirSync(to, { recursive: true });
    try {
        execFileSync("cp", ["-al", ...plugins, to], { stdio: ["ignore", "ignore", "pipe"] });
    } catch {
        // Into a clean directory: a copy onto a half-made link would write into the shared file.
        fs.rmSync(to, { recursive: true, force: true });
        fs.mkdirSync(to);
        execFileSync("cp", ["-a", ...plugins, to]);
    }
}

/**
 * A fresh file backend and PULUMI_HOME under a temp directory. The engine takes no plugin from PATH
 * (each costs a warning): the bundled ones come from beside the CLI, the command plugin from that
 * home's plugin cache.
 */
export function pulumiSandbox(prefix: string): { dir: string; env: NodeJS.ProcessEnv } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.mkdirSync(path.join(dir, "state"));
    linkPlugins(path.join(dir, "home"));
    const env: NodeJS.ProcessEnv = {
        PATH: `${toolchainBin()}:${process.env.PATH}`,
        HOME: process.env.HOME,
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "toolchain-smoke-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false",
    };
    return { dir, env };
}

/** The lines where the engine says it took a plugin from PATH ("warning: using pulumi-resource-command from $PATH at ..."). */
export function ambientPluginWarnings(output: string): string[] {
    return output.split("\n").filter((l) => /from \$PATH|warning.*pulumi-resource-/i.test(l));
}
