// An SSH private key as the command's secret stdin keeps it (twice per target, in every snapshot),
// and back. An unencrypted OpenSSH ed25519 key (399 characters: armour, the public key three times,
// check words, a comment) is kept as its 32-byte seed, `ed25519:` and 43 characters; the feeder
// writes the same key again in OpenSSH form, which is what ssh2 reads (not PKCS#8). Every other key
// (RSA, ECDSA, one with a passphrase, a PEM) is kept as it was given. Pure but for Node's crypto.
import { createPrivateKey, createPublicKey } from "crypto";

const BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END = "-----END OPENSSH PRIVATE KEY-----";
const MAGIC = Buffer.from("openssh-key-v1\0", "latin1");
const TYPE = "ssh-ed25519";
const SHORT = "ed25519:";
/** DER of a PKCS#8 ed25519 private key, up to its 32-byte seed. */
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");

/** The public key of an ed25519 seed, as Node computes it. */
function publicOf(seed: Buffer): Buffer {
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
    return createPublicKey(key).export({ format: "der", type: "spki" }).subarray(-32);
}

class Reader {
    private at = 0;
    constructor(private readonly b: Buffer) {}
    u32(): number {
        if (this.at + 4 > this.b.length) throw new Error("short");
        const v = this.b.readUInt32BE(this.at);
        this.at += 4;
        return v;
    }
    bytes(): Buffer {
        const n = this.u32();
        if (this.at + n > this.b.length) throw new Error("short");
        const v = this.b.subarray(this.at, this.at + n);
        this.at += n;
        return v;
    }
    rest(): Buffer {
        return this.b.subarray(this.at);
    }
}

const str = (b: Buffer | string) => {
    const v = typeof b === "string" ? Buffer.from(b) : b;
    const n = Buffer.alloc(4);
    n.writeUInt32BE(v.length);
    return Buffer.concat([n, v]);
};
const u32 = (v: number) => {
    const n = Buffer.alloc(4);
    n.writeUInt32BE(v);
    return n;
};

/** The seed of an unencrypted OpenSSH ed25519 key, when the text is exactly one such key; else undefined. */
function ed25519Seed(text: string): Buffer | undefined {
    const t = text.trim();
    if (!t.startsWith(BEGIN) || !t.endsWith(END)) return undefined;
    const body = t.slice(BEGIN.length, -END.length).replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]+=*$/.test(body)) return undefined;
    try {
        const b = Buffer.from(body, "base64");
        if (!b.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
        const r = new Reader(b.subarray(MAGIC.length));
        if (r.bytes().toString() !== "none" || r.bytes().toString() !== "none" || r.bytes().length !== 0 || r.u32() !== 1) return undefined;
        const pub = new Reader(r.bytes());
        if (pub.bytes().toString() !== TYPE) return undefined;
        const pk = pub.bytes();
        const priv = new Reader(r.bytes());
        if (r.rest().length !== 0 || priv.u32() !== priv.u32()) return undefined;
        if (priv.bytes().toString() !== TYPE || !priv.bytes().equals(pk)) return undefined;
        const secret = priv.bytes();
        if (secret.length !== 64 || !secret.subarray(32).equals(pk)) return undefined;
        const seed = Buffer.from(secret.subarray(0, 32));
        // The key written back must be this very key: its public half is computed again from the seed.
        return publicOf(seed).equals(pk) ? seed : undefined;
    } catch {
        return undefined;
    }
}

/** The key as the stdin keeps it: `ed25519:SEED` for an unencrypted OpenSSH ed25519 key, else as given. */
export function shortKey(text: string): string {
    const seed = ed25519Seed(text);
    return seed ? SHORT + seed.toString("base64url") : text;
}

/** The key as ssh2 reads it: an `ed25519:` seed written out in OpenSSH form (no comment), anything else as it is. */
export function fullKey(text: string): string {
    if (!text.startsWith(SHORT)) return text;
    const seed = Buffer.from(text.slice(SHORT.length), "base64url");
    if (seed.length !== 32) throw new Error("privateKey: an ed25519: key holds 32 bytes");
    const pk = publicOf(seed);
    const blob = Buffer.concat([str(TYPE), str(pk)]);
    let priv = Buffer.concat([u32(0), u32(0), str(TYPE), str(pk), str(Buffer.concat([seed, pk])), str("")]);
    const pad = (8 - (priv.length % 8)) % 8;
    priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
    const key = Buffer.concat([MAGIC, str("none"), str("none"), str(""), u32(1), str(blob), str(priv)]).toString("base64");
    return `${BEGIN}\n${key.replace(/.{1,70}/g, "$&\n")}${END}\n`;
}
