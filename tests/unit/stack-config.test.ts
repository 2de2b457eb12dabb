// The fleet program's configuration check: every problem at once, each named by target and field.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { checkedPat, STACK_KEYS, StackConfig, stackPatProblem, TargetConfig, toTarget, unknownKeyProblems, validateStackConfig } from "../../components/stack-config";

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
    const expected = [
        /^email: "not-an-email" is not an email address/,
        /^pat: required with auth basic/,
        /^url: must be an https URL/,
        /^serverName: /,
        /^startupTimeoutSec: /,
        /^codexVersion: /,
        /^targets\[0\] \(a\)\.user: required for ssh/,
        /^targets\[0\] \(a\): needs privateKeyPath, agent: true, or the stack secret sshPrivateKey/,
        /^targets\[1\] \(a\)\.name: a is also the name of/,
        /^targets\[2\] \(c\)\.kind: must be one of/,
        /^targets\[3\] \(d\)\.container: required for docker/,
        /^targets\[4\] \(e\)\.prefix: required for exec/,
        /^targets\[5\] \(f\)\.port: must be 1-65535/,
        /^targets\[7\] \(h\)\.codexHome: must be an absolute path/,
    ];
    for (const e of expected) expect(problems.some((p) => e.test(p))).toBe(true);
    // The local target twice under two names is one machine: a duplicate.
    const dup = validateStackConfig({ ...ok, targets: [{ name: "x", kind: "local" }, { name: "y", kind: "local" }] }, false);
    expect(dup).toEqual([expect.stringMatching(/^targets\[1\] \(y\): the same target as x/)]);
});

describe("misspelled and unknown names are refused, with the closest known one", () => {
    const web1 = { name: "web1", kind: "ssh", host: "h", user: "u", agent: true, hostKey: "ssh-ed25519 AAAA" } as TargetConfig;
    const withFields = (extra: object, proxy?: object) => ({ ...ok, targets: [{ ...web1, ...extra, ...(proxy ? { proxy: { host: "b", user: "j", hostKey: "ssh-ed25519 BBBB", ...proxy } } : {}) } as TargetConfig] });

    test("every field of a target and its proxy, correctly spelled: no problem", () => {
        const all = { port: 2222, privateKeyPath: "/k", insecureSkipHostKeyCheck: false, codexHome: "/c", owner: "o", uninstallCodexOnDestroy: true, takeOver: true };
        expect(validateStackConfig(withFields(all, { port: 22, privateKeyPath: "/p", agent: false, insecureSkipHostKeyCheck: false }), false)).toEqual([]);
        expect(validateStackConfig({ ...ok, targets: [{ name: "d", kind: "docker", container: "dev", user: "vscode" }, { name: "e", kind: "exec", prefix: ["sh", "-c"] }] }, false)).toEqual([]);
    });

    test("a target's and its proxy's, all at once, by target and field", () => {
        expect(validateStackConfig(withFields({ prot: 2222, privateKeyPth: "/k" }, { hots: "b2", zzz: 1 }), false)).toEqual([
            "targets[0] (web1).prot: unknown field; did you mean port?",
            "targets[0] (web1).privateKeyPth: unknown field; did you mean privateKeyPath?",
            "targets[0] (web1).proxy.hots: unknown field; did you mean host?",
            "targets[0] (web1).proxy.zzz: unknown field; the known fields are host, port, user, privateKeyPath, agent, hostKey, insecureSkipHostKeyCheck",
        ]);
    });

    test("listed with the target's other problems, even when its kind is wrong", () => {
        expect(validateStackConfig({ ...ok, targets: [{ name: "c", kind: "vm", contaner: "x" } as unknown as TargetConfig] }, false)).toEqual([
            "targets[0] (c).contaner: unknown field; did you mean container?",
            'targets[0] (c).kind: must be one of local, ssh, docker, podman, exec, got "vm"',
        ]);
    });

    test("stack keys: this project's unknown ones, not the providers'", () => {
        const keys = ["codex-connect:auth", "codex-connect:autth", "codex-connect:targets", "codex-connect:sshPrivateKy", "codex-connect:colour", "aws:region", "command:autth"];
        expect(unknownKeyProblems(keys, "codex-connect")).toEqual([
            "autth: unknown key; did you mean auth?",
            "sshPrivateKy: unknown key; did you mean sshPrivateKey?",
            `colour: unknown key; the known keys are ${STACK_KEYS.join(", ")}`,
        ]);
        expect(unknownKeyProblems(STACK_KEYS.map((k) => `codex-connect:${k}`), "codex-connect")).toEqual([]);
    });

    test("the known keys are Pulumi.yaml's config schema and the four secrets it cannot declare", () => {
        const yaml = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8");
        const schema = [...yaml.slice(yaml.indexOf("\nconfig:\n")).matchAll(/^  (\w+):/gm)].map((m) => m[1]);
        expect(schema.length).toBeGreaterThan(10);
        expect([...STACK_KEYS].sort()).toEqual([...schema, "pat", "sshPrivateKey", "openaiApiKey", "codexAccessToken"].sort());
    });
});

test("ssh targets become transport targets with the keys filled in, nothing else", () => {
    const t = toTarget({ name: "h", kind: "ssh", host: "h", user: "u", hostKey: "ssh-ed25519 AAAA", proxy: { host: "b", user: "j", privateKeyPath: "/k" } }, { key: "KEY", proxyKey: "PKEY" });
    expect(t).toEqual({ kind: "ssh", host: "h", port: undefined, user: "u", privateKey: "KEY", agent: undefined, hostKey: "ssh-ed25519 AAAA", proxy: { host: "b", port: undefined, user: "j", agent: undefined, hostKey: undefined, privateKey: "PKEY" }, codexHome: undefined, owner: undefined });
    // The kinds are the components' own: the stack config's docker target is the library's.
    expect(toTarget({ name: "d", kind: "docker", container: "dev", user: "vscode" }, {})).toEqual({ kind: "docker", container: "dev", user: "vscode", codexHome: undefined, owner: undefined });
});

describe("typed-in values: the rules the CLI and the components share (inputs.ts)", () => {
    const basic: StackConfig = { ...ok, auth: "basic", email: "ada@example.com", hasPat: true };

    test("a valid basic configuration, with a port, a path and a query in the URL", () => {
        expect(validateStackConfig({ ...basic, url: "https://mcp.example.com:8443/a/mcp?tenant=1" }, false)).toEqual([]);
    });

    test("an email with ':' (it would split EMAIL:PAT), whitespace or a control character", () => {
        expect(validateStackConfig({ ...basic, email: "a:b@x.example" }, false)).toEqual([expect.stringMatching(/^email: contains a colon \(U\+003A\) at position 2/)]);
        expect(validateStackConfig({ ...basic, email: "ada@example.com\n" }, false)).toEqual([expect.stringMatching(/^email: contains a control character/)]);
        expect(validateStackConfig({ ...basic, email: "ada @example.com" }, false)).toEqual([expect.stringMatching(/^email: contains whitespace/)]);
        expect(validateStackConfig({ ...basic, email: undefined }, false)).toEqual(["email: required with auth basic"]);
    });

    test("a URL with a quote, a newline and a table; with a control character; with a user name", () => {
        expect(validateStackConfig({ ...ok, url: 'https://h.example/mcp"\n[mcp_servers.evil]' }, false)).toEqual([expect.stringMatching(/^url: .* contains a control character \(U\+000A, LF, a line feed\) at position 23$/)]);
        expect(validateStackConfig({ ...ok, url: "https://h.example/\0" }, false)).toEqual([expect.stringMatching(/^url: .*U\+0000, NUL/)]);
        expect(validateStackConfig({ ...ok, url: "https://h.example/'x'" }, false)).toEqual([expect.stringMatching(/^url: .*single quote/)]);
        // (Before, the fleet's own https check passed it and the runner refused it on the target.)
        expect(validateStackConfig({ ...ok, url: "https://ada:pw@h.example/" }, false)).toEqual([expect.stringMatching(/^url: must not carry a user name or password/)]);
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
        expect(message).toBe(`pat: the stack secret ends with a line end (${shown}), kept from the file or terminal it was piped from; nothing was trimmed. Set it again without it: tr -d '\\r\\n' < FILE | pulumi config set --secret pat`);
        expect(message).not.toContain("71c3");
    });

    test.each([
        ["a second line", `${PAT}\nsecond`, /^pat: the stack secret contains a control character \(U\+000A, LF, a line feed\) at position 17; .*pulumi config set --secret pat/],
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
        expect(error!.message).toMatch(/^the stack configuration has a problem; nothing was changed on the targets:\n  - pat: the stack secret ends with a line end \(CR LF\)/);
        expect(error!.message).not.toContain("71c3");
        expect(checkedPat(undefined)).toBeUndefined();
    });
});
