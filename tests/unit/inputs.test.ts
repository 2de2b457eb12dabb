// The rules for typed-in values that every entry point shares (components/core/inputs.ts).
import { emailProblem, patProblem, urlProblem, withoutLineEnd } from "../../components/core/inputs";
import { validateEntry } from "../../components/core/config-entry";

describe("urlProblem", () => {
    test.each([
        ["Connect AI", "https://mcp.cloud.cdata.com/mcp"],
        ["a port, a path and a query", "https://mcp.example.com:8443/a/b/mcp?tenant=42&x=%22y%22"],
        ["plain http to loopback", "http://127.0.0.1:8080/mcp"],
        ["an IPv6 host", "https://[2001:db8::1]:443/mcp"],
        ["a fragment and a tilde", "https://h.example/~ada/mcp#top"],
        ["an international host", "https://bücher.example/mcp"],
    ])("accepted: %s", (_what, url) => {
        expect(urlProblem(url)).toBeUndefined();
    });

    test.each([
        ["a quote, a newline and a table", 'https://h.example/mcp"\n[mcp_servers.evil]\ncommand = "sh"', /U\+000A, LF, a line feed\) at position 23/],
        ["a newline alone (the URL parser would drop it)", "https://h.exa\nmple/mcp", /control character \(U\+000A/],
        ["a tab", "https://h.example/\tmcp", /U\+0009, TAB/],
        ["a carriage return", "https://h.example/mcp\r", /U\+000D, CR/],
        ["a NUL", "https://h.example/\0mcp", /U\+0000, NUL/],
        ["DEL", "https://h.example/\x7fmcp", /control character \(U\+007F/],
        ["a C1 control", "https://h.example/\u0085mcp", /control character \(U\+0085/],
        ["a line separator", "https://h.example/\u2028mcp", /control character \(U\+2028/],
        ["a space", "https://h.example/m cp", /must not hold as is \(U\+0020, a space\) at position 20/],
        ["a no-break space", "https://h.example/\u00a0mcp", /U\+00A0/],
        ["a double quote", 'https://h.example/"mcp', /must not hold as is \(U\+0022, a double quote\) at position 19; percent-encode it/],
        ["a single quote", "https://h.example/'mcp", /\(U\+0027, a single quote\) at position 19/],
        ["a backslash", "https://h.example\\evil/", /\(U\+005C, a backslash\) at position 18/],
        ["angle brackets", "https://h.example/<mcp>", /\(U\+003C, an angle bracket\) at position 19/],
        ["not a URL", "mcp.example.com/mcp", /is not a URL/],
        ["ftp", "ftp://h.example/mcp", /must be http\(s\), got ftp:/],
        ["file", "file:///etc/passwd", /must be http\(s\)/],
        ["a user name and password", "https://ada:pw@h.example/mcp", /must not carry a user name or password/],
        ["empty", "", /required/],
        ["not a string", 42, /required/],
    ])("refused: %s", (_what, url, message) => {
        expect(urlProblem(url)).toMatch(message);
    });

    test("a credential in a refused URL is masked in the message", () => {
        expect(urlProblem("https://ada:hunter22@h.example/\nx")).not.toContain("hunter22");
    });

    test("the runner's last check (validateEntry) refuses the same URLs", () => {
        expect(validateEntry("x", { url: 'https://h/"\n[mcp_servers.evil]' })).toEqual([expect.stringMatching(/^url: .*control character/)]);
        expect(validateEntry("x", { url: "https://h:8443/p?q=1" })).toEqual([]);
    });
});

describe("emailProblem", () => {
    test.each([["ada@example.com"], ["ada.lovelace+codex@sub.example.co.uk"], ["o'brien@example.ie"]])("accepted: %s", (email) => {
        expect(emailProblem(email)).toBeUndefined();
    });

    test.each([
        ["a colon (it would split EMAIL:PAT)", "a:b@x.example", /^contains a colon \(U\+003A\) at position 2, which would end the user name/],
        ["a space", "ada @example.com", /whitespace \(U\+0020, a space\) at position 4/],
        ["a newline", "ada@example.com\n", /control character \(U\+000A/],
        ["a NUL", "ada\0@example.com", /control character \(U\+0000, NUL\) at position 4/],
        ["a tab", "ada@example.com\t", /U\+0009, TAB/],
        ["no @", "not-an-email", /"not-an-email" is not an email address/],
        ["no domain", "ada@", /is not an email address/],
        ["empty", "", /required/],
        ["not a string", undefined, /required/],
    ])("refused: %s", (_what, email, message) => {
        expect(emailProblem(email)).toMatch(message);
    });

    test("an email with a colon is not shown: it may be EMAIL:PAT typed into the wrong field", () => {
        expect(emailProblem("ada@example.com:PAT-secret-1234")).not.toContain("PAT-secret-1234");
    });
});

describe("patProblem", () => {
    const PAT = "tok-9f8e7d6c5b4a";
    test.each([[PAT], ["with spaces and symbols !#$%&'()*+,-./:;<=>?@[]^_`{|}~"], ["ünïcödé-PAT"]])("accepted: %s", (pat) => {
        expect(patProblem(pat)).toBeUndefined();
    });

    test.each([
        ["a second line", `${PAT}\nsecond`, "U+000A, LF, a line feed) at position 17"],
        ["a trailing LF", `${PAT}\n`, "U+000A, LF, a line feed) at position 17"],
        ["a CR inside", `tok\r${PAT}`, "U+000D, CR, a carriage return) at position 4"],
        ["a trailing CRLF", `${PAT}\r\n`, "U+000D, CR, a carriage return) at position 17"],
        ["a NUL", `${PAT}\0`, "U+0000, NUL) at position 17"],
        ["a TAB", `\t${PAT}`, "U+0009, TAB) at position 1"],
        ["ESC", `${PAT}\x1b[0m`, "U+001B) at position 17"],
        ["DEL", `${PAT}\x7f`, "U+007F) at position 17"],
        ["a C1 control", `${PAT}\u009b`, "U+009B) at position 17"],
    ])("refused: %s, by character and position, never echoed", (_what, pat, where) => {
        const message = patProblem(pat);
        expect(message).toContain(`contains a control character (${where}`);
        expect(message).not.toContain(PAT);
        // Not even a piece of it.
        for (const piece of ["tok", "9f8e", "5b4a", "second", "[0m"]) expect(message).not.toContain(piece);
    });

    test("positions count characters, not UTF-16 units", () => {
        expect(patProblem("😀😀\n")).toContain("at position 3");
    });

    test("empty, or not a string", () => {
        expect(patProblem("")).toBe("is empty");
        expect(patProblem(undefined)).toBe("is empty");
    });
});

describe("withoutLineEnd (standard input as a PAT)", () => {
    test.each([
        ["LF (echo)", "pat\n", "pat"],
        ["CRLF (a Windows file)", "pat\r\n", "pat"],
        ["nothing to drop", "pat", "pat"],
        ["only one final newline goes", "pat\n\n", "pat\n"],
        ["a second line stays", "pat\nsecond\n", "pat\nsecond"],
        ["a lone CR stays", "pat\r", "pat\r"],
        ["an inner CR stays", "pa\rt\n", "pa\rt"],
    ])("%s", (_what, input, expected) => {
        expect(withoutLineEnd(input)).toBe(expected);
    });

    test("what stays after it is refused", () => {
        for (const input of ["pat\n\n", "pat\nsecond\n", "pat\r", "pa\rt\n"]) expect(patProblem(withoutLineEnd(input))).toMatch(/control character/);
        expect(patProblem(withoutLineEnd("pat\r\n"))).toBeUndefined();
    });
});
