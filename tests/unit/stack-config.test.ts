// The fleet program's configuration check: every problem at once, each named by target and field.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    checkedPat,
    STACK_KEYS,
    StackConfig,
    stackPatProblem,
    TargetConfig,
    toTarget,
    unknownKeyProblems,
    validateStackConfig,
} from "../../components/stack-config";

const ok: StackConfig = {
    targets: [{ name: "local", kind: "local" }],
    auth: "oauth",
    hasPat: false,
    serverName: "connectai",
    url: "https://mcp.cloud.cdata.com/mcp",
    startupTimeoutSec: 30,
    codexVersion: "0.169.0",
    uninstallCodexOnDestroy: false,
};

test("the embedded default is valid", () => {
    expect(validateStackConfig(ok, false)).toEqual([]);
});

test("every problem is listed, each named by target and field", () => {
    const problems = validateStackConfig(
        {
            ...ok,
            auth: "basic",
            email: "not-an-email",
            url: "http://mcp.example/",
            serverName: "connect ai",
            startupTimeoutSec: 0,
            codexVersion: "newest",
            targets: [
                { name: "a", kind: "ssh", host: "10.0.0.1" },
                { name: "a", kind: "local" },
                { name: "c", kind: "vm" as "local" },
                { name: "d", kind: "docker" },
                { name: "e", kind: "exec" },
                { name: "f", kind: "ssh", host: "h", user: "u", port: 70000, agent: true },
                { name: "g", kind: "ssh", host: "h", user: "u", port: 22, agent: true },
                { name: "h", kind: "local", codexHome: "relative/path" },
            ],
        },
        false,
    );
    const keyscan = (args: string) =>
        `required (SSH fails closed without a pinned host key); get it with: ssh-keyscan -t ed25519 ${args} | cut -d' ' -f2-   (or set insecureSkipHostKeyCheck: true to connect unverified)`;
    // All of them, in order: the stack's own fields first, then each target's, field by field.
    expect(problems).toEqual([
        'email: "not-an-email" is not an email address',
        "pat: required with auth basic (pulumi config set --secret pat)",
        'url: must be an https URL (or http to 127.0.0.1/localhost), got "http://mcp.example/"',
        `serverName: "connect ai" must be letters, digits, '-' or '_'`,
        "startupTimeoutSec: must be a number of seconds in (0, 86400], got 0",
        'codexVersion: must be a version such as 0.169.0, or latest; got "newest"',
        "targets[0] (a).user: required for ssh",
        "targets[0] (a): needs privateKeyPath, agent: true, or the stack secret sshPrivateKey",
        `targets[0] (a).hostKey: ${keyscan("10.0.0.1")}`,
        "targets[1] (a).name: a is also the name of targets[0] (a)",
        'targets[2] (c).kind: must be one of local, ssh, docker, podman, exec, got "vm"',
        "targets[3] (d).container: required for docker",
        'targets[4] (e).prefix: required for exec, a list of strings such as ["kubectl", "exec", "-i", "pod", "--"]',
        "targets[5] (f).port: must be 1-65535",
        `targets[5] (f).hostKey: ${keyscan("-p 70000 h")}`,
        `targets[6] (g).hostKey: ${keyscan("h")}`,
        "targets[7] (h).codexHome: must be an absolute path",
    ]);
    // The local target twice under two names is one machine: a duplicate.
    const dup = validateStackConfig(
        {
            ...ok,
            targets: [
                { name: "x", kind: "local" },
                { name: "y", kind: "local" },
            ],
        },
        false,
    );
    expect(dup).toEqual(["targets[1] (y): the same target as x (local ~/.codex)"]);
});

describe("each rule on its own: exactly its message, and nothing else", () => {
    const web1 = { name: "web1", kind: "ssh", host: "h", user: "u", agent: true, hostKey: "ssh-ed25519 AAAA" } as TargetConfig;
    const keyscan = (host: string) =>
        `required (SSH fails closed without a pinned host key); get it with: ssh-keyscan -t ed25519 ${host} | cut -d' ' -f2-   (or set insecureSkipHostKeyCheck: true to connect unverified)`;
    test.each<[string, Partial<StackConfig>, string[]]>([
        ["an unknown auth", { auth: "token" as StackConfig["auth"] }, ['auth: must be one of oauth, basic, bearer-env, env-headers, got "token"']],
        ["basic without an email", { auth: "basic", hasPat: true }, ["email: required with auth basic"]],
        ["basic without the pat secret", { auth: "basic", email: "ada@example.com" }, ["pat: required with auth basic (pulumi config set --secret pat)"]],
        ["bearer-env without its variable", { auth: "bearer-env" }, ["bearerTokenEnvVar: required with auth bearer-env"]],
        [
            "bearer-env with a variable name that is none",
            { auth: "bearer-env", bearerTokenEnvVar: "MY TOKEN" },
            ['bearerTokenEnvVar: "MY TOKEN" is not an environment variable name'],
        ],
        ["env-headers without headers", { auth: "env-headers" }, ["envHttpHeaders: required with auth env-headers"]],
        [
            "env-headers with a bad header and a bad variable",
            { auth: "env-headers", envHttpHeaders: { "X Key": "1VAR" } },
            ['envHttpHeaders: "X Key" is not a valid header name', 'envHttpHeaders.X Key: "1VAR" is not an environment variable name'],
        ],
        ["a URL that is not http(s)", { url: "ftp://h/x" }, ["url: must be http(s), got ftp:"]],
        [
            "plain http to another host",
            { url: "http://10.0.0.1/mcp" },
            ['url: must be an https URL (or http to 127.0.0.1/localhost), got "http://10.0.0.1/mcp"'],
        ],
        ["an empty server name", { serverName: "" }, [`serverName: "" must be letters, digits, '-' or '_'`]],
        ["a negative tool timeout", { toolTimeoutSec: -1 }, ["toolTimeoutSec: must be a number of seconds in (0, 86400], got -1"]],
        ["a tool timeout over a day", { toolTimeoutSec: 86401 }, ["toolTimeoutSec: must be a number of seconds in (0, 86400], got 86401"]],
        ["a target that is not an object", { targets: [null as unknown as TargetConfig] }, ["targets[0]: must be an object"]],
        ["a target without a name", { targets: [{ kind: "local" } as TargetConfig] }, ["targets[0].name: required, letters, digits, '.', '-' or '_'"]],
        ["a name with a space", { targets: [{ name: "web 1", kind: "local" }] }, ["targets[0] (web 1).name: required, letters, digits, '.', '-' or '_'"]],
        [
            "a name twice, the first of a wrong kind",
            {
                targets: [
                    { name: "a", kind: "vm" as "local" },
                    { name: "a", kind: "local" },
                ],
            },
            ['targets[0] (a).kind: must be one of local, ssh, docker, podman, exec, got "vm"', "targets[1] (a).name: a is also the name of targets[0] (a)"],
        ],
        [
            "ssh with nothing but its kind",
            { targets: [{ name: "s", kind: "ssh" }] },
            [
                "targets[0] (s).host: required for ssh",
                "targets[0] (s).user: required for ssh",
                "targets[0] (s): needs privateKeyPath, agent: true, or the stack secret sshPrivateKey",
            ],
        ],
        [
            "a proxy without a user (and so without its key)",
            { targets: [{ ...web1, proxy: { host: "b" } as TargetConfig["proxy"] }] },
            ["targets[0] (web1).proxy: host and user are required", `targets[0] (web1).proxy.hostKey: ${keyscan("b")}`],
        ],
        ["a proxy without its host key", { targets: [{ ...web1, proxy: { host: "b", user: "j" } }] }, [`targets[0] (web1).proxy.hostKey: ${keyscan("b")}`]],
        [
            "no host key, none in knownHosts either",
            { knownHosts: "/etc/ssh/known", targets: [{ ...web1, hostKey: undefined }] },
            [
                "targets[0] (web1).hostKey: required (SSH fails closed without a pinned host key); none for h in /etc/ssh/known either; add it with: ssh-keyscan -t ed25519 h >> /etc/ssh/known   (or set insecureSkipHostKeyCheck: true to connect unverified)",
            ],
        ],
        ["podman without a container", { targets: [{ name: "p", kind: "podman" }] }, ["targets[0] (p).container: required for podman"]],
        [
            "an exec prefix that is not all strings",
            { targets: [{ name: "e", kind: "exec", prefix: ["a", 1 as unknown as string] }] },
            ['targets[0] (e).prefix: required for exec, a list of strings such as ["kubectl", "exec", "-i", "pod", "--"]'],
        ],
        [
            "an empty exec prefix",
            { targets: [{ name: "e", kind: "exec", prefix: [] }] },
            ['targets[0] (e).prefix: required for exec, a list of strings such as ["kubectl", "exec", "-i", "pod", "--"]'],
        ],
        [
            "one SSH host twice (port 22 spelled out)",
            { targets: [web1, { ...web1, name: "web2", port: 22 }] },
            ["targets[1] (web2): the same target as web1 (u@h:22 ~/.codex)"],
        ],
    ])("%s", (_what, change, expected) => {
        expect(validateStackConfig({ ...ok, ...change }, false)).toEqual(expected);
    });

    test.each<[string, Partial<StackConfig>]>([
        ["plain http to 127.0.0.1", { url: "http://127.0.0.1:8080/mcp" }],
        ["plain http to localhost", { url: "http://localhost/mcp" }],
        ["plain http to [::1]", { url: "http://[::1]:9/mcp" }],
        ["codexVersion latest", { codexVersion: "latest" }],
        ["a pre-release codexVersion", { codexVersion: "0.170.0-alpha.1" }],
        ["no host key, but insecureSkipHostKeyCheck", { targets: [{ ...web1, hostKey: undefined, insecureSkipHostKeyCheck: true }] }],
        ["a proxy with insecureSkipHostKeyCheck", { targets: [{ ...web1, proxy: { host: "b", user: "j", insecureSkipHostKeyCheck: true } }] }],
        [
            "the local target with two homes (two targets)",
            {
                targets: [
                    { name: "x", kind: "local", codexHome: "/a" },
                    { name: "y", kind: "local", codexHome: "/b" },
                ],
            },
        ],
        [
            "docker and podman containers of one name (two engines)",
            {
                targets: [
                    { name: "x", kind: "docker", container: "c" },
                    { name: "y", kind: "podman", container: "c" },
                ],
            },
        ],
    ])("accepted: %s", (_what, change) => {
        expect(validateStackConfig({ ...ok, ...change }, false)).toEqual([]);
    });

    test("an ssh target without a key of its own: accepted when the stack has the secret sshPrivateKey", () => {
        const keyless = { ...ok, targets: [{ ...web1, agent: undefined }] };
        expect(validateStackConfig(keyless, true)).toEqual([]);
        expect(validateStackConfig(keyless, false)).toEqual(["targets[0] (web1): needs privateKeyPath, agent: true, or the stack secret sshPrivateKey"]);
    });
});

describe("misspelled and unknown names are refused, with the closest known one", () => {
    const web1 = { name: "web1", kind: "ssh", host: "h", user: "u", agent: true, hostKey: "ssh-ed25519 AAAA" } as TargetConfig;
    const withFields = (extra: object, proxy?: object) => ({
        ...ok,
        targets: [{ ...web1, ...extra, ...(proxy ? { proxy: { host: "b", user: "j", hostKey: "ssh-ed25519 BBBB", ...proxy } } : {}) } as TargetConfig],
    });

    test("every field of a target and its proxy, correctly spelled: no problem", () => {
        const all = {
            port: 2222,
            privateKeyPath: "/k",
            insecureSkipHostKeyCheck: false,
            codexHome: "/c",
            owner: "o",
            uninstallCodexOnDestroy: true,
            takeOver: true,
        };
        expect(validateStackConfig(withFields(all, { port: 22, privateKeyPath: "/p", agent: false, insecureSkipHostKeyCheck: false }), false)).toEqual([]);
        expect(
            validateStackConfig(
                {
                    ...ok,
                    targets: [
                        { name: "d", kind: "docker", container: "dev", user: "vscode" },
                        { name: "e", kind: "exec", prefix: ["sh", "-c"] },
                    ],
                },
                false,
            ),
        ).toEqual([]);
    });

    test("a target's and its proxy's, all at once, by target and field", () => {
        expect(validateStackConfig(withFields({ prot: 2222, privateKeyPth: "/k" }, { hots: "b2", zzz: 1 }), false)).toEqual([
            "targets[0] (web1).prot: unknown field; did you mean port?",
            "targets[0] (web1).privateKeyPth: unknown field; did you mean privateKeyPath?",
            "targets[0] (web1).proxy.hots: unknown field; did you mean host?",
            "targets[0] (web1).proxy.zzz: unknown field; the known fields are host, port, user, privateKeyPath, agent, hostKey, insecureSkipHostKeyCheck",
        ]);
    });

    test("the closest known name: a slip of case, an adjacent swap; too far from any: the list", () => {
        expect(validateStackConfig(withFields({ HostKey: "x", uesr: "x", colour: "red" }), false)).toEqual([
            "targets[0] (web1).HostKey: unknown field; did you mean hostKey?",
            "targets[0] (web1).uesr: unknown field; did you mean user?",
            "targets[0] (web1).colour: unknown field; the known fields are name, kind, host, port, user, privateKeyPath, agent, hostKey, insecureSkipHostKeyCheck, proxy, container, prefix, codexHome, owner, uninstallCodexOnDestroy, takeOver",
        ]);
    });

    test("listed with the target's other problems, even when its kind is wrong", () => {
        expect(validateStackConfig({ ...ok, targets: [{ name: "c", kind: "vm", contaner: "x" } as unknown as TargetConfig] }, false)).toEqual([
            "targets[0] (c).contaner: unknown field; did you mean container?",
            'targets[0] (c).kind: must be one of local, ssh, docker, podman, exec, got "vm"',
        ]);
    });

    test("stack keys: this project's unknown ones, not the providers'", () => {
        const keys = [
            "codex-connect:auth",
            "codex-connect:autth",
            "codex-connect:targets",
            "codex-connect:sshPrivateKy",
            "codex-connect:colour",
            "aws:region",
            "command:autth",
        ];
        expect(unknownKeyProblems(keys, "codex-connect")).toEqual([
            "autth: unknown key; did you mean auth?",
            "sshPrivateKy: unknown key; did you mean sshPrivateKey?",
            `colour: unknown key; the known keys are ${STACK_KEYS.join(", ")}`,
        ]);
        expect(
            unknownKeyProblems(
                STACK_KEYS.map((k) => `codex-connect:${k}`),
                "codex-connect",
            ),
        ).toEqual([]);
    });

    test("the known keys are Pulumi.yaml's config schema and the four secrets it cannot declare", () => {
        const yaml = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8");
        const schema = [...yaml.slice(yaml.indexOf("\nconfig:\n")).matchAll(/^  (\w+):/gm)].map((m) => m[1]);
        expect(schema.length).toBeGreaterThan(10);
        expect([...STACK_KEYS].sort()).toEqual([...schema, "pat", "sshPrivateKey", "openaiApiKey", "codexAccessToken"].sort());
    });
});

test("ssh targets become transport targets with the keys filled in, nothing else", () => {
    const t = toTarget(
        { name: "h", kind: "ssh", host: "h", user: "u", hostKey: "ssh-ed25519 AAAA", proxy: { host: "b", user: "j", privateKeyPath: "/k" } },
        { key: "KEY", proxyKey: "PKEY" },
    );
    expect(t).toEqual({
        kind: "ssh",
        host: "h",
        port: undefined,
        user: "u",
        privateKey: "KEY",
        agent: undefined,
        hostKey: "ssh-ed25519 AAAA",
        proxy: { host: "b", port: undefined, user: "j", agent: undefined, hostKey: undefined, privateKey: "PKEY" },
        codexHome: undefined,
        owner: undefined,
    });
    // The kinds are the components' own: the stack config's docker target is the library's.
    expect(toTarget({ name: "d", kind: "docker", container: "dev", user: "vscode" }, {})).toEqual({
        kind: "docker",
        container: "dev",
        user: "vscode",
        codexHome: undefined,
        owner: undefined,
    });
});

describe("typed-in values: the rules the CLI and the components share (core/inputs.ts)", () => {
    const basic: StackConfig = { ...ok, auth: "basic", email: "ada@example.com", hasPat: true };

    test("a valid basic configuration, with a port, a path and a query in the URL", () => {
        expect(validateStackConfig({ ...basic, url: "https://mcp.example.com:8443/a/mcp?tenant=1" }, false)).toEqual([]);
    });

    test("an email with ':' (it would split EMAIL:PAT), whitespace or a control character", () => {
        expect(validateStackConfig({ ...basic, email: "a:b@x.example" }, false)).toEqual([
            "email: contains a colon (U+003A) at position 2, which would end the user name of the Basic credential early (EMAIL:PAT)",
        ]);
        expect(validateStackConfig({ ...basic, email: "ada@example.com\n" }, false)).toEqual([
            "email: contains a control character (U+000A, LF, a line feed) at position 16",
        ]);
        expect(validateStackConfig({ ...basic, email: "ada @example.com" }, false)).toEqual(["email: contains whitespace (U+0020, a space) at position 4"]);
        expect(validateStackConfig({ ...basic, email: undefined }, false)).toEqual(["email: required with auth basic"]);
    });

    test("a URL with a quote, a newline and a table; with a control character; with a user name", () => {
        expect(validateStackConfig({ ...ok, url: 'https://h.example/mcp"\n[mcp_servers.evil]' }, false)).toEqual([
            'url: "https://h.example/mcp\\"\\n[mcp_servers.evil]" contains a control character (U+000A, LF, a line feed) at position 23',
        ]);
        expect(validateStackConfig({ ...ok, url: "https://h.example/\0" }, false)).toEqual([
            'url: "https://h.example/\\u0000" contains a control character (U+0000, NUL) at position 19',
        ]);
        expect(validateStackConfig({ ...ok, url: "https://h.example/'x'" }, false)).toEqual([
            `url: "https://h.example/'x'" contains a character a URL must not hold as is (U+0027, a single quote) at position 19; percent-encode it`,
        ]);
        // (Before, the fleet's own https check passed it and the runner refused it on the target.)
        expect(validateStackConfig({ ...ok, url: "https://ada:pw@h.example/" }, false)).toEqual([
            "url: must not carry a user name or password (it is stored and shown in plain text); use an Authorization header or bearer_token_env_var",
        ]);
    });
});

describe("the stack secret pat", () => {
    const PAT = "tok-71c3b2a9e8d4";

    test("a PAT that is one line of printable characters passes", () => {
        expect(stackPatProblem(PAT)).toBeUndefined();
    });

    test.each([
        ["CRLF (printf 'x\\r\\n' | pulumi config set --secret pat)", `${PAT}\r\n`, "CR LF"],
        ["a lone CR (what is left when only the LF goes)", `${PAT}\r`, "CR"],
        ["LF", `${PAT}\n`, "LF"],
    ])("a final line end, %s: refused, never trimmed, and the message says how to set it again", (_what, pat, shown) => {
        const message = stackPatProblem(pat)!;
        expect(message).toBe(
            `pat: the stack secret ends with a line end (${shown}), kept from the file or terminal it was piped from; nothing was trimmed. Set it again without it: tr -d '\\r\\n' < FILE | pulumi config set --secret pat`,
        );
        expect(message).not.toContain("71c3");
    });

    test.each([
        [
            "a second line",
            `${PAT}\nsecond`,
            /^pat: the stack secret contains a control character \(U\+000A, LF, a line feed\) at position 17; .*pulumi config set --secret pat/,
        ],
        ["a CR inside", `tok\r${PAT}`, /^pat: the stack secret contains a control character \(U\+000D, CR, a carriage return\) at position 4;/],
        ["a NUL", `${PAT}\0`, /U\+0000, NUL\) at position 17/],
        ["a NUL before the line end", `${PAT}\0\n`, /U\+0000, NUL\) at position 17/],
    ])("%s: refused by position", (_what, pat, message) => {
        expect(stackPatProblem(pat)).toMatch(message);
        expect(stackPatProblem(pat)).not.toContain("71c3");
        expect(stackPatProblem(pat)).not.toContain("second");
    });

    // Output's own promise (internal, as isSecret): the only way to see an apply's error without the engine.
    const promise = (o: pulumi.Output<string>) => (o as unknown as { promise(): Promise<string> }).promise();
    test("checkedPat: the same secret when valid; a RunError naming the field, without the value, when not", async () => {
        const good = checkedPat(pulumi.secret(PAT))!;
        expect(await (good as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
        expect(await promise(good)).toBe(PAT);
        const bad = checkedPat(pulumi.secret(`${PAT}\r\n`))!;
        // Its other promises reject too: the engine's language host reports such an error once and
        // fails the run; here they are only caught.
        const internals = bad as unknown as { isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources(): Promise<unknown> };
        for (const p of [internals.isKnown, internals.isSecret, internals.allResources()]) p.catch(() => undefined);
        const error = await promise(bad).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect(error!.message).toMatch(
            /^the stack configuration has a problem; nothing was changed on the targets:\n  - pat: the stack secret ends with a line end \(CR LF\)/,
        );
        expect(error!.message).not.toContain("71c3");
        expect(checkedPat(undefined)).toBeUndefined();
    });
});
