// A private key in its shortest form that the command plugin (Go's x/crypto/ssh) reads: an
// unencrypted OpenSSH ed25519 key of 399 characters is a 118-character PKCS#8 PEM, an RSA key a
// PKCS#1 PEM about a third shorter. The engine keeps the connection, key included, in the inputs
// and the outputs of every remote.Command of every snapshot, so this is the largest part of a
// target's state that is ours to shrink. The same key in any spelling gives the same text, so
// changing a key file's format is no change. Keys with a passphrase, and anything ssh2 cannot
// read, are passed on as given.
import { utils } from "ssh2";

export function compactPrivateKey(key: string, passphrase?: string): string {
    if (passphrase) return key;
    try {
        const parsed = utils.parseKey(key);
        if (parsed instanceof Error || Array.isArray(parsed) || !parsed.isPrivateKey()) return key;
        const pem = parsed.getPrivatePEM();
        return pem && pem.length < key.length ? pem : key;
    } catch {
        return key;
    }
}
