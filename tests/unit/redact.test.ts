// Credentials never leave in a message, whatever a target printed.
import { redact, redactArgs, secretsOf } from "../../components/shared/redact";

const PAT = "pat-5b1d-secret";
const header = "Basic " + Buffer.from(`ada@example.com:${PAT}`).toString("base64");

describe("redact", () => {
    test("the header, its base64, the decoded pair and the PAT itself are masked", () => {
        const secrets = secretsOf({ Authorization: header });
        const b64 = header.slice(6);
        const text = `npm ERR! ${header} | ${b64} | ada@example.com:${PAT} | token was ${PAT}`;
        const out = redact(text, secrets);
        for (const s of [header, b64, PAT, `ada@example.com:${PAT}`]) expect(out).not.toContain(s);
        expect(out).toContain("npm ERR!");
    });

    test("credential shapes are masked without knowing the value", () => {
        const out = redact(
            [
                "GET https://ada:hunter22@registry.example/x failed",
                "url https://tok3n@mcp.example/mcp",
                "Authorization: Bearer abcdef123456",
                "//registry.example/:_authToken=npm_abcdef",
                '{"password": "p4ssw0rd"}',
            ].join("\n"),
        );
        for (const s of ["hunter22", "tok3n", "abcdef123456", "npm_abcdef", "p4ssw0rd", "ada:"]) expect(out).not.toContain(s);
        expect(out).toContain("registry.example/x failed");
        expect(out).toContain("mcp.example/mcp");
    });

    test("ordinary messages are left as they are", () => {
        const msg = "/home/ada/.codex/config.toml: not valid TOML at line 3, column 7; bearer_token_env_var = DOCS_TOKEN";
        expect(redact(msg)).toBe(msg);
    });

    test("exec prefixes: values of credential flags and URL userinfo are masked, the rest kept", () => {
        expect(redactArgs(["kubectl", "--token", "s3cr3t", "exec", "-i", "pod", "--"])).toEqual(["kubectl", "--token", "***", "exec", "-i", "pod", "--"]);
        expect(redactArgs(["docker", "-H", "ssh://ada:pw@host", "exec", "--password=pw2"])).toEqual([
            "docker",
            "-H",
            "ssh://***@host",
            "exec",
            "--password=***",
        ]);
    });
});

describe("a URL with a credential", () => {
    test("is refused, and the message does not echo the credential", () => {
        const { validateEntry } = require("../../components/core/config-entry");
        const problems: string[] = validateEntry("connectai", { url: "https://ada:hunter22@mcp.example/mcp" });
        expect(problems.join("\n")).toMatch(/url: must not carry a user name or password/);
        const unparsable: string[] = validateEntry("connectai", { url: "https//ada:hunter22@mcp.example" });
        expect(unparsable.join("\n")).toMatch(/is not a URL/);
        expect([...problems, ...unparsable].join("\n")).not.toContain("hunter22");
    });
});
