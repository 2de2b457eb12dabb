// The rules for the values people type: the server URL, the Basic email and the PAT. One module,
// used where they enter (codex-mcp's command line, the components, the fleet program) and by the
// runner on the target, so that the rules cannot differ between them. Pure: no Pulumi, no I/O.
//
// Each function returns what is wrong, without the field name (the caller names the field as its
// users know it: --url, url, CodexMcpServer NAME: url), or undefined when the value is fine.
import { redact } from "../shared/redact";

/** C0, DEL, C1 and the Unicode line and paragraph separators: characters nobody types on purpose. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const NAMES: Record<string, string> = {
    "\0": "NUL",
    "\t": "TAB",
    "\n": "LF, a line feed",
    "\r": "CR, a carriage return",
    " ": "a space",
    '"': "a double quote",
    "'": "a single quote",
    "\\": "a backslash",
    "<": "an angle bracket",
    ">": "an angle bracket",
};

/** The first character matching `re`, by code point (and name), and its position counted in characters from 1. */
function where(text: string, re: RegExp): string | undefined {
    const chars = Array.from(text);
    const i = chars.findIndex((c) => re.test(c));
    if (i < 0) return undefined;
    const c = chars[i];
    const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    return `(${NAMES[c] ? `${code}, ${NAMES[c]}` : code}) at position ${i + 1}`;
}

// The URL is stored in plain text and shown in previews and messages: quoting it is fine (masked
// when it carries a credential). WHATWG's parser, like Codex's, silently drops tabs and newlines,
// so the characters are checked before parsing: what is written is what was typed.
const URL_UNSAFE = /[\s"'\\<>]/u;

export function urlProblem(url: unknown): string | undefined {
    if (typeof url !== "string" || url === "") return "required, an http(s) URL";
    const shown = redact(JSON.stringify(url));
    const control = where(url, CONTROL);
    if (control) return `${shown} contains a control character ${control}`;
    const unsafe = where(url, URL_UNSAFE);
    if (unsafe) return `${shown} contains a character a URL must not hold as is ${unsafe}; percent-encode it`;
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return `${shown} is not a URL`;
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return `must be http(s), got ${parsed.protocol}`;
    // Stored and shown in plain text: a credential has no place in it.
    if (parsed.username || parsed.password)
        return "must not carry a user name or password (it is stored and shown in plain text); use an Authorization header or bearer_token_env_var";
    return undefined;
}

const EMAIL_RE = /^[^@]+@[^@]+\.[^@]+$/;

/** The Basic user name. A ':' would end it early (Basic is base64("EMAIL:PAT")), so it is refused. */
export function emailProblem(email: unknown): string | undefined {
    if (typeof email !== "string" || email === "") return "required, the account's email address";
    const control = where(email, CONTROL);
    if (control) return `contains a control character ${control}`;
    const space = where(email, /\s/u);
    if (space) return `contains whitespace ${space}`;
    // Not quoted: "ada@example.com:PAT" typed into the wrong field would show the PAT.
    const colon = where(email, /:/);
    if (colon) return `contains a colon ${colon}, which would end the user name of the Basic credential early (EMAIL:PAT)`;
    if (!EMAIL_RE.test(email)) return `${JSON.stringify(email)} is not an email address`;
    return undefined;
}

/** The Personal Access Token: one line of printable characters. Never quoted, only located. */
export function patProblem(pat: unknown): string | undefined {
    if (typeof pat !== "string" || pat === "") return "is empty";
    const control = where(pat, CONTROL);
    if (control) return `contains a control character ${control}; a PAT is one line of printable characters`;
    return undefined;
}

/**
 * Standard input as a PAT: one final LF or CRLF is the end of the input (echo, a file) and goes;
 * anything else (a second line, a lone CR) stays, for patProblem to refuse.
 */
export function withoutLineEnd(text: string): string {
    return text.replace(/\r?\n$/, "");
}

/** How Codex authenticates to Connect AI. */
export const ConnectAiAuth = {
    /** No credential in the file: run `codex mcp login connectai` once on the target (the default). */
    oauth: "oauth",
    /** email + PAT: a literal Authorization header, kept as a secret. */
    basic: "basic",
    /** Codex reads a bearer token from bearerTokenEnvVar at run time. */
    bearerEnv: "bearer-env",
    /** Codex reads headers from the variables in envHttpHeaders at run time. */
    envHeaders: "env-headers",
} as const;
export type ConnectAiAuth = (typeof ConnectAiAuth)[keyof typeof ConnectAiAuth];
