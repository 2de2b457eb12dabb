// The components' resource graph, secret markings and validation, with Pulumi's mocks. The
// read-only probe is a stand-in here (the real one starts the built runner on the target, which
// tests/e2e/components.test.ts does through the real engine): it records each request and answers
// as the runner answers for a CODEX_HOME with nothing in it, or fails as a broken transport does.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import type { Target } from "../../components/protocol/target";

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
            const state = args.type.startsWith("command:")
                ? { ...args.inputs, stdout: JSON.stringify({ ok: true, configPath: "/x/config.toml", repaired: [] }), stderr: "" }
                : args.inputs;
            return { id: `${args.name}-id`, state };
        },
        call: () => ({}),
    },
    "codex-connect",
    "test",
    true, // preview
);

/** Every probe request, with its target; and how the stand-in answers one (default: nothing there). */
const mockProbes: Array<{ target: Target; req: RunnerRequest }> = [];
let mockAnswer: (target: Target, req: RunnerRequest) => RunnerResult = (target) => nothingThere(target.codexHome!);
jest.mock("../../components/call-runner", () => ({
    callRunner: async (target: Target, req: RunnerRequest) => {
        mockProbes.push({ target, req });
        return mockAnswer(target, req);
    },
}));
// The command line names the built runner; its file is not needed to build the graph.
jest.mock("../../components/protocol/launcher", () => ({
    ...jest.requireActual("../../components/protocol/launcher"),
    distFile: (sub: string, file: string) => require("path").join(__dirname, "..", "..", "dist", sub, file),
}));

import { CodexCli, CodexMcpServer, ConnectAiCodex } from "../../components";
import { validTarget } from "../../components/target-args";
import { identity } from "../../components/target-command";
import { open, unseal } from "../../components/protocol/envelope";
import type { RunnerRequest, RunnerResult } from "../../components/protocol/types";

/** The runner's answer to a probe of a CODEX_HOME with nothing in it and no Codex (as it prints it). */
function nothingThere(codexHome: string): RunnerResult {
    return {
        ok: true,
        op: "probe",
        node: { version: "20.20.2", path: "/usr/bin/node" },
        user: "root",
        codexHome,
        configPath: path.join(codexHome, "config.toml"),
        file: { exists: false, symlink: false },
        entry: { present: false, forms: [], fields: {}, drift: ["entry"] },
        drift: ["file-missing", "codex-missing"],
        changed: false,
        codex: { installedByUs: false },
        ready: { ready: false, reasons: ["Codex is not installed"] },
    } as unknown as RunnerResult;
}

/** The command lines that run the built runner, as the engine runs them from this directory. */
const runner = path.relative(process.cwd(), path.join(__dirname, "..", "..", "dist", "runner", "codex-mcp-runner.js"));
const ensureLine = (label: string) => `node ${runner} __feed 'ensure # ${label}'`;
const removeLine = `node ${runner} __feed remove`;

const PAT = "PAT-mock-test-91c2";
const b64 = Buffer.from(`ada@example.com:${PAT}`).toString("base64");
/** CODEX_HOME of the local targets (the probe is a stand-in: nothing is read or written there). */
const home = "/srv/test-codex-home";
/** The label of a first install on such a home (the probe found: file-missing, codex-missing). */
const TO_INSTALL = "to install: file-missing, codex-missing (7f08e1a7a11f)";

// How the engine marks a secret value on the wire.
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const isSecret = (o: pulumi.Output<unknown>) => (o as unknown as { isSecret: Promise<boolean> }).isSecret;
/** A secret input as the mocks receive it: the marker, and the value inside (a sealed stdin: what it holds, nothing filled in). */
const secretJson = (input: unknown) => {
    const s = input as { [SECRET_SIG]: string; value: string };
    expect(s[SECRET_SIG]).toBe(SECRET_VALUE);
    return unseal(s.value);
};
/** The same stdin as the feeder opens it: the label and claim worked out where the stdin leaves them out. */
const opened = (input: unknown) => open((input as { value: string }).value);
const commands = () => registered.filter((r) => r.type.startsWith("command:"));

/** The message a constructor throws, or "no error". */
function message(f: () => unknown): string {
    try {
        f();
    } catch (e) {
        return (e as Error).message;
    }
    return "no error";
}

/** What the components warned about while `f` ran (pulumi.log.warn, which the engine would show). */
async function warnings(f: () => Promise<unknown>): Promise<string[]> {
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(async () => undefined);
    try {
        await f();
        return warn.mock.calls.map((c) => c[0]);
    } finally {
        warn.mockRestore();
    }
}

beforeEach(() => {
    registered.length = 0;
    mockProbes.length = 0;
    mockAnswer = (target) => nothingThere(target.codexHome ?? "/home/dev/.codex");
});

describe("ConnectAiCodex", () => {
    test("basic auth: one local.Command under the component (no nested CodexMcpServer); header only inside its secret stdin", async () => {
        const c = new ConnectAiCodex("dev1", { target: { kind: "local", codexHome: home }, auth: "basic", email: "ada@example.com", pat: pulumi.secret(PAT) });
        expect(await value(c.configPath)).toBe("/x/config.toml");
        expect(registered.map((r) => `${r.type}::${r.name}`)).toEqual(["codex-connect-pulumi:index:ConnectAiCodex::dev1", "command:local:Command::dev1"]);
        // Components are registered with no arguments: nothing of the PAT reaches their state.
        expect(registered[0].inputs).toEqual({});
        // The command: the request (header included) only in its secret stdin, the drift token in its
        // command line; five inputs (each kept twice, inputs and outputs), no default spelled out.
        const cmd = commands()[0];
        expect({ ...cmd.inputs, stdin: "[secret]" }).toEqual({
            stdin: "[secret]",
            logging: "none",
            triggers: [`local ${home} [mcp_servers.connectai]`],
            create: ensureLine(TO_INSTALL),
            delete: removeLine,
        });
        // Sealed without what the feeder works out again: the operation, the token, a label and claim
        // the target's fields give, uninstall: false.
        expect(secretJson(cmd.inputs.stdin)).toEqual({
            name: "connectai",
            entry: { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30, http_headers: { Authorization: `Basic ${b64}` } },
            codex: { version: "0.169.0" },
            managedBy: "pulumi:codex-connect/test/dev1",
            codexHome: home,
        });
        expect(opened(cmd.inputs.stdin).request).toMatchObject({ claim: `local ${home} [mcp_servers.connectai]`, label: `local ${home}`, compact: true });
        const outsideSecrets = JSON.stringify(registered, (_k, v) => (v && v[SECRET_SIG] === SECRET_VALUE ? "[secret]" : v));
        expect(outsideSecrets).not.toContain(PAT);
        expect(outsideSecrets).not.toContain(b64);
        // The probe got the header keyed (an HMAC under this run's key), never its value.
        expect(mockProbes.map((p) => p.req.entry?.http_headers)).toEqual([{ Authorization: expect.stringMatching(/^keyed:[0-9a-f]{64}$/) }]);
        expect(JSON.stringify(mockProbes)).not.toContain(PAT);
        expect(JSON.stringify(mockProbes)).not.toContain(b64);
        expect(await isSecret(c.configPath)).toBe(false);
        expect(await value(c.loginCommand)).toBeUndefined();
    });

    test("oauth (the default): no header, and the login command as an output", async () => {
        const c = new ConnectAiCodex("dev2", { target: { kind: "local", codexHome: home } });
        expect(await value(c.loginCommand)).toBe("codex mcp login connectai");
        expect(await value(c.drift)).toEqual([]); // nothing was there: to install, not drift
        expect(await value(c.configPath)).toBe("/x/config.toml");
        expect(secretJson(commands()[0].inputs.stdin).entry).toEqual({ url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30 });
    });

    test("missing credentials are errors that name the component and field", () => {
        expect(message(() => new ConnectAiCodex("dev3", { target: { kind: "local" }, auth: "basic", email: "ada@example.com" }))).toBe(
            'ConnectAiCodex dev3: auth "basic" needs email and pat',
        );
        expect(message(() => new ConnectAiCodex("dev4", { target: { kind: "local" }, auth: "bearer-env" }))).toBe(
            'ConnectAiCodex dev4: auth "bearer-env" needs bearerTokenEnvVar',
        );
    });

    test("typed-in values are refused by the shared rules (core/inputs.ts), naming the component and field, never the PAT", () => {
        const local = { kind: "local" as const, codexHome: home };
        const basic = { target: local, auth: "basic" as const, email: "ada@example.com" };
        const patRule = "a PAT is one line of printable characters";
        expect([`${PAT}\nsecond-line`, `${PAT}\r\n`, `${PAT}\0`].map((pat) => message(() => new ConnectAiCodex("dev5", { ...basic, pat })))).toEqual([
            `ConnectAiCodex dev5: pat: contains a control character (U+000A, LF, a line feed) at position 19; ${patRule}`,
            `ConnectAiCodex dev5: pat: contains a control character (U+000D, CR, a carriage return) at position 19; ${patRule}`,
            `ConnectAiCodex dev5: pat: contains a control character (U+0000, NUL) at position 19; ${patRule}`,
        ]);
        expect(message(() => new ConnectAiCodex("dev6", { ...basic, email: "a:b@x.example", pat: PAT }))).toBe(
            "ConnectAiCodex dev6: email: contains a colon (U+003A) at position 2, which would end the user name of the Basic credential early (EMAIL:PAT)",
        );
        expect(message(() => new ConnectAiCodex("dev7", { target: local, url: 'https://h.example/"\n[mcp_servers.evil]' }))).toBe(
            'ConnectAiCodex dev7: url: "https://h.example/\\"\\n[mcp_servers.evil]" contains a control character (U+000A, LF, a line feed) at position 20',
        );
        expect(message(() => new CodexMcpServer("bad1", { target: local, name: "docs", url: "https://h.example/<x>" }))).toBe(
            'CodexMcpServer bad1: url: "https://h.example/<x>" contains a character a URL must not hold as is (U+003C, an angle bracket) at position 19; percent-encode it',
        );
        expect(registered.filter((r) => r.type.startsWith("command:"))).toEqual([]);
    });

    test("target: unknown fields refused with the closest known name; another kind's fields keep their message; all at once", () => {
        const ssh = { kind: "ssh" as const, host: "10.0.0.5", user: "dev", privateKey: "k", hostKey: "ssh-ed25519 AAAA" };
        const typos = {
            prot: 2222,
            privateKeyPth: "/k",
            container: "c",
            proxy: { host: "b", user: "j", hostKey: "ssh-ed25519 BBBB", usr: "x", codexHome: "/c", zzz: 1 },
        };
        expect(message(() => new ConnectAiCodex("web1", { target: { ...ssh, ...typos } as never }))).toBe(
            'ConnectAiCodex web1: invalid target: target.prot: unknown field; did you mean port?; target.privateKeyPth: unknown field; did you mean privateKey?; target.container: not a field of kind "ssh"; ' +
                "target.proxy.usr: unknown field; did you mean user?; target.proxy.codexHome: not a field of an SSH hop; " +
                "target.proxy.zzz: unknown field; the known fields are host, port, user, privateKey, privateKeyPassphrase, agent, agentSocket, hostKey, insecureSkipHostKeyCheck",
        );
        expect(message(() => new ConnectAiCodex("box1", { target: { kind: "local", codexHom: "/c" } as never }))).toBe(
            "ConnectAiCodex box1: invalid target: target.codexHom: unknown field; did you mean codexHome?",
        );
        expect(message(() => new CodexCli("cli1", { target: { kind: "exec", preset: "docker", contianer: "dev" } as never }))).toBe(
            "CodexCli cli1: invalid target: target.contianer: unknown field; did you mean container?; target.container: required with a preset",
        );
        // Every field, correctly spelled: no problem.
        const full = {
            ...ssh,
            port: 22,
            privateKeyPassphrase: "p",
            agent: false,
            agentSocket: "/s",
            insecureSkipHostKeyCheck: false,
            codexHome: "/c",
            owner: "o",
            proxy: {
                host: "b",
                port: 22,
                user: "j",
                privateKey: "k",
                privateKeyPassphrase: "p",
                agent: false,
                agentSocket: "/s",
                hostKey: "ssh-ed25519 BBBB",
                insecureSkipHostKeyCheck: false,
            },
        };
        expect(message(() => validTarget("ConnectAiCodex web4", full))).toBe("no error");
    });

    test("target kind docker or podman: the exec preset of the same name (one identity: either spelling keeps a stack's resources)", () => {
        for (const engine of ["docker", "podman"] as const) {
            const short = validTarget("ConnectAiCodex dev", { kind: engine, container: "devbox", user: "vscode", codexHome: "/c" });
            const long = validTarget("ConnectAiCodex dev", { kind: "exec", preset: engine, container: "devbox", user: "vscode", codexHome: "/c" });
            expect(short).toEqual({ kind: "exec", preset: engine, container: "devbox", user: "vscode", codexHome: "/c", owner: undefined });
            expect(short).toEqual(long);
            expect(identity(short, "connectai")).toBe(`exec ${engine} exec -i -u vscode devbox /c [mcp_servers.connectai]`);
            expect(identity(long, "connectai")).toBe(identity(short, "connectai"));
        }
        expect(message(() => new ConnectAiCodex("box2", { target: { kind: "docker", user: "vscode" } }))).toBe(
            'ConnectAiCodex box2: invalid target: target.container: required for kind "docker"',
        );
        expect(message(() => new ConnectAiCodex("box3", { target: { kind: "podman", container: "c", prefix: ["x"], preset: "podman" } as never }))).toBe(
            'ConnectAiCodex box3: invalid target: target.prefix: not a field of kind "podman"; target.preset: not a field of kind "podman"',
        );
        expect(message(() => new ConnectAiCodex("box4", { target: { kind: "dockr", container: "c" } as never }))).toBe(
            'ConnectAiCodex box4: invalid target: target.kind: must be "local", "ssh", "docker", "podman" or "exec", got "dockr"',
        );
    });

    test("SSH fails closed: no hostKey, no resource, and the error says how to get the key", () => {
        const target = { kind: "ssh" as const, host: "10.0.0.5", port: 2222, user: "dev", privateKey: "k" };
        const unverified = "(or set insecureSkipHostKeyCheck: true to connect unverified)";
        expect(message(() => new ConnectAiCodex("web1", { target }))).toBe(
            `ssh dev@10.0.0.5:2222: hostKey: required (SSH fails closed without a pinned host key); get it with: ssh-keyscan -t ed25519 -p 2222 10.0.0.5 | cut -d' ' -f2-   ${unverified}`,
        );
        expect(message(() => new ConnectAiCodex("web2", { target: { ...target, hostKey: "ssh-ed25519 AAAA", proxy: { host: "bastion", user: "j" } } }))).toBe(
            `ssh dev@10.0.0.5:2222 via bastion (bastion bastion): hostKey: required (SSH fails closed without a pinned host key); get it with: ssh-keyscan -t ed25519 bastion | cut -d' ' -f2-   ${unverified}`,
        );
        expect(commands()).toEqual([]);
        expect(mockProbes).toEqual([]);
    });

    test("an SSH target: one local.Command whose feeder connects; the key and the request only in its secret stdin", async () => {
        const c = new ConnectAiCodex("web3", {
            target: { kind: "ssh", host: "10.0.0.5", user: "dev", privateKey: "KEY-TEXT-55", hostKey: "ssh-ed25519 AAAA" },
        });
        expect(await value(c.configPath)).toBe("/x/config.toml");
        expect(commands().map((r) => `${r.type}::${r.name}`)).toEqual(["command:local:Command::web3"]);
        const cmd = commands()[0];
        expect(cmd.inputs.create).toBe(ensureLine(TO_INSTALL));
        expect(cmd.inputs.delete).toBe(removeLine);
        expect(cmd.inputs.connection).toBeUndefined();
        expect(secretJson(cmd.inputs.stdin)).toEqual({
            name: "connectai",
            entry: { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30 },
            codex: { version: "0.169.0" },
            managedBy: "pulumi:codex-connect/test/web3",
            ssh: { host: "10.0.0.5", user: "dev", privateKey: "KEY-TEXT-55", hostKey: "ssh-ed25519 AAAA" },
        });
        expect(opened(cmd.inputs.stdin)).toEqual({
            request: expect.objectContaining({ claim: "ssh dev@10.0.0.5:22 ~/.codex [mcp_servers.connectai] (local.Command)", label: "ssh dev@10.0.0.5:22" }),
            target: { kind: "ssh", host: "10.0.0.5", user: "dev", privateKey: "KEY-TEXT-55", hostKey: "ssh-ed25519 AAAA" },
        });
        // The probe goes over the program's own transport, to the same host with the same pinned key.
        expect(mockProbes.map((p) => p.target)).toEqual([
            { kind: "ssh", host: "10.0.0.5", user: "dev", hostKey: "ssh-ed25519 AAAA", privateKey: "KEY-TEXT-55" },
        ]);
        const outsideSecrets = JSON.stringify(registered, (_k, v) => (v && v[SECRET_SIG] === SECRET_VALUE ? "[secret]" : v));
        expect(outsideSecrets).not.toContain("KEY-TEXT-55");
    });
});

describe("CodexMcpServer and CodexCli", () => {
    test("any server, and Codex alone: each one command", async () => {
        const s = new CodexMcpServer("other", {
            target: { kind: "local", codexHome: home },
            name: "docs",
            url: "https://docs.example/mcp",
            bearerTokenEnvVar: "DOCS_TOKEN",
        });
        const cli = new CodexCli("cli", { target: { kind: "local", codexHome: home }, version: "0.169.0" });
        // The mocked command printed a configPath and no Codex.
        expect(await Promise.all([value(s.configPath), value(cli.codexVersion)])).toEqual(["/x/config.toml", undefined]);
        expect(registered.map((r) => `${r.type}::${r.name}`).sort()).toEqual([
            "codex-connect-pulumi:index:CodexCli::cli",
            "codex-connect-pulumi:index:CodexMcpServer::other",
            "command:local:Command::cli-codex",
            "command:local:Command::other",
        ]);
        const [cliReq, serverReq] = [commands().find((r) => r.name === "cli-codex")!, commands().find((r) => r.name === "other")!].map((r) =>
            secretJson(r.inputs.stdin),
        );
        expect(serverReq.entry).toEqual({ url: "https://docs.example/mcp", bearer_token_env_var: "DOCS_TOKEN" });
        expect(serverReq).not.toHaveProperty("codex");
        expect({ name: cliReq.name, entry: cliReq.entry, codex: cliReq.codex }).toEqual({ name: undefined, entry: undefined, codex: { version: "0.169.0" } });
    });

    test("the request names its manager (project/stack/resource) and takes over only when told", async () => {
        const s = new CodexMcpServer("mine", { target: { kind: "local", codexHome: home }, name: "docs", url: "https://docs.example/mcp", takeOver: true });
        const t = new CodexMcpServer("theirs", { target: { kind: "local", codexHome: `${home}2` }, name: "docs", url: "https://docs.example/mcp" });
        await Promise.all([value(s.configPath), value(t.configPath)]);
        const req = (name: string) => secretJson(commands().find((r) => r.name === name)!.inputs.stdin);
        const said = (r: Partial<RunnerRequest>) => ({ name: r.name, managedBy: r.managedBy, takeOver: r.takeOver });
        expect(said(req("mine"))).toEqual({ name: "docs", managedBy: "pulumi:codex-connect/test/mine", takeOver: true });
        expect(said(req("theirs"))).toEqual({ name: "docs", managedBy: "pulumi:codex-connect/test/theirs", takeOver: undefined });
    });

    test("an exec prefix rides in the secret stdin, never in the stored command line; credential flags are masked in the identity", async () => {
        const prefix = ["sh", "-c", 'CODEX_HOME="$1" exec "$@"', "--token", "s3cr3t-prefix-token"];
        // The probe fails as this prefix does on a real machine, echoing its token.
        mockAnswer = () => {
            throw new Error("exec failed: sh: 1: exec: s3cr3t-prefix-token: not found");
        };
        const s = new CodexMcpServer("viaexec", {
            target: { kind: "exec", prefix, codexHome: home },
            name: "docs",
            url: "https://docs.example/mcp",
            verify: false,
        });
        const warned = await warnings(async () => {
            expect(await value(s.configPath)).toBe("/x/config.toml");
            expect(await value(s.drift)).toEqual(["unreachable"]);
        });
        expect(warned).toEqual([`exec sh -c CODEX_HOME="$1" exec "$@" --token ***: could not be probed: exec failed: sh: 1: exec: ***: not found`]);
        const cmd = commands()[0];
        const outsideSecrets = JSON.stringify(cmd.inputs, (_k, v) => (v && v[SECRET_SIG] === SECRET_VALUE ? "[secret]" : v));
        expect(outsideSecrets).not.toContain("s3cr3t-prefix-token");
        expect(cmd.inputs.triggers).toEqual([`exec sh -c CODEX_HOME="$1" exec "$@" --token *** ${home} [mcp_servers.docs]`]);
        expect(secretJson(cmd.inputs.stdin).via).toEqual(prefix); // the witness: it is there, inside
    });
});
