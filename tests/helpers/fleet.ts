// A fleet of SSH hosts on this machine: one local account and one sshd per host, the client keys in
// files the program reads, and every account's npm cache seeded from one shared download of Codex.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { startSshHost, SshHost, SshHostOptions } from "./sshd";
import { toolchainBin, projectRoot } from "./toolchain";
import { createUser, TestUser } from "./users";

export interface FleetHost {
    name: string;
    user: TestUser;
    ssh: SshHost;
    keyFile: string;
    /** The stack config entry for this host (targets[i]). */
    target: Record<string, unknown>;
}

const cacheRoot = process.env.PULUMI_TOOLCHAIN_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "codex-connect-pulumi");

/** One npm cache holding Codex (and its Linux binary package) at these versions; downloaded once. */
export function npmSeed(versions: string[]): string {
    const seed = path.join(cacheRoot, "npm-seed");
    for (const v of versions) {
        const stamp = path.join(seed, `.codex-${v}`);
        if (fs.existsSync(stamp)) continue;
        execFileSync("npm", ["cache", "add", `@openai/codex@${v}`, `@openai/codex@${v}-linux-x64`, "--cache", seed], { stdio: ["ignore", "ignore", "inherit"] });
        fs.writeFileSync(stamp, "");
    }
    return seed;
}

export async function startFleet(names: string[], options: { seed?: string; ssh?: (name: string) => SshHostOptions } = {}): Promise<{ hosts: FleetHost[]; keysDir: string; stop(): void }> {
    const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-keys-"));
    const hosts: FleetHost[] = [];
    const stop = () => {
        for (const h of hosts) {
            h.ssh.stop();
            h.user.remove();
        }
        fs.rmSync(keysDir, { recursive: true, force: true });
    };
    try {
        for (const name of names) {
            const user = createUser("cxf");
            if (options.seed) {
                // npm's cache holds content by hash: a copy serves every account without a download.
                execFileSync("cp", ["-a", `${options.seed}/.`, path.join(user.home, ".npm")]);
                execFileSync("chown", ["-R", `${user.uid}:${user.gid}`, path.join(user.home, ".npm")]);
            }
            const ssh = await startSshHost(user, options.ssh?.(name));
            const keyFile = path.join(keysDir, `${name}.key`);
            fs.writeFileSync(keyFile, ssh.clientKey, { mode: 0o600 });
            hosts.push({ name, user, ssh, keyFile, target: { name, kind: "ssh", host: "127.0.0.1", port: ssh.port, user: user.name, privateKeyPath: keyFile, hostKey: ssh.hostKey } });
        }
    } catch (e) {
        stop();
        throw e;
    }
    return { hosts, keysDir, stop };
}

/**
 * As the README says: `pulumi config set --secret` reading the value from stdin. (The Automation
 * API's setConfig puts the value on the command line, where the process table shows it.)
 */
export function setSecretConfig(stack: Stack, env: NodeJS.ProcessEnv, key: string, value: string): void {
    execFileSync(path.join(toolchainBin(), "pulumi"), ["config", "set", "--secret", key, "--stack", stack.name, "--non-interactive"], {
        cwd: projectRoot,
        env: { ...env, PATH: `${toolchainBin()}:${process.env.PATH}` },
        input: value,
        stdio: ["pipe", "ignore", "inherit"],
    });
}

/** Replaces the stack's `targets` list (config paths targets[i].field). */
export async function setTargetsConfig(stack: Stack, targets: Array<Record<string, unknown>>): Promise<void> {
    await stack.removeConfig("targets").catch(() => undefined);
    const flat: Record<string, { value: string }> = {};
    targets.forEach((t, i) =>
        Object.entries(t).forEach(([k, v]) => {
            if (v !== undefined) flat[`targets[${i}].${k}`] = { value: String(v) };
        }),
    );
    await stack.workspace.setAllConfig(stack.name, flat, true);
}
