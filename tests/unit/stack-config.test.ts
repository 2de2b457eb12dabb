// The fleet program's configuration check: every problem at once, each named by target and field.
import { StackConfig, toTarget, validateStackConfig } from "../../components/stack-config";

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

test("ssh targets become transport targets with the keys filled in, nothing else", () => {
    const t = toTarget({ name: "h", kind: "ssh", host: "h", user: "u", hostKey: "ssh-ed25519 AAAA", proxy: { host: "b", user: "j", privateKeyPath: "/k" } }, { key: "KEY", proxyKey: "PKEY" });
    expect(t).toEqual({ kind: "ssh", host: "h", port: undefined, user: "u", privateKey: "KEY", agent: undefined, hostKey: "ssh-ed25519 AAAA", proxy: { host: "b", port: undefined, user: "j", agent: undefined, hostKey: undefined, privateKey: "PKEY" }, codexHome: undefined, owner: undefined });
    expect(toTarget({ name: "d", kind: "docker", container: "dev", user: "vscode" }, {})).toMatchObject({ kind: "exec", preset: "docker", container: "dev", user: "vscode" });
});
