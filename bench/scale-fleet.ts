// The scale benchmark's hosts: N local accounts behind ONE sshd on 127.0.0.1 (MaxStartups and
// MaxSessions raised), created in one batch, with Codex installed once machine-wide (npm install -g
// into a prefix that every account's PATH starts with, through sshd's SetEnv), and ONE Ansible INI
// inventory with a known_hosts file that both tools read: Ansible with -i, the fleet program through
// the stack keys `inventory` and `knownHosts`.
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { SharedSshd, startSharedSshd } from "../tests/helpers/sshd";
import { projectRoot } from "../tests/helpers/toolchain";
import { createUsers, removeUsers, TestUser } from "../tests/helpers/users";
import { ACCOUNT_PREFIX, atCleanup } from "./scale-cleanup";

export interface ScaleHost {
    /** The inventory name (h0, h1, ...), the target's name in the stack. */
    name: string;
    user: TestUser;
}

export interface ScaleFleet {
    hosts: ScaleHost[];
    sshd: SharedSshd;
    /** The Ansible INI inventory (group `fleet`) and the known_hosts file beside it. */
    inventory: string;
    knownHosts: string;
    /** A directory for the tools' files (root's only). */
    controllerDir: string;
    /** Accepted publickey logins per account so far (sshd's log). */
    logins(): Map<string, number>;
    /** Every account's home emptied: a fresh host again (Codex stays, machine-wide). */
    reset(): void;
    stop(): void;
}

export const configOf = (h: ScaleHost) => path.join(h.user.home, ".codex", "config.toml");

/**
 * Codex at `version` in the npm prefix `prefix` (bin/codex, lib/node_modules/@openai/codex), as
 * `npm install -g` puts it there; from the npm cache `seed`, offline. Readable by every account.
 */
export function installSharedCodex(prefix: string, version: string, seed: string): string {
    fs.mkdirSync(prefix, { recursive: true, mode: 0o755 });
    execFileSync("npm", ["install", "-g", "--prefix", prefix, "--cache", seed, "--offline", "--no-audit", "--no-fund", `@openai/codex@${version}`], {
        stdio: ["ignore", "ignore", "inherit"],
    });
    for (let d = prefix; d !== path.dirname(d); d = path.dirname(d)) {
        if (d.startsWith("/tmp/")) fs.chmodSync(d, 0o755); // mkdtemp makes 0700 directories
    }
    const said = execFileSync(path.join(prefix, "bin", "codex"), ["--version"], { encoding: "utf8" });
    if (!said.includes(version)) throw new Error(`the shared Codex in ${prefix} says ${said.trim()}, not ${version}`);
    return prefix;
}

/**
 * An Ansible INI inventory of these hosts (group `fleet`) behind the shared sshd, its host key
 * checked against `knownHosts` by both tools.
 */
export function writeInventory(file: string, hosts: ScaleHost[], sshd: SharedSshd, knownHosts: string): void {
    fs.writeFileSync(
        file,
        [
            `# ${hosts.length} hosts: one account each behind one sshd on 127.0.0.1:${sshd.port} (bench/scale-fleet.ts).`,
            "# Ansible reads it with -i; the fleet program with the stack keys inventory and knownHosts.",
            "[fleet]",
            ...hosts.map((h) => `${h.name} ansible_user=${h.user.name}`),
            "",
            "[fleet:vars]",
            "ansible_host=127.0.0.1",
            `ansible_port=${sshd.port}`,
            `ansible_ssh_private_key_file=${sshd.clientKeyFile}`,
            "ansible_python_interpreter=/usr/bin/python3",
            `ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes'`,
        ].join("\n") + "\n",
        { mode: 0o600 },
    );
}

/** `count` accounts and one sshd for all; stop() (also registered for clean-up) takes them away. */
export async function startScaleFleet(count: number, opts: { dir: string; codexPrefix: string; parallel: number }): Promise<ScaleFleet> {
    const tag = `${ACCOUNT_PREFIX}${randomBytes(3).toString("hex")}x`;
    const controllerDir = path.join(opts.dir, "controller");
    fs.mkdirSync(controllerDir, { recursive: true, mode: 0o700 });
    let users: TestUser[] = [];
    let sshd: SharedSshd | undefined;
    const stop = atCleanup(`the ${count} account(s) ${tag}* and their sshd`, () => {
        sshd?.stop();
        removeUsers(users);
        fs.rmSync(controllerDir, { recursive: true, force: true });
    });
    try {
        users = createUsers(tag, count);
        sshd = await startSharedSshd({
            dir: path.join(opts.dir, "sshd"),
            allowUsers: [`${tag}*`],
            // Codex machine-wide: first on every session's PATH (the runner and Ansible both look there).
            env: { PATH: `${path.join(opts.codexPrefix, "bin")}:/usr/local/bin:/usr/bin:/bin` },
            maxStartups: Math.max(100, 4 * opts.parallel),
            maxSessions: 100,
            // The target side's CPU: sessions whose sshd monitor did not wait for them end up here.
            wrapper: ["/usr/bin/python3", path.join(projectRoot, "bench", "rusage.py"), path.join(opts.dir, "sshd-usage.json"), "--"],
        });
    } catch (e) {
        stop();
        throw e;
    }
    const hosts = users.map((user, i) => ({ name: `h${i}`, user }));
    const knownHosts = path.join(controllerDir, "known_hosts");
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKey}\n`);
    const inventory = path.join(controllerDir, "hosts.ini");
    writeInventory(inventory, hosts, sshd, knownHosts);
    const shared = sshd;
    return {
        hosts,
        sshd: shared,
        inventory,
        knownHosts,
        controllerDir,
        logins() {
            const n = new Map<string, number>();
            for (const m of shared.log().matchAll(/Accepted publickey for (\S+)/g)) n.set(m[1], (n.get(m[1]) ?? 0) + 1);
            return n;
        },
        reset() {
            for (const h of hosts) {
                for (const e of fs.readdirSync(h.user.home)) fs.rmSync(path.join(h.user.home, e), { recursive: true, force: true });
            }
        },
        stop,
    };
}
