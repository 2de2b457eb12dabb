// codex-mcp refuses loose inputs where they enter, as a usage error (exit 2), with nothing written:
// the built runner as the package ships it (jest's global setup runs npm run build).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const bin = path.join(__dirname, "..", "..", "dist", "runner", "codex-mcp-runner.js");
const PAT = "tok-0a1b2c3d4e5f";
let home: string;
beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "cli-inputs-"));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const run = (args: string[], input = "", env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [bin, ...args, "--codex-home", home, "--no-verify"], { input, encoding: "utf8", env: { PATH: process.env.PATH, HOME: home, ...env } });
const config = () => path.join(home, "config.toml");

describe("refused: exit 2, the field named, no file, the PAT never shown", () => {
    test.each([
        ["an email with ':'", ["ensure", "--basic-email", "a:b@x.example", "--pat-stdin"], `${PAT}\n`, {}, /--basic-email: contains a colon \(U\+003A\) at position 2/],
        ["an email with a space", ["ensure", "--basic-email", "ada @example.com", "--pat-stdin"], `${PAT}\n`, {}, /--basic-email: contains whitespace/],
        ["not an email", ["ensure", "--basic-email", "ada", "--pat-stdin"], `${PAT}\n`, {}, /--basic-email: "ada" is not an email address/],
        ["a PAT with a second line", ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"], `${PAT}\nsecond-line\n`, {}, /--pat-stdin: the PAT contains a control character \(U\+000A, LF, a line feed\) at position 17/],
        ["a PAT with two final newlines", ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"], `${PAT}\n\n`, {}, /--pat-stdin: .*\(U\+000A, LF, a line feed\) at position 17.*only one final newline/],
        ["a PAT with a lone CR", ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"], `${PAT}\r`, {}, /--pat-stdin: .*\(U\+000D, CR, a carriage return\) at position 17/],
        ["a PAT with a CR inside", ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"], `tok\r${PAT}\n`, {}, /\(U\+000D, CR, a carriage return\) at position 4/],
        ["a PAT with NUL", ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"], `${PAT}\0\n`, {}, /\(U\+0000, NUL\) at position 17/],
        ["a PAT in a variable with a newline", ["ensure", "--basic-email", "ada@example.com", "--pat-env", "CXM_PAT"], "", { CXM_PAT: `${PAT}\n` }, /--pat-env CXM_PAT: the PAT contains a control character \(U\+000A/],
        ["an empty PAT", ["ensure", "--basic-email", "ada@example.com", "--pat-stdin"], "\n", {}, /the PAT is empty/],
        ["a URL with a quote, a newline and a table", ["ensure", "--url", 'https://h.example/mcp"\n[mcp_servers.evil]'], "", {}, /--url: .*control character \(U\+000A, LF, a line feed\) at position 23/],
        ["a URL with a quote", ["ensure", "--url", 'https://h.example/"mcp'], "", {}, /--url: .*\(U\+0022, a double quote\) at position 19/],
        ["a URL with a space", ["show-drift", "--url", "https://h.example/m cp"], "", {}, /--url: .*\(U\+0020, a space\)/],
        ["a URL that is not http(s)", ["ensure", "--url", "file:///etc/passwd"], "", {}, /--url: must be http\(s\)/],
    ])("%s", (_what, args, input, env, message) => {
        const r = run(args as string[], input as string, env as NodeJS.ProcessEnv);
        expect(r.stderr).toMatch(message as RegExp);
        expect(r.status).toBe(2);
        expect(fs.existsSync(config())).toBe(false);
        for (const piece of ["0a1b2c", "second-line"]) expect(r.stdout + r.stderr).not.toContain(piece);
    });
});

describe("accepted", () => {
    const header = (pat: string) => `Basic ${Buffer.from(`ada@example.com:${pat}`).toString("base64")}`;
    test.each([
        ["LF (echo)", `${PAT}\n`],
        ["CRLF (a Windows file)", `${PAT}\r\n`],
        ["no newline (printf %s)", PAT],
    ])("a PAT on stdin ending with %s: exactly the PAT goes into the header", (_what, input) => {
        const r = run(["ensure", "--basic-email", "ada@example.com", "--pat-stdin"], input);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(fs.readFileSync(config(), "utf8")).toContain(header(PAT));
    });

    test("a URL with a port, a path and a query", () => {
        const url = "https://mcp.example.com:8443/a/b/mcp?tenant=42&x=%22y%22";
        const r = run(["ensure", "--url", url]);
        expect(r.status).toBe(0);
        expect(fs.readFileSync(config(), "utf8")).toContain(`url = "${url}"`);
    });
});
