// Host keys from an OpenSSH known_hosts file, for targets that pin none: plain and hashed names,
// [host]:port, comma-separated lists with wildcards and negations, @revoked. Pure: text in, keys out.
import { createHmac } from "crypto";
import type { TargetConfig } from "./target-config";

interface Entry {
    line: number;
    marker?: "@revoked" | "@cert-authority";
    matches(name: string): boolean | "negated";
    /** "ssh-ed25519 AAAA...", as a target's hostKey holds it. */
    key: string;
    type: string;
}

export interface KnownHosts {
    file: string;
    entries: Entry[];
}

/**
 * The order a key is chosen in when a host has several: the one the SSH client negotiates first
 * (ssh2 offers ed25519, then ECDSA, then RSA), so the pinned key is the one the host shows.
 */
const PREFERENCE = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];

/** Parses a known_hosts file; every line that is not one is a problem named by file and line. */
export function parseKnownHosts(text: string, file: string): { knownHosts: KnownHosts; problems: string[] } {
    const entries: Entry[] = [];
    const problems: string[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (!line || line.startsWith("#")) return;
        const parsed = parseLine(line, i + 1);
        if (typeof parsed === "string") problems.push(`${file}:${i + 1}: ${parsed}`);
        else if (parsed) entries.push(parsed);
    });
    return { knownHosts: { file, entries }, problems };
}

function parseLine(line: string, n: number): Entry | string | undefined {
    const fields = line.split(/\s+/);
    const marker = fields[0].startsWith("@") ? fields.shift() : undefined;
    if (marker !== undefined && marker !== "@revoked" && marker !== "@cert-authority") return `unknown marker ${marker} (known: @revoked, @cert-authority)`;
    if (fields.length < 3) return "expected: [marker] hostnames keytype base64-key [comment]";
    const [names, type, blob] = fields;
    // An SSH-1 RSA key (bits exponent modulus): no client of today's uses one.
    if (/^\d+$/.test(type)) return undefined;
    if (!keyBlobIs(type, blob)) return `the key is not a ${type} key in base64 (a line cut short?)`;
    const matches = names.startsWith("|") ? hashedMatcher(names) : patternMatcher(names);
    if (typeof matches === "string") return matches;
    return { line: n, marker: marker as Entry["marker"], matches, key: `${type} ${blob}`, type };
}

// How many length-prefixed fields a public key of each plain type has (type, then its numbers).
const FIELDS: Record<string, number> = {
    "ssh-ed25519": 2,
    "ssh-rsa": 3,
    "ecdsa-sha2-nistp256": 3,
    "ecdsa-sha2-nistp384": 3,
    "ecdsa-sha2-nistp521": 3,
    "ssh-dss": 5,
};

/** The blob is base64 of length-prefixed fields, the first the key type, all there (not cut short). */
function keyBlobIs(type: string, blob: string): boolean {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return false;
    const bytes = Buffer.from(blob, "base64");
    const fields: Buffer[] = [];
    for (let at = 0; at < bytes.length;) {
        if (at + 4 > bytes.length) return false;
        const len = bytes.readUInt32BE(at);
        if (at + 4 + len > bytes.length) return false;
        fields.push(bytes.subarray(at + 4, at + 4 + len));
        at += 4 + len;
        // A certificate's fields are not all strings: its type is all that is checked.
        if (!Object.hasOwn(FIELDS, type)) break;
    }
    if (fields[0]?.toString("latin1") !== type) return false;
    return !Object.hasOwn(FIELDS, type) || fields.length === FIELDS[type];
}

/** `|1|salt|hash`: HMAC-SHA1 of the name under the salt, both base64 (ssh-keygen -H). */
function hashedMatcher(field: string): Entry["matches"] | string {
    const m = /^\|1\|([A-Za-z0-9+/]+={0,2})\|([A-Za-z0-9+/]+={0,2})$/.exec(field);
    if (!m) return "a hashed host name must be |1|salt|hash, both base64";
    const salt = Buffer.from(m[1], "base64");
    const hash = m[2];
    return (name) => createHmac("sha1", salt).update(name).digest("base64") === hash;
}

/** Comma-separated patterns with * and ?; a matching !pattern excludes the host whatever else matches. */
function patternMatcher(field: string): Entry["matches"] {
    const patterns = field
        .split(",")
        .filter(Boolean)
        .map((p) => ({ negated: p.startsWith("!"), re: glob(p.replace(/^!/, "")) }));
    return (name) => {
        const lower = name.toLowerCase();
        if (patterns.some((p) => p.negated && p.re.test(lower))) return "negated";
        return patterns.some((p) => !p.negated && p.re.test(lower));
    };
}

function glob(pattern: string): RegExp {
    const body = pattern
        .toLowerCase()
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("");
    return new RegExp(`^${body}$`);
}

/** The name OpenSSH looks a host up by: the host itself on port 22, else [host]:port. */
export function knownHostsName(host: string, port = 22): string {
    return port === 22 ? host : `[${host}]:${port}`;
}

/** The key to pin for host:port (ed25519 first), or undefined when the file has none that is not revoked. */
export function findHostKey(kh: KnownHosts, host: string, port = 22): string | undefined {
    const name = knownHostsName(host, port);
    const matching = kh.entries.filter((e) => e.matches(name) === true);
    const revoked = new Set(kh.entries.filter((e) => e.marker === "@revoked" && e.matches(name) === true).map((e) => e.key));
    // A CA signs certificates, which the SSH client here does not verify: no key to pin.
    const usable = matching.filter((e) => !e.marker && !revoked.has(e.key));
    const rank = (e: Entry) => (PREFERENCE.includes(e.type) ? PREFERENCE.indexOf(e.type) : PREFERENCE.length);
    return usable.sort((a, b) => rank(a) - rank(b) || a.line - b.line)[0]?.key;
}

/** Targets with their (and their bastion's) host key filled in from the file where they set none. */
export function withKnownHosts(targets: TargetConfig[], kh: KnownHosts): TargetConfig[] {
    return targets.map((t) => {
        if (!t || typeof t !== "object" || t.kind !== "ssh") return t;
        const filled = { ...t };
        if (t.host && !t.hostKey && !t.insecureSkipHostKeyCheck) {
            const key = findHostKey(kh, t.host, t.port);
            if (key) filled.hostKey = key;
        }
        const p = t.proxy;
        if (p && typeof p === "object" && p.host && !p.hostKey && !p.insecureSkipHostKeyCheck) {
            const key = findHostKey(kh, p.host, p.port);
            if (key) filled.proxy = { ...p, hostKey: key };
        }
        return filled;
    });
}
