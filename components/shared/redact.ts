// Credentials out of messages: whatever a target prints (npm, Codex, a shell) may hold one, and
// errors travel into the engine's output and logs. Pure: no I/O.

const MASK = "***";

/** Shapes of credentials in free text, replaced whatever their value. */
const PATTERNS: Array<[RegExp, string]> = [
    [/\b(Basic|Bearer)(\s+)[A-Za-z0-9+/=._~-]{6,}/gi, `$1$2${MASK}`],
    // URL userinfo: https://user:pass@host, https://token@host
    [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"']+@/gi, `$1${MASK}@`],
    // user:password@ without a well-formed scheme before it
    [/[^\s/@"':]+:[^\s/@"']+@/g, `${MASK}@`],
    // key=value and "key": "value" for names that say secret
    [/((?:_authToken|_auth|_password|token|password|passwd|secret|api[_-]?key|authorization)["']?\s*[=:]\s*["']?)[^\s"',;&]+/gi, `$1${MASK}`],
];

/** The values a request carries that must never be printed: header values, and what a Basic header encodes. */
export function secretsOf(headers: Record<string, string> | undefined): string[] {
    const out: string[] = [];
    for (const v of Object.values(headers ?? {})) {
        if (!v) continue;
        out.push(v);
        const basic = /^Basic\s+(\S+)$/i.exec(v);
        if (!basic) continue;
        out.push(basic[1]);
        const decoded = Buffer.from(basic[1], "base64").toString("utf8");
        out.push(decoded, decoded.slice(decoded.indexOf(":") + 1));
    }
    return out.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

export function redact(text: string, secrets: string[] = []): string {
    let out = text;
    for (const s of secrets) out = out.split(s).join(MASK);
    for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
    return out;
}

const SECRET_FLAG = /^--?(token|password|passwd|secret|api-?key|auth|bearer|client-secret)$/i;

/** An argument vector for messages and identities: credential-looking values masked. */
export function redactArgs(args: string[]): string[] {
    return args.map((a, i) => (i > 0 && SECRET_FLAG.test(args[i - 1]) ? MASK : redact(a)));
}

/** The values redactArgs masks, to mask them again wherever a target echoes them. */
export function argSecrets(args: string[]): string[] {
    const masked = redactArgs(args);
    return args.filter((a, i) => masked[i] !== a).flatMap((a) => [a, ...(/=(.+)$/.exec(a)?.slice(1) ?? [])]);
}
