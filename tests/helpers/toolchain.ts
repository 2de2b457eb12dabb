// Provisions the Pulumi toolchain once per test process and gives tests a clean, offline environment.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const projectRoot = path.resolve(__dirname, "..", "..");

let cachedBin: string | undefined;

/** The bin/ directory that holds pulumi, the language host, the command plugin and the dynamic-provider plugin. */
export function toolchainBin(): string {
    if (!cachedBin) {
        const out = execFileSync(path.join(projectRoot, "scripts", "pulumi-toolchain.sh"), [], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
        });
        cachedBin = out.trim().split("\n").pop()!;
    }
    return cachedBin;
}

/** A fresh file backend and PULUMI_HOME under a temp directory. */
export function pulumiSandbox(prefix: string): { dir: string; env: NodeJS.ProcessEnv } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.mkdirSync(path.join(dir, "state"));
    const env: NodeJS.ProcessEnv = {
        PATH: `${toolchainBin()}:${process.env.PATH}`,
        HOME: process.env.HOME,
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "toolchain-smoke-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false",
    };
    return { dir, env };
}
