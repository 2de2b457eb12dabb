// parseArgs (components/bundle/cli.ts): codex-mcp's command line as the runner request it becomes, and
// each usage error with its exact message (cli() prints it and exits 2, tests/unit/cli-inputs.test.ts).
import { parseArgs, UsageError } from "../../components/bundle/cli";
import { DEFAULT_CODEX_VERSION } from "../../components/shared/versions";

const PAT = "tok-77aa55bb";
const CONNECT = { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30 };

/** The parsed request (and --json), with this stdin and environment. */
const parsed = (argv: string[], stdin = "", env: NodeJS.ProcessEnv = {}) => parseArgs(argv, env, () => stdin);
const request = (argv: string[], stdin = "", env: NodeJS.ProcessEnv = {}) => parsed(argv, stdin, env).req;

/** The usage error's message, or "accepted"; any other error is thrown on. */
function usageError(argv: string[], stdin = "", env: NodeJS.ProcessEnv = {}): string {
    try {
        parsed(argv, stdin, env);
        return "accepted";
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        return e.message;
    }
}

describe("what each command asks the runner", () => {
    test("ensure: CData Connect AI's entry by default, managed by codex-mcp, OAuth (no header)", () => {
        expect(parsed(["ensure"])).toEqual({ req: { op: "ensure", name: "connectai", entry: CONNECT, managedBy: "codex-mcp" }, json: false });
    });

    test("ensure with every entry option", () => {
        const argv = [
            "ensure",
            "--name",
            "docs",
            "--url",
            "https://docs.example/mcp",
            "--startup-timeout",
            "20",
            "--tool-timeout",
            "90",
            "--disabled",
            "--bearer-token-env",
            "DOCS_TOKEN",
            "--env-header",
            "X-Team=TEAM_VAR",
            "--env-header",
            "X-Key=KEY_VAR",
        ];
        expect(request(argv)).toEqual({
            op: "ensure",
            name: "docs",
            entry: {
                url: "https://docs.example/mcp",
                startup_timeout_sec: 20,
                tool_timeout_sec: 90,
                enabled: false,
                bearer_token_env_var: "DOCS_TOKEN",
                env_http_headers: { "X-Team": "TEAM_VAR", "X-Key": "KEY_VAR" },
            },
            managedBy: "codex-mcp",
        });
    });

    test("ensure with Basic auth: the header from the email and the PAT (stdin without its newline, or a variable)", () => {
        const header = { Authorization: `Basic ${Buffer.from(`ada@example.com:${PAT}`).toString("base64")}` };
        expect(request(["ensure", "--basic-email", "ada@example.com", "--pat-stdin"], `${PAT}\n`).entry).toEqual({ ...CONNECT, http_headers: header });
        expect(request(["ensure", "--basic-email", "ada@example.com", "--pat-env", "MY_PAT"], "", { MY_PAT: PAT }).entry).toEqual({
            ...CONNECT,
            http_headers: header,
        });
    });

    test("ensure with the target, Codex and manager options", () => {
        const argv = [
            "ensure",
            "--codex-home",
            "/c",
            "--user",
            "ada",
            "--codex-version",
            "0.170.0",
            "--no-verify",
            "--take-over",
            "--allow-codex-overrides",
            "--live-check",
            "--managed-by",
            "pulumi:p/s/r",
            "--json",
        ];
        expect(parsed(argv)).toEqual({
            req: {
                op: "ensure",
                name: "connectai",
                entry: CONNECT,
                managedBy: "pulumi:p/s/r",
                takeOver: true,
                allowCodexOverrides: true,
                liveCheck: true,
                codexHome: "/c",
                user: "ada",
                codex: { version: "0.170.0", uninstall: false },
                verify: false,
            },
            json: true,
        });
    });

    test("remove: no entry; --uninstall-codex asks to uninstall Codex too", () => {
        expect(request(["remove"])).toEqual({ op: "remove", name: "connectai", managedBy: "codex-mcp" });
        expect(request(["remove", "--name", "docs", "--uninstall-codex"])).toEqual({
            op: "remove",
            name: "docs",
            managedBy: "codex-mcp",
            codex: { version: undefined, uninstall: true },
        });
    });

    test("show-drift is a probe: without an authentication option the authentication is shown as found; with --oauth it is compared", () => {
        expect(request(["show-drift"])).toEqual({ op: "probe", name: "connectai", entry: CONNECT, managedBy: "codex-mcp", authAsFound: true });
        expect(request(["show-drift", "--oauth"])).toEqual({ op: "probe", name: "connectai", entry: CONNECT, managedBy: "codex-mcp" });
        expect(request(["show-drift", "--bearer-token-env", "T"])).toEqual({
            op: "probe",
            name: "connectai",
            entry: { ...CONNECT, bearer_token_env_var: "T" },
            managedBy: "codex-mcp",
        });
    });

    test("install-codex and uninstall-codex: Codex alone, no entry", () => {
        expect(request(["install-codex"])).toEqual({ op: "ensure", codex: { version: DEFAULT_CODEX_VERSION } });
        expect(request(["install-codex", "--codex-version", "latest", "--user", "ada", "--codex-home", "/c"])).toEqual({
            op: "ensure",
            codex: { version: "latest" },
            codexHome: "/c",
            user: "ada",
        });
        expect(request(["uninstall-codex"])).toEqual({ op: "remove", codex: { uninstall: true } });
    });

    test("a sign-in credential (stdin or a variable) goes with Codex: the request manages Codex then, without installing it", () => {
        expect(request(["ensure", "--openai-api-key-stdin"], "sk-key\n")).toEqual({
            op: "ensure",
            name: "connectai",
            entry: CONNECT,
            managedBy: "codex-mcp",
            signIn: { kind: "api-key", secret: "sk-key" },
            codex: {},
        });
        expect(request(["install-codex", "--codex-access-token-env", "TOKEN", "--replace-sign-in"], "", { TOKEN: "at-1" })).toEqual({
            op: "ensure",
            codex: { version: DEFAULT_CODEX_VERSION },
            signIn: { kind: "access-token", secret: "at-1", replace: true },
        });
    });
});

describe("usage errors, each with its message", () => {
    test.each<[string, string[], string, NodeJS.ProcessEnv, string]>([
        ["no command", [], "", {}, "a command is required"],
        [
            "an unknown command",
            ["frobnicate"],
            "",
            {},
            "unknown command: frobnicate; the known commands are ensure, remove, show-drift, install-codex, uninstall-codex",
        ],
        ["a misspelt command", ["ensrue"], "", {}, "unknown command: ensrue; did you mean ensure?"],
        [
            "a property every object has",
            ["constructor"],
            "",
            {},
            "unknown command: constructor; the known commands are ensure, remove, show-drift, install-codex, uninstall-codex",
        ],
        ["a word that is no option", ["ensure", "docs"], "", {}, "unexpected argument: docs"],
        ["an option without its value", ["ensure", "--url"], "", {}, "unexpected argument: --url"],
        [
            "an unknown option",
            ["ensure", "--colour", "red"],
            "",
            {},
            "--colour: unknown option; the known options are --name, --url, --startup-timeout, --tool-timeout, --basic-email, --pat-env, --bearer-token-env, --env-header, --codex-home, --user, --codex-version, --managed-by, --openai-api-key-env, --codex-access-token-env, --disabled, --pat-stdin, --uninstall-codex, --no-verify, --json, --take-over, --openai-api-key-stdin, --codex-access-token-stdin, --replace-sign-in, --allow-codex-overrides, --oauth, --live-check",
        ],
        ["a misspelt option", ["ensure", "--code-home", "/x"], "", {}, "--code-home: unknown option; did you mean --codex-home?"],
        ["a timeout that is not a number", ["ensure", "--startup-timeout", "soon"], "", {}, "--startup-timeout: not a number: soon"],
        ["an env header without =", ["ensure", "--env-header", "X-Key"], "", {}, "--env-header: expected NAME=VAR, got X-Key"],
        ["an env header without a name", ["ensure", "--env-header", "=VAR"], "", {}, "--env-header: expected NAME=VAR, got =VAR"],
        ["an email without a PAT", ["ensure", "--basic-email", "ada@example.com"], "", {}, "--basic-email needs --pat-stdin or --pat-env VAR"],
        ["a PAT without an email", ["ensure", "--pat-stdin"], `${PAT}\n`, {}, "a PAT needs --basic-email"],
        ["a PAT variable that is not set", ["ensure", "--basic-email", "ada@example.com", "--pat-env", "UNSET"], "", {}, "the PAT is empty"],
        ["--oauth with an authentication option", ["show-drift", "--oauth", "--bearer-token-env", "T"], "", {}, "--oauth and --bearer-token-env: choose one"],
        [
            "two sign-in credentials",
            ["ensure", "--openai-api-key-env", "K", "--codex-access-token-env", "T"],
            "",
            { K: "k", T: "t" },
            "--openai-api-key-env and --codex-access-token-env: give one credential",
        ],
        [
            "--replace-sign-in without a credential",
            ["ensure", "--replace-sign-in"],
            "",
            {},
            "--replace-sign-in needs a credential (--openai-api-key-stdin, --codex-access-token-stdin...)",
        ],
        [
            "a PAT and a credential both on stdin",
            ["ensure", "--basic-email", "ada@example.com", "--pat-stdin", "--openai-api-key-stdin"],
            "x\n",
            {},
            "--pat-stdin and --openai-api-key-stdin: standard input holds only one of them; use --pat-env or --openai-api-key-env",
        ],
        ["an empty credential", ["ensure", "--codex-access-token-env", "UNSET"], "", {}, "--codex-access-token-env UNSET: the credential is empty"],
        [
            "a credential with a second line",
            ["ensure", "--openai-api-key-stdin"],
            "sk-key\nmore\n",
            {},
            "--openai-api-key-stdin: the credential contains a control character (U+000A, LF, a line feed) at position 7; a credential is one line of printable characters",
        ],
        ["an entry option for install-codex", ["install-codex", "--url", "https://h.example/"], "", {}, "install-codex: --url does not apply"],
        ["an entry option for uninstall-codex", ["uninstall-codex", "--name", "docs"], "", {}, "uninstall-codex: --name does not apply"],
    ])("%s", (_what, argv, stdin, env, message) => {
        expect(usageError(argv, stdin, env)).toBe(message);
    });
});
