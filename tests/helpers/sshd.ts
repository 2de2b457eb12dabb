// Real OpenSSH servers on 127.0.0.1 for tests: one sshd per host, logging into one local account,
// with generated host and client keys. Stopped and removed by stop(), even after a failure.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { TestUser } from "./users";

export interface SshHost {
    port: number;
    /** The host's public key line, for the target's hostKey. */
    hostKey: string;
    /** The client's private key (OpenSSH format). */
    clientKey: string;
    dir: string;
    log: () => string;
    /** Stops sshd but keeps its keys and port: the host is "down" until up(). */
    down(): void;
    up(): Promise<void>;
    stop(): void;
}

export interface SshHostOptions {
    /** Environment for every session (sshd's SetEnv), e.g. a PATH with an old node first. */
    env?: Record<string, string>;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
        s.on("error", reject);
    });
}

function keygen(file: string): void {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
}

async function waitForPort(port: number, ms: number): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
            const c = net.connect(port, "127.0.0.1", () => {
                c.destroy();
                resolve(true);
            });
            c.on("error", () => resolve(false));
        });
        if (ok) return;
        if (Date.now() > end) throw new Error(`sshd did not listen on ${port}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

export async function startSshHost(user: TestUser, options: SshHostOptions = {}): Promise<SshHost> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sshd-${user.name}-`));
    fs.chmodSync(dir, 0o755); // sshd reads authorized_keys as the account logging in
    keygen(path.join(dir, "host"));
    keygen(path.join(dir, "client"));
    fs.writeFileSync(path.join(dir, "authorized_keys"), fs.readFileSync(path.join(dir, "client.pub")), { mode: 0o644 });
    // sshd refuses accounts whose password is locked ("!") when PAM is off: make it "no password".
    execFileSync("usermod", ["-p", "*", user.name]);
    fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const port = await freePort();
    const config = [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${path.join(dir, "host")}`,
        `PidFile ${path.join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
        `AllowUsers ${user.name}`,
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "UsePAM no",
        "StrictModes no",
        "PermitRootLogin no",
        "LogLevel VERBOSE",
        // No sftp subsystem: the components need none (the probe leaves the runner on the host).
        ...Object.entries(options.env ?? {}).map(([k, v]) => `SetEnv ${k}=${v}`),
    ].join("\n");
    fs.writeFileSync(path.join(dir, "sshd_config"), config + "\n");
    const logFile = path.join(dir, "sshd.log");
    let proc: ChildProcess | undefined;
    const start = async () => {
        proc = spawn("/usr/sbin/sshd", ["-D", "-f", path.join(dir, "sshd_config"), "-E", logFile], { stdio: "ignore" });
        await waitForPort(port, 10_000);
    };
    const kill = () => {
        proc?.kill("SIGTERM");
        proc = undefined;
        // Sessions already forked keep running; the listener is gone at once.
    };
    await start();
    return {
        port,
        hostKey: fs.readFileSync(path.join(dir, "host.pub"), "utf8").trim(),
        clientKey: fs.readFileSync(path.join(dir, "client"), "utf8"),
        dir,
        log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
        down: kill,
        up: start,
        stop() {
            kill();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

export interface SharedSshd {
    port: number;
    /** The host's public key line (the same for every account behind it). */
    hostKey: string;
    /** The one client key every account accepts: its private key file (OpenSSH format) and public line. */
    clientKeyFile: string;
    dir: string;
    pidFile: string;
    log: () => string;
    /**
     * CPU seconds (user + system) of the sessions that have ended: the listener's cutime and cstime
     * (every connection's sshd is its child, and waits for what runs under it). The target side.
     */
    sessionsCpuSeconds(): number;
    /** Connections still open (the listener's child processes). */
    openConnections(): number;
    stop(): void;
}

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** The fields of /proc/PID/stat after the command name (field 3 onwards), or undefined when the process is gone. */
function procStat(pid: number | string): string[] | undefined {
    try {
        const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return text.slice(text.lastIndexOf(")") + 2).split(" ");
    } catch {
        return undefined;
    }
}

export interface SharedSshdOptions {
    /** sshd's AllowUsers patterns, e.g. ["cxs1a2b3cx*"]. */
    allowUsers: string[];
    /** The directory for keys, config, pid file and log (made if missing; 0755: sshd reads authorized_keys as the account). */
    dir: string;
    env?: Record<string, string>;
    /** Unauthenticated connections at once before sshd starts refusing (MaxStartups); default 1000. */
    maxStartups?: number;
    /** Sessions per connection (MaxSessions, Ansible's multiplexed sessions); default 100. */
    maxSessions?: number;
    /**
     * A command that runs sshd (argv prefix), e.g. a child subreaper: sshd's per-connection monitor
     * exits without waiting for the session's process, which then counts only for the process it is
     * re-parented to. sessionsCpuSeconds adds that process's cutime and cstime to sshd's.
     */
    wrapper?: string[];
}

/**
 * One sshd on 127.0.0.1 for many local accounts (a benchmark's thousand "hosts" share a port and
 * differ by account): one host key, one client key in one authorized_keys file for all of them,
 * MaxStartups and MaxSessions raised so that a tool's parallel connections are never refused.
 */
export async function startSharedSshd(options: SharedSshdOptions): Promise<SharedSshd> {
    const dir = options.dir;
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o755);
    keygen(path.join(dir, "host"));
    const keys = path.join(dir, "client-key");
    fs.mkdirSync(keys, { mode: 0o700 });
    keygen(path.join(keys, "client"));
    fs.writeFileSync(path.join(dir, "authorized_keys"), fs.readFileSync(path.join(keys, "client.pub")), { mode: 0o644 });
    fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const port = await freePort();
    const pidFile = path.join(dir, "sshd.pid");
    const config = [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${path.join(dir, "host")}`,
        `PidFile ${pidFile}`,
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
        `AllowUsers ${options.allowUsers.join(" ")}`,
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "UsePAM no",
        "StrictModes no",
        "PermitRootLogin no",
        "LogLevel VERBOSE",
        `MaxStartups ${options.maxStartups ?? 1000}`,
        `MaxSessions ${options.maxSessions ?? 100}`,
        // No DNS lookup of 127.0.0.1 per connection.
        "UseDNS no",
        ...Object.entries(options.env ?? {}).map(([k, v]) => `SetEnv ${k}=${v}`),
    ].join("\n");
    fs.writeFileSync(path.join(dir, "sshd_config"), config + "\n");
    const logFile = path.join(dir, "sshd.log");
    const [cmd, ...argv] = [...(options.wrapper ?? []), "/usr/sbin/sshd", "-D", "-f", path.join(dir, "sshd_config"), "-E", logFile];
    const proc = spawn(cmd, argv, { stdio: "ignore" });
    const stop = () => {
        proc.kill("SIGTERM");
        fs.rmSync(dir, { recursive: true, force: true });
    };
    let sshdPid = 0;
    try {
        await waitForPort(port, 10_000);
        sshdPid = Number(fs.readFileSync(pidFile, "utf8").trim());
    } catch (e) {
        stop();
        throw e;
    }
    // sshd and the wrapper, if any: the processes whose children are sessions.
    const parents = [...new Set([proc.pid!, sshdPid])];
    return {
        port,
        hostKey: fs.readFileSync(path.join(dir, "host.pub"), "utf8").trim(),
        clientKeyFile: path.join(keys, "client"),
        dir,
        pidFile,
        log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
        sessionsCpuSeconds() {
            const fields = parents.map((p) => procStat(p));
            return fields.every((f) => f) ? fields.reduce((a, f) => a + (Number(f![13]) + Number(f![14])) / CLOCK_TICKS, 0) : NaN; // cutime, cstime
        },
        openConnections: () =>
            fs.readdirSync("/proc").filter((d) => {
                if (!/^\d+$/.test(d) || Number(d) === sshdPid) return false;
                const ppid = Number(procStat(d)?.[1]);
                return parents.includes(ppid);
            }).length,
        stop,
    };
}
