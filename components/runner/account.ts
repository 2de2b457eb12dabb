// Whose files these are, and how root acts for an account without lending it root's rights: the
// runner starts itself again as that account (setuid/setgid, a clean environment) for everything
// that touches the account's files or runs its programs. Nothing here knows TOML or Codex.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { ACCOUNT_BOOT, accountInput } from "../protocol/launcher";

export interface Account {
    name: string;
    home: string;
    uid: number;
    gid: number;
    shell: string;
    /** True when this process is root acting for another account (see runAsAccount). */
    impersonated: boolean;
}

export class AccountError extends Error {
    readonly code = "bad-request";
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

/** A passwd line from the system's own lookup (NSS: LDAP, sssd, extrausers...), else /etc/passwd. */
function passwdEntry(user: string): string[] | undefined {
    const r = spawnSync("getent", ["passwd", user], { encoding: "utf8", timeout: 30_000 });
    if (!r.error) return r.status === 0 ? r.stdout.trim().split("\n")[0].split(":") : undefined;
    const line = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .find((l) => l.split(":")[0] === user);
    return line?.split(":");
}

export function resolveAccount(user?: string): Account {
    const me = os.userInfo();
    const shell = process.env.SHELL || me.shell || "/bin/sh";
    if (!user || user === me.username) return { name: me.username, home: process.env.HOME || me.homedir, uid: me.uid, gid: me.gid, shell, impersonated: false };
    if (!NAME_RE.test(user)) throw new AccountError(`user: ${JSON.stringify(user)} is not an account name`);
    if (me.uid !== 0) throw new AccountError(`user: running as ${me.username}, which cannot act for ${user}; run as root or as ${user}`);
    const f = passwdEntry(user);
    if (!f || f.length < 7) throw new AccountError(`user: no account named ${user} on this machine`);
    const uid = Number(f[2]);
    if (uid === 0) throw new AccountError(`user: ${user} is a root account; run as it directly`);
    return { name: user, home: f[5], uid, gid: Number(f[3]), shell: f[6] || "/bin/sh", impersonated: true };
}

/** What the account's process inherits from root's: where things are and how to reach the registry. */
const PASSED =
    /^(PATH|LANG|LC_[A-Z]+|TZ|NODE_EXTRA_CA_CERTS|SSL_CERT_(FILE|DIR)|(HTTPS?|NO)_PROXY|(https?|no)_proxy|npm_config_(?!cache$|userconfig$|prefix$)\w+)$/;

function accountEnv(account: Account): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { HOME: account.home, USER: account.name, LOGNAME: account.name, SHELL: account.shell };
    for (const [k, v] of Object.entries(process.env)) if (PASSED.test(k) && v !== undefined) env[k] = v;
    return env;
}

/**
 * Runs `request` with this very runner as the account: its uid and gid (libuv drops root's
 * supplementary groups too), its HOME, cwd "/", no variable of root's but those in PASSED.
 * Returns the child's result, parsed.
 */
export function runAsAccount<R>(source: string, account: Account, request: object): R {
    const r = spawnSync(process.execPath, ["-e", ACCOUNT_BOOT], {
        input: accountInput(source, JSON.stringify(request)),
        uid: account.uid,
        gid: account.gid,
        cwd: "/",
        env: accountEnv(account),
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
        timeout: 1_800_000,
    });
    const line =
        String(r.stdout ?? "")
            .trim()
            .split("\n")
            .pop() ?? "";
    try {
        return JSON.parse(line) as R;
    } catch {
        const why =
            r.error?.message ??
            String(r.stderr ?? "")
                .trim()
                .split("\n")
                .slice(-2)
                .join(" | ");
        throw new AccountError(`running as ${account.name} failed (exit ${r.status}): ${why.slice(0, 300)}`);
    }
}
