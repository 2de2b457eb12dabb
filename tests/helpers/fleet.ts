// A fleet of SSH hosts on this machine: one local account and one sshd per host, the client keys in
// files the program reads, and every account's npm cache seeded from one shared download of Codex.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { startSshHost, SshHost, SshHostOptions } from "./sshd";
import { cacheRoot, projectRoot, toolchainBin } from "./toolchain";
import { createUser, TestUser } from "./users";

export interface FleetHost {
    name: string;
    user: TestUser;
    ssh: SshHost;
    keyFile: string;
    /** The stack config entry for this host (targets[i]). */
    target: Record<string, unknown>;
}

/** One npm cache holding Codex (and its Linux binary package) at these versions; downloaded once. */
export function npmSeed(versions: string[]): string {
    const seed = path.join(cacheRoot, "npm-seed");
    for (const v of versions) {
        const stamp = path.join(seed, `.codex-${v}`);
        if (fs.existsSync(stamp)) continue;
        execFileSync("npm", ["cache", "add", `@openai/codex@${v}`, `@openai/codex@${v}-linux-x64`, "--cache", seed], {
            stdio: ["ignore", "ignore", "inherit"],
        });
        fs.writeFileSync(stamp, "");
    }
    return seed;
}

/**
 * npm's cache holds content by hash and never rewrites a content file: each account gets its own
 * directories and index (its own, so npm can add to them) and hard links to the seed's content
 * files (read-only to it), which keeps a fleet of 100 hosts from holding 100 copies of Codex's
 * tarballs. A copy where links cannot be made (another filesystem).
 */
function seedNpmCache(seed: string, dest: string, user: { uid: number; gid: number }): void {
    const content = path.join("_cacache", "content-v2");
    fs.mkdirSync(path.join(dest, "_cacache"), { recursive: true });
    for (const entry of fs.readdirSync(path.join(seed, "_cacache"))) {
        if (entry !== "content-v2") execFileSync("cp", ["-a", path.join(seed, "_cacache", entry), path.join(dest, "_cacache")]);
    }
    try {
        execFileSync("cp", ["-al", path.join(seed, content), path.join(dest, "_cacache")], { stdio: ["ignore", "ignore", "pipe"] });
    } catch {
        fs.rmSync(path.join(dest, content), { recursive: true, force: true });
        execFileSync("cp", ["-a", path.join(seed, content), path.join(dest, "_cacache")]);
        execFileSync("chown", ["-R", `${user.uid}:${user.gid}`, dest]);
        return;
    }
    // The account's own: every directory, and all but the linked content files (left as they are).
    execFileSync("sh", [
        "-c",
        'find "$1" -path "$1/_cacache/content-v2" -prune -o -exec chown "$2" {} + && find "$1/_cacache/content-v2" -type d -exec chown "$2" {} +',
        "sh",
        dest,
        `${user.uid}:${user.gid}`,
    ]);
}

export async function startFleet(
    names: string[],
    options: { seed?: string; ssh?: (name: string) => SshHostOptions } = {},
): Promise<{ hosts: FleetHost[]; keysDir: string; stop(): void }> {
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
            if (options.seed) seedNpmCache(options.seed, path.join(user.home, ".npm"), user);
            const ssh = await startSshHost(user, options.ssh?.(name));
            const keyFile = path.join(keysDir, `${name}.key`);
            fs.writeFileSync(keyFile, ssh.clientKey, { mode: 0o600 });
            hosts.push({
                name,
                user,
                ssh,
                keyFile,
                target: { name, kind: "ssh", host: "127.0.0.1", port: ssh.port, user: user.name, privateKeyPath: keyFile, hostKey: ssh.hostKey },
            });
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
