// codex-mcp refuses loose inputs where they enter, as a usage error (exit 2), with nothing written.
// The command line's own function (cli() in components/bundle/cli.ts, in this process): the built runner
// that ships it is run as a command by tests/e2e/runner.test.ts.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cli, parseArgs } from "../../components/bundle/cli";

const PAT = "tok-0a1b2c3d4e5f";
let home: string;
beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "cli-inputs-"));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

/** cli() with this stdin and environment: its exit code and what it printed. */
function run(args: string[], input = "", env: NodeJS.ProcessEnv = {}) {
    const printed = { stdout: "", stderr: "" };
    const out = jest.spyOn(process.stdout, "write").mockImplementation((s) => ((printed.stdout += String(s)), true));
    const err = jest.spyOn(process.stderr, "write").mockImplementation((s) => ((printed.stderr += String(s)), true));
    try {
        const status = cli([...args, "--codex-home", home, "--no-verify"], { PATH: process.env.PATH, HOME: home, ...env }, () => input);
        return { status, ...printed };
    } finally {
        out.mockRestore();
        err.mockRestore();
    }
}
const usage = (message: string) => `codex-mcp: ${message}\n(see codex-mcp --help)\n`;
const PAT_RULE = "a PAT is one line of printable characters";
const STDIN_END = "(only one final newline is taken as the end of the input)";

describe("refused: exit 2, the field named, no file, the PAT never shown", () => {
    test.each([
        [
            "an email with ':'",
            ["ensure", "--basic-email", "a:b@x.example", "--pat-stdin"],
            `${PAT}\n`,
            {},
            "--basic-email: contains a colon (U+003A) at position 2, which would end the user name of the Basic credential early (EMAIL:PAT)",
        ],
        [
            "an email with a space",
            ["ensure", "--basic-email", "ada @example.com", "--pat-stdin"],
            `${PAT}\n`,
            {},
            "--basic-email: contains whitespace (U+0020, a space) at position 4",
        ],
        ["not an email", ["ensure", "--basic-email", "ada", "--pat-stdin"], `${PAT}\n`, {}, '--basic-email: "ada" is not an email address'],
        [
            "a PAT with a second line",
            ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"],
            `${PAT}\nsecond-line\n`,
            {},
            `--pat-stdin: the PAT contains a control character (U+000A, LF, a line feed) at position 17; ${PAT_RULE} ${STDIN_END}`,
        ],
        [
            "a PAT with two final newlines",
            ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"],
            `${PAT}\n\n`,
            {},
            `--pat-stdin: the PAT contains a control character (U+000A, LF, a line feed) at position 17; ${PAT_RULE} ${STDIN_END}`,
        ],
        [
            "a PAT with a lone CR",
            ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"],
            `${PAT}\r`,
            {},
            `--pat-stdin: the PAT contains a control character (U+000D, CR, a carriage return) at position 17; ${PAT_RULE} ${STDIN_END}`,
        ],
        [
            "a PAT with a CR inside",
            ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"],
            `tok\r${PAT}\n`,
            {},
            `--pat-stdin: the PAT contains a control character (U+000D, CR, a carriage return) at position 4; ${PAT_RULE} ${STDIN_END}`,
        ],
        [
            "a PAT with NUL",
            ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"],
            `${PAT}\0\n`,
            {},
            `--pat-stdin: the PAT contains a control character (U+0000, NUL) at position 17; ${PAT_RULE} ${STDIN_END}`,
        ],
        [
            "a PAT in a variable with a newline",
            ["ensure", "--basic-email", "ada@example.com", "--pat-env", "CXM_PAT"],
            "",
            { CXM_PAT: `${PAT}\n` },
            `--pat-env CXM_PAT: the PAT contains a control character (U+000A, LF, a line feed) at position 17; ${PAT_RULE}`,
        ],
        ["an empty PAT", ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"], "\n", {}, "the PAT is empty"],
        [
            "a URL with a quote, a newline and a table",
            ["ensure", "--url", 'https://h.example/mcp"\n[mcp_servers.evil]'],
            "",
            {},
            '--url: "https://h.example/mcp\\"\\n[mcp_servers.evil]" contains a control character (U+000A, LF, a line feed) at position 23',
        ],
        [
            "a URL with a quote",
            ["ensure", "--url", 'https://h.example/"mcp'],
            "",
            {},
            '--url: "https://h.example/\\"mcp" contains a character a URL must not hold as is (U+0022, a double quote) at position 19; percent-encode it',
        ],
        [
            "a URL with a space",
            ["show-drift", "--url", "https://h.example/m cp"],
            "",
            {},
            '--url: "https://h.example/m cp" contains a character a URL must not hold as is (U+0020, a space) at position 20; percent-encode it',
        ],
        ["a URL that is not http(s)", ["ensure", "--url", "file:///etc/passwd"], "", {}, "--url: must be http(s), got file:"],
    ])("%s", (_what, args, input, env, message) => {
        const r = run(args as string[], input as string, env as NodeJS.ProcessEnv);
        expect(r).toEqual({ status: 2, stdout: "", stderr: usage(message as string) });
        expect(fs.readdirSync(home)).toEqual([]);
        for (const piece of ["0a1b2c", "second-line"]) expect(r.stdout + r.stderr).not.toContain(piece);
    });
});

describe("accepted", () => {
    const header = (pat: string) => `Basic ${Buffer.from(`ada@example.com:${pat}`).toString("base64")}`;
    const request = (args: string[], input = "") => parseArgs(args, {}, () => input).req;

    test.each([
        ["LF (echo)", `${PAT}\n`],
        ["CRLF (a Windows file)", `${PAT}\r\n`],
        ["no newline (printf %s)", PAT],
    ])("a PAT on stdin ending with %s: exactly the PAT goes into the header", (_what, input) => {
        expect(request(["ensure", "--basic-email", "ada@example.com", "--pat-stdin"], input).entry).toEqual({
            url: "https://mcp.cloud.cdata.com/mcp",
            startup_timeout_sec: 30,
            http_headers: { Authorization: header(PAT) },
        });
    });

    test("a URL with a port, a path and a query", () => {
        const url = "https://mcp.example.com:8443/a/b/mcp?tenant=42&x=%22y%22";
        expect(request(["ensure", "--url", url]).entry).toEqual({ url, startup_timeout_sec: 30 });
    });
});
