// The components' resource graph, secret markings and validation, with Pulumi's mocks. The
// read-only probe still runs the real runner against a temporary CODEX_HOME on this machine.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            // A command's stdout is the runner's result line.
            const state = args.type.startsWith("command:") ? { ...args.inputs, stdout: JSON.stringify({ ok: true, configPath: "/x/config.toml", repaired: [] }), stderr: "" } : args.inputs;
            return { id: `${args.name}-id`, state };
        },
        call: () => ({}),
    },
    "codex-connect",
    "test",
    true, // preview
);

import { CodexCli, CodexMcpServer, ConnectAiCodex } from "../../components";
import { validTarget } from "../../components/target-args";
import { identity } from "../../components/target-command";
import { open } from "../../components/envelope";

const PAT = "PAT-mock-test-91c2";
const b64 = Buffer.from(`ada@example.com:${PAT}`).toString("base64");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "mock-codex-home-"));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

// How the engine marks a secret value on the wire.
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
/** A command's stdin as the feeder reads it (envelope.ts): the request, and where the target is. */
const stdinOf = (r: Registered) => open((r.inputs.stdin as { value: string }).value);
const isSecret = (o: pulumi.Output<unknown>) => (o as unknown as { isSecret: Promise<boolean> }).isSecret;


/** The message a constructor throws, or "no error". */
function message(f: () => unknown): string {
    try {
        f();
    } catch (e) {
        return (e as Error).message;
    }
    return "no error";
}

describe("ConnectAiCodex", () => {
    test("basic auth: one local.Command under the component (no nested CodexMcpServer); header only inside its secret stdin", async () => {
        registered.length = 0;
        const c = new ConnectAiCodex("dev1", { target: { kind: "local", codexHome: home }, auth: "basic", email: "ada@example.com", pat: pulumi.secret(PAT) });
        await value(c.configPath);
        const types = registered.map((r) => `${r.type}::${r.name}`);
        expect(types).toEqual(
            expect.arrayContaining([
                "codex-connect:index:ConnectAiCodex::dev1",
                "command:local:Command::dev1",
            ]),
        );
        expect(types).not.toContain("codex-connect:index:CodexMcpServer::dev1");
        expect(registered.filter((r) => r.type.startsWith("command:"))).toHaveLength(1);
        // Components are registered with no arguments: nothing of the PAT reaches their state.
        for (const r of registered.filter((r) => r.type.startsWith("codex-connect:index:"))) expect(r.inputs).toEqual({});
        // The header travels only inside secret values; outside them, nothing holds the PAT.
        const cmd = registered.find((r) => r.type.startsWith("command:"))!;
        expect(cmd.inputs.stdin).toHaveProperty([SECRET_SIG], SECRET_VALUE);
        expect(stdinOf(cmd).request.entry?.http_headers).toEqual({ Authorization: `Basic ${b64}` }); // the witness: it is there, inside
        // Five inputs, all kept twice (inputs, outputs): no default spelled out, nothing the feeder works out again.
        expect(Object.keys(cmd.inputs).sort()).toEqual(["create", "delete", "logging", "stdin", "triggers"]);
        expect(cmd.inputs.logging).toBe("none");
        expect(cmd.inputs.create).toMatch(/^node \S*codex-mcp-runner\.js __feed 'ensure # to install: file-missing[^']* \([0-9a-f]{12}\)'$/);
        expect(cmd.inputs.delete).toMatch(/^node \S*codex-mcp-runner\.js __feed remove$/);
        const outsideSecrets = JSON.stringify(registered, (_k, v) => (v && v[SECRET_SIG] === SECRET_VALUE ? "[secret]" : v));
        expect(outsideSecrets).not.toContain(PAT);
        expect(outsideSecrets).not.toContain(b64);
        expect(await isSecret(c.configPath)).toBe(false);
        expect(await value(c.loginCommand)).toBeUndefined();
    });

    test("oauth (the default): no header, and the login command as an output", async () => {
        registered.length = 0;
        const c = new ConnectAiCodex("dev2", { target: { kind: "local", codexHome: home } });
        expect(await value(c.loginCommand)).toBe("codex mcp login connectai");
        expect(await value(c.drift)).toEqual([]); // nothing was there: to install, not drift
    });

    test("missing credentials are errors that name the component and field", () => {
        expect(() => new ConnectAiCodex("dev3", { target: { kind: "local" }, auth: "basic", email: "ada@example.com" })).toThrow(/dev3: auth "basic" needs email and pat/);
        expect(() => new ConnectAiCodex("dev4", { target: { kind: "local" }, auth: "bearer-env" })).toThrow(/dev4: .*bearerTokenEnvVar/);
    });

    test("typed-in values are refused by the shared rules (inputs.ts), naming the component and field, never the PAT", () => {
        const local = { kind: "local" as const, codexHome: home };
        const basic = { target: local, auth: "basic" as const, email: "ada@example.com" };
        for (const [pat, where] of [
            [`${PAT}\nsecond-line`, "(U+000A, LF, a line feed) at position 19"],
            [`${PAT}\r\n`, "(U+000D, CR, a carriage return) at position 19"],
            [`${PAT}\0`, "(U+0000, NUL) at position 19"],
        ]) {
            let message = "";
            expect(() => {
                try {
                    new ConnectAiCodex("dev5", { ...basic, pat });
                } catch (e) {
                    message = (e as Error).message;
                    throw e;
                }
            }).toThrow(`ConnectAiCodex dev5: pat: contains a control character ${where}`);
            expect(message).not.toContain(PAT);
            expect(message).not.toContain("second-line");
        }
        expect(() => new ConnectAiCodex("dev6", { ...basic, email: "a:b@x.example", pat: PAT })).toThrow(/^ConnectAiCodex dev6: email: contains a colon \(U\+003A\) at position 2/);
        expect(() => new ConnectAiCodex("dev7", { target: local, url: 'https://h.example/"\n[mcp_servers.evil]' })).toThrow(/^ConnectAiCodex dev7: url: .*control character \(U\+000A/);
        expect(() => new CodexMcpServer("bad1", { target: local, name: "docs", url: "https://h.example/<x>" })).toThrow(/^CodexMcpServer bad1: url: .*angle bracket/);
    });

    test("target: unknown fields refused with the closest known name; another kind's fields keep their message; all at once", () => {
        const ssh = { kind: "ssh" as const, host: "10.0.0.5", user: "dev", privateKey: "k", hostKey: "ssh-ed25519 AAAA" };
        const typos = { prot: 2222, privateKeyPth: "/k", container: "c", proxy: { host: "b", user: "j", hostKey: "ssh-ed25519 BBBB", usr: "x", codexHome: "/c", zzz: 1 } };
        expect(message(() => new ConnectAiCodex("web1", { target: { ...ssh, ...typos } as never }))).toBe(
            'ConnectAiCodex web1: invalid target: target.prot: unknown field; did you mean port?; target.privateKeyPth: unknown field; did you mean privateKey?; target.container: not a field of kind "ssh"; ' +
                'target.proxy.usr: unknown field; did you mean user?; target.proxy.codexHome: not a field of an SSH hop; ' +
                "target.proxy.zzz: unknown field; the known fields are host, port, user, privateKey, privateKeyPassphrase, agent, agentSocket, hostKey, insecureSkipHostKeyCheck",
        );
        expect(message(() => new ConnectAiCodex("box1", { target: { kind: "local", codexHom: "/c" } as never }))).toBe("ConnectAiCodex box1: invalid target: target.codexHom: unknown field; did you mean codexHome?");
        expect(message(() => new CodexCli("cli1", { target: { kind: "exec", preset: "docker", contianer: "dev" } as never }))).toBe(
            "CodexCli cli1: invalid target: target.contianer: unknown field; did you mean container?; target.container: required with a preset",
        );
        // Every field, correctly spelled: no problem.
        const full = { ...ssh, port: 22, privateKeyPassphrase: "p", agent: false, agentSocket: "/s", insecureSkipHostKeyCheck: false, codexHome: "/c", owner: "o", proxy: { host: "b", port: 22, user: "j", privateKey: "k", privateKeyPassphrase: "p", agent: false, agentSocket: "/s", hostKey: "ssh-ed25519 BBBB", insecureSkipHostKeyCheck: false } };
        expect(message(() => validTarget("ConnectAiCodex web4", full))).toBe("no error");
    });

    test("target kind docker or podman: the exec preset of the same name (one identity: either spelling keeps a stack's resources)", () => {
        for (const engine of ["docker", "podman"] as const) {
            const short = validTarget("ConnectAiCodex dev", { kind: engine, container: "devbox", user: "vscode", codexHome: "/c" });
            const long = validTarget("ConnectAiCodex dev", { kind: "exec", preset: engine, container: "devbox", user: "vscode", codexHome: "/c" });
            expect(short).toEqual({ kind: "exec", preset: engine, container: "devbox", user: "vscode", codexHome: "/c", owner: undefined });
            expect(short).toEqual(long);
            expect(identity(short, "connectai")).toBe(identity(long, "connectai"));
        }
        expect(message(() => new ConnectAiCodex("box2", { target: { kind: "docker", user: "vscode" } }))).toBe('ConnectAiCodex box2: invalid target: target.container: required for kind "docker"');
        expect(message(() => new ConnectAiCodex("box3", { target: { kind: "podman", container: "c", prefix: ["x"], preset: "podman" } as never }))).toBe(
            'ConnectAiCodex box3: invalid target: target.prefix: not a field of kind "podman"; target.preset: not a field of kind "podman"',
        );
        expect(message(() => new ConnectAiCodex("box4", { target: { kind: "dockr", container: "c" } as never }))).toBe(
            'ConnectAiCodex box4: invalid target: target.kind: must be "local", "ssh", "docker", "podman" or "exec", got "dockr"',
        );
    });

    test("SSH fails closed: no hostKey, no resource, and the error says how to get the key", () => {
        registered.length = 0;
        const target = { kind: "ssh" as const, host: "10.0.0.5", port: 2222, user: "dev", privateKey: "k" };
        expect(() => new ConnectAiCodex("web1", { target })).toThrow("ssh dev@10.0.0.5:2222: hostKey: required (SSH fails closed without a pinned host key); get it with: ssh-keyscan -t ed25519 -p 2222 10.0.0.5");
        expect(registered.filter((r) => r.type.startsWith("command:"))).toEqual([]);
        expect(() => new ConnectAiCodex("web2", { target: { ...target, hostKey: "ssh-ed25519 AAAA", proxy: { host: "bastion", user: "j" } } })).toThrow("(bastion bastion): hostKey: required");
    });

    test("an SSH target: one local.Command whose feeder connects; the key and the request only in its secret stdin", async () => {
        registered.length = 0;
        const c = new ConnectAiCodex("web3", { target: { kind: "ssh", host: "10.0.0.5", user: "dev", privateKey: "KEY-TEXT-55", hostKey: "ssh-ed25519 AAAA" } });
        await value(c.configPath);
        // (By name: an earlier test's resources may still be registering.)
        const mine = registered.filter((r) => r.type.startsWith("command:") && r.name.startsWith("web3"));
        expect(mine.map((r) => r.type)).toEqual(["command:local:Command"]);
        const cmd = mine[0];
        expect(cmd.inputs.create).toMatch(/^node \S*dist\/runner\/codex-mcp-runner\.js __feed 'ensure # /);
        expect(cmd.inputs.delete).toMatch(/^node \S*dist\/runner\/codex-mcp-runner\.js __feed remove$/);
        expect(cmd.inputs.connection).toBeUndefined();
        const stdin = cmd.inputs.stdin as { [k: string]: unknown; value: string };
        expect(stdin[SECRET_SIG]).toBe(SECRET_VALUE);
        // The label and the claim, left out of the stdin, are the feeder's to work out: the same as the component's.
        expect(stdinOf(cmd)).toEqual({
            target: { kind: "ssh", host: "10.0.0.5", user: "dev", privateKey: "KEY-TEXT-55", hostKey: "ssh-ed25519 AAAA" },
            request: expect.objectContaining({ name: "connectai", label: "ssh dev@10.0.0.5:22", claim: `${identity(validTarget("x", { kind: "ssh", host: "10.0.0.5", user: "dev", privateKey: "k", hostKey: "k" }), "connectai")} (local.Command)`, compact: true }),
        });
        const outsideSecrets = JSON.stringify(registered, (_k, v) => (v && v[SECRET_SIG] === SECRET_VALUE ? "[secret]" : v));
        expect(outsideSecrets).not.toContain("KEY-TEXT-55");
    });
});

describe("CodexMcpServer and CodexCli", () => {
    test("any server, and Codex alone: each one command", async () => {
        registered.length = 0;
        const s = new CodexMcpServer("other", { target: { kind: "local", codexHome: home }, name: "docs", url: "https://docs.example/mcp", bearerTokenEnvVar: "DOCS_TOKEN" });
        const cli = new CodexCli("cli", { target: { kind: "local", codexHome: home }, version: "0.169.0" });
        await Promise.all([value(s.configPath), value(cli.codexVersion)]);
        expect(registered.map((r) => r.type).filter((t) => t.startsWith("command:"))).toHaveLength(2);
        expect(registered.find((r) => r.type === "codex-connect:index:CodexCli")).toBeDefined();
    });

    test("the request names its manager (project/stack/resource) and takes over only when told", async () => {
        registered.length = 0;
        const s = new CodexMcpServer("mine", { target: { kind: "local", codexHome: home }, name: "docs", url: "https://docs.example/mcp", takeOver: true });
        await value(s.configPath);
        const cmd = registered.find((r) => r.type.startsWith("command:"))!;
        expect(cmd.inputs.stdin).toHaveProperty([SECRET_SIG], SECRET_VALUE);
        expect(stdinOf(cmd).request).toMatchObject({ name: "docs", managedBy: "pulumi:codex-connect/test/mine", takeOver: true });
    });

    test("an exec prefix rides in the secret stdin, never in the stored command line; credential flags are masked in the identity", async () => {
        registered.length = 0;
        const prefix = ["sh", "-c", 'CODEX_HOME="$1" exec "$@"', "--token", "s3cr3t-prefix-token"];
        const s = new CodexMcpServer("viaexec", { target: { kind: "exec", prefix, codexHome: home }, name: "docs", url: "https://docs.example/mcp", verify: false });
        await value(s.configPath).catch(() => undefined);
        const cmd = registered.find((r) => r.type.startsWith("command:"))!;
        const outsideSecrets = JSON.stringify(cmd.inputs, (_k, v) => (v && v[SECRET_SIG] === SECRET_VALUE ? "[secret]" : v));
        expect(outsideSecrets).not.toContain("s3cr3t-prefix-token");
        expect(stdinOf(cmd).target).toEqual({ kind: "exec", prefix }); // the witness
    });
});
