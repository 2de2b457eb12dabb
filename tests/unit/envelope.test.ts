// A target's command's stdin (protocol/envelope.ts) and the SSH key in it (protocol/ssh-key.ts): what the program
// seals is what the feeder opens, with what it leaves out worked out the same way; a stdin written
// by 0.3 still opens; the z1 dictionary never changes (states hold stdins deflated with it); and
// an ed25519 key written back from its seed is the same key for ssh2.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { utils } from "ssh2";
import { identityOf, open, seal } from "../../components/protocol/envelope";
import { kept } from "../../components/feeder/feed";
import { fullKey, shortKey } from "../../components/protocol/ssh-key";
import { validTarget } from "../../components/target-args";
import { identity } from "../../components/target-command";
import type { RunnerRequest, RunnerResult } from "../../components/protocol/types";

const SEED = "ed25519:" + Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1)).toString("base64url");
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOKp4T7HpPGacygKhSqmB59Bx8HBouUt4v50cfGMUWQt";
const HEADER = { Authorization: "Basic YWRhQGV4YW1wbGUuY29tOlBBVC0x" };

const request = (over: Partial<RunnerRequest> = {}): RunnerRequest => ({
    op: "ensure",
    name: "connectai",
    entry: { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30, http_headers: HEADER },
    codex: { version: "0.169.0", uninstall: false },
    managedBy: "pulumi:codex-connect/prod/web1",
    compact: true,
    ...over,
});

describe("the stdin envelope", () => {
    test("an SSH target: label and claim left out, worked out again by the feeder as the component has them", () => {
        const t = validTarget("ConnectAiCodex web1", { kind: "ssh", host: "10.0.0.5", user: "dev", privateKey: SEED, hostKey: HOST_KEY });
        const claim = `${identity(t, "connectai")} (local.Command)`;
        const text = seal(request({ label: "ssh dev@10.0.0.5:22", claim, token: "in sync (0123456789ab)" }), {
            ssh: { host: "10.0.0.5", user: "dev", privateKey: SEED, hostKey: HOST_KEY },
        });
        expect(text).toMatch(/^z1:[A-Za-z0-9+/]+=*$/);
        const { request: r, target } = open(text);
        expect(r).toEqual({
            name: "connectai",
            entry: request().entry,
            codex: { version: "0.169.0" },
            managedBy: "pulumi:codex-connect/prod/web1",
            label: "ssh dev@10.0.0.5:22",
            claim,
            compact: true,
        });
        // The operation and the drift token come from the command line; the key is written out in full.
        expect(r).not.toHaveProperty("op");
        expect(r).not.toHaveProperty("token");
        expect(target).toMatchObject({
            kind: "ssh",
            host: "10.0.0.5",
            user: "dev",
            hostKey: HOST_KEY,
            privateKey: expect.stringMatching(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/),
        });
        // A basic-auth SSH request, key and header included, in under 220 characters (it was 1,135 as JSON).
        expect(text.length).toBeLessThan(220);
    });

    test("what the feeder would say otherwise is kept: a preset's label, a home spelled out, another claim, uninstall", () => {
        const via = ["docker", "exec", "-i", "-u", "vscode", "devbox"];
        const exec = open(
            seal(
                request({
                    label: "docker devbox",
                    claim: identityOf({ via }, undefined, undefined, "connectai"),
                    codex: { version: "0.169.0", uninstall: true },
                }),
                { via },
            ),
        );
        expect(exec.target).toEqual({ kind: "exec", prefix: via });
        expect(exec.request).toMatchObject({
            label: "docker devbox",
            claim: "exec docker exec -i -u vscode devbox ~/.codex [mcp_servers.connectai]",
            codex: { version: "0.169.0", uninstall: true },
        });

        const home = path.join(os.homedir(), ".codex");
        const local = validTarget("CodexCli me", { kind: "local", codexHome: home });
        // identity() takes the default home spelled out for the default; the feeder's own reading could not know it.
        expect(identity(local, "connectai")).toBe("local ~/.codex [mcp_servers.connectai]");
        const l = open(seal(request({ codexHome: home, label: `local ${home}`, claim: identity(local, "connectai") }), {}));
        expect(l.target).toEqual({ kind: "local" });
        expect(l.request).toMatchObject({ codexHome: home, label: `local ${home}`, claim: "local ~/.codex [mcp_servers.connectai]" });

        const other = open(
            seal(request({ claim: "ssh dev@10.0.0.5:22 ~/.codex [mcp_servers.connectai]" }), {
                ssh: { host: "10.0.0.5", user: "dev", hostKey: HOST_KEY, agent: true },
            }),
        );
        expect(other.request.claim).toBe("ssh dev@10.0.0.5:22 ~/.codex [mcp_servers.connectai]");
        expect(other.target).toMatchObject({ agent: true });
    });

    test("a stdin written by 0.3 (JSON, every field spelled out, the key in full) opens as it did", () => {
        const key = fullKey(SEED);
        const old = JSON.stringify({
            ...request({
                token: "to install: file-missing (4f096a9de0f7)",
                claim: "ssh dev@10.0.0.5:22 ~/.codex [mcp_servers.connectai] (local.Command)",
                label: "ssh dev@10.0.0.5:22",
            }),
            ssh: { host: "10.0.0.5", port: 22, user: "dev", privateKey: key, hostKey: HOST_KEY },
        });
        const { request: r, target } = open(old);
        expect(r).toMatchObject({
            token: "to install: file-missing (4f096a9de0f7)",
            claim: "ssh dev@10.0.0.5:22 ~/.codex [mcp_servers.connectai] (local.Command)",
            codex: { version: "0.169.0", uninstall: false },
            compact: true,
        });
        expect(target).toEqual({ kind: "ssh", host: "10.0.0.5", port: 22, user: "dev", privateKey: key, hostKey: HOST_KEY });
    });

    test("z1 never changes: a stdin sealed when it was made opens to the same request", () => {
        const z1 =
            "z1:GxQOiQwPygh0DzOJDDcsT3IPLY00sizxz3FyCnM2qAA5knA0FxTlp+iXpyYZkhffpoiSIiW1DFdMOwZ6ujg5hro7lad7OacX+7oEmgS4OrkGu1YEhrllJEe6B+UneTgZpHpUOpKeKPy9C0xCzD0KAtwTkyvTvTOCC3OdTC2dKiw8nPJLQ0tMykwNktPcfUPDA0uUamsB";
        const { request: r, target } = open(z1);
        expect(r).toEqual({
            name: "connectai",
            entry: request().entry,
            managedBy: "pulumi:codex-connect/prod/web1",
            codex: { version: "0.169.0" },
            label: "ssh dev@10.0.0.5:22",
            claim: "ssh dev@10.0.0.5:22 ~/.codex [mcp_servers.connectai] (local.Command)",
            compact: true,
        });
        expect(target).toEqual({ kind: "ssh", host: "10.0.0.5", user: "dev", privateKey: fullKey(SEED), hostKey: HOST_KEY });
        // And sealing the same request again gives the same text (deflate at level 9 is deterministic).
        expect(
            seal(request({ label: "ssh dev@10.0.0.5:22", claim: r.claim }), { ssh: { host: "10.0.0.5", user: "dev", privateKey: SEED, hostKey: HOST_KEY } }),
        ).toBe(z1);
    });

    test("neither z1 nor JSON: refused", () => {
        expect(() => open("z1:AAAA")).toThrow();
        expect(() => open("not json")).toThrow();
        expect(() => open("[1]")).toThrow(/not a JSON object/);
    });
});

describe("an SSH key in the stdin", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ssh-key-test-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const keygen = (name: string, ...args: string[]) => {
        execFileSync("ssh-keygen", ["-q", "-N", "", "-C", "ada@laptop", "-f", path.join(dir, name), ...args]);
        return fs.readFileSync(path.join(dir, name), "utf8");
    };

    test("an unencrypted OpenSSH ed25519 key is kept as its seed and written back as the same key", () => {
        const text = keygen("ed", "-t", "ed25519");
        const short = shortKey(text);
        expect(short).toMatch(/^ed25519:[A-Za-z0-9_-]{43}$/);
        const back = fullKey(short);
        const [a, b] = [utils.parseKey(text), utils.parseKey(back)];
        if (a instanceof Error || b instanceof Error || Array.isArray(a) || Array.isArray(b)) throw new Error("not parsed");
        expect(b.type).toBe("ssh-ed25519");
        expect(b.getPublicSSH().equals(a.getPublicSSH())).toBe(true);
        expect(b.sign(Buffer.from("challenge")).equals(a.sign(Buffer.from("challenge")))).toBe(true);
        expect(shortKey(back)).toBe(short);
    });

    test("every other key is kept as given: RSA, ECDSA, one with a passphrase, a PEM, text that is no key", () => {
        const rsa = keygen("rsa", "-t", "rsa", "-b", "2048");
        const ecdsa = keygen("ec", "-t", "ecdsa");
        execFileSync("ssh-keygen", ["-q", "-N", "s3cret", "-t", "ed25519", "-f", path.join(dir, "locked")]);
        const locked = fs.readFileSync(path.join(dir, "locked"), "utf8");
        const pem = keygen("pem", "-t", "rsa", "-b", "2048", "-m", "PEM");
        for (const k of [rsa, ecdsa, locked, pem, "KEY-TEXT-55", ""]) expect(shortKey(k)).toBe(k);
        for (const k of [rsa, ecdsa, locked, pem, "KEY-TEXT-55"]) expect(fullKey(k)).toBe(k);
        expect(() => fullKey("ed25519:AAAA")).toThrow(/32 bytes/);
    });
});

describe("what an ensure's answer keeps in the state", () => {
    test("only what the components read back", () => {
        const r = {
            ok: true,
            op: "ensure",
            configPath: "/home/dev/.codex/config.toml",
            changed: true,
            repaired: [],
            codex: { version: "0.169.0", path: "/usr/bin/codex", action: "none", onLoginPath: true },
            signIn: { status: "signed-in", method: "api-key", by: "this-stack", matches: true, action: "none" },
            ready: { ready: true, reasons: [] },
        } as unknown as RunnerResult;
        expect(kept(r)).toEqual({
            configPath: "/home/dev/.codex/config.toml",
            codex: { version: "0.169.0", path: "/usr/bin/codex" },
            signIn: { status: "signed-in", method: "api-key", by: "this-stack" },
            ready: { ready: true, reasons: [] },
        });
        expect(kept({ ...r, repaired: ["entry.url"], adopted: true, codex: undefined, signIn: undefined, ready: undefined })).toEqual({
            configPath: "/home/dev/.codex/config.toml",
            repaired: ["entry.url"],
            adopted: true,
        });
    });
});
