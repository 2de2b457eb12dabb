// The SSH transport against a real OpenSSH server: one session per operation, the host key pinned,
// and clear errors that name the host when it is down, refuses the key, or is not the pinned one.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { callRunner } from "../../components/call-runner";
import { Target } from "../../components/feeder/transports";
import { startSshHost, SshHost } from "../helpers/sshd";
import { suiteNeeding } from "../helpers/needs";
import { createUser, TestUser } from "../helpers/users";

const suite = suiteNeeding({ root: true, sshd: true });

suite("ssh transport", () => {
    let user: TestUser;
    let host: SshHost;
    let target: Extract<Target, { kind: "ssh" }>;
    const header = "Basic " + Buffer.from("ada@example.com:PAT-ssh-77").toString("base64");

    beforeAll(async () => {
        user = createUser("cxs");
        host = await startSshHost(user);
        target = { kind: "ssh", host: "127.0.0.1", port: host.port, user: user.name, privateKey: host.clientKey, hostKey: host.hostKey };
    });
    afterAll(() => {
        if (process.env.KEEP_SSHD_LOG) console.log(host?.log());
        host?.stop();
        user?.remove();
    });

    test("ensure and probe over one session each, as the remote account", async () => {
        const before = (host.log().match(/Accepted publickey/g) ?? []).length;
        const r = await callRunner(target, {
            op: "ensure",
            name: "connectai",
            entry: { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30, http_headers: { Authorization: header } },
            verify: false,
        });
        expect(r).toMatchObject({ ok: true, user: user.name, changed: true, configPath: path.join(user.home, ".codex", "config.toml") });
        const p = await callRunner(target, {
            op: "probe",
            name: "connectai",
            entry: { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30, http_headers: { Authorization: header } },
        });
        expect(p.drift).toEqual([]);
        expect((host.log().match(/Accepted publickey/g) ?? []).length - before).toBe(2);
        // Nothing of the request reached the server's log or the command line it ran.
        expect(host.log()).not.toContain(header);
    });

    test("a wrong host key: the connection is refused", async () => {
        const other = execFileSync("sh", ["-c", `ssh-keygen -q -t ed25519 -N "" -f ${host.dir}/other && cat ${host.dir}/other.pub`], {
            encoding: "utf8",
        }).trim();
        await expect(callRunner({ ...target, hostKey: other }, { op: "probe", name: "connectai" })).rejects.toThrow(
            `ssh ${user.name}@127.0.0.1:${host.port}: ssh: host key verification failed`,
        );
    });

    test("no hostKey: refused before connecting (fails closed), with how to get the key; an explicit opt-out connects", async () => {
        const { hostKey: _pinned, ...unpinned } = target;
        const before = host.log().length;
        await expect(callRunner(unpinned, { op: "probe", name: "connectai" })).rejects.toThrow(
            `ssh ${user.name}@127.0.0.1:${host.port}: hostKey: required (SSH fails closed without a pinned host key); get it with: ssh-keyscan -t ed25519 -p ${host.port} 127.0.0.1`,
        );
        expect(host.log().slice(before)).not.toMatch(/Connection from/); // not even a connection was made
        await expect(callRunner({ ...unpinned, insecureSkipHostKeyCheck: true }, { op: "probe", name: "connectai" })).resolves.toMatchObject({ ok: true });
    });

    test("a key the host refuses: the error names the host", async () => {
        const other = fs.readFileSync(`${host.dir}/other`, "utf8");
        await expect(callRunner({ ...target, privateKey: other }, { op: "probe", name: "connectai" })).rejects.toThrow(
            new RegExp(`^ssh ${user.name}@127\\.0\\.0\\.1:${host.port}: ssh: All configured authentication methods failed`),
        );
    });

    test("a host that is down: the error names the host", async () => {
        await expect(callRunner({ ...target, port: 1 }, { op: "probe", name: "connectai" })).rejects.toThrow(
            `ssh ${user.name}@127.0.0.1:1: ssh: connect ECONNREFUSED`,
        );
    });
});
