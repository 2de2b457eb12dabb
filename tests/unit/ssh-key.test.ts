// compactPrivateKey: the shortest spelling of a key that Go's x/crypto/ssh reads, the same for the
// same key whatever its file format; keys it must not touch are passed on as given.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compactPrivateKey } from "../../components/ssh-key";

function keygen(type: string, passphrase = ""): { openssh: string; dir: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ssh-key-"));
    execFileSync("ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-f", path.join(dir, "k")]);
    return { openssh: fs.readFileSync(path.join(dir, "k"), "utf8"), dir };
}

describe("compactPrivateKey", () => {
    const dirs: string[] = [];
    afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    test("ed25519 (OpenSSH format): a PKCS#8 PEM of the same key, about a third as long", () => {
        const { openssh, dir } = keygen("ed25519");
        dirs.push(dir);
        const pem = compactPrivateKey(openssh);
        expect(pem.startsWith("-----BEGIN PRIVATE KEY-----")).toBe(true);
        expect(pem.length).toBeLessThan(openssh.length / 2);
        // The same key: its public half matches the one ssh-keygen wrote.
        const pub = crypto.createPublicKey(crypto.createPrivateKey(pem)).export({ type: "spki", format: "der" });
        const sshPub = Buffer.from(fs.readFileSync(path.join(dir, "k.pub"), "utf8").split(" ")[1], "base64");
        expect(sshPub.subarray(-32).equals(pub.subarray(-32))).toBe(true);
        // Another spelling of the same key gives the same text: no change for the engine.
        expect(compactPrivateKey(pem)).toBe(pem);
    });

    test("RSA: a shorter PEM of the same key", () => {
        const { openssh, dir } = keygen("rsa");
        dirs.push(dir);
        const pem = compactPrivateKey(openssh);
        expect(pem.length).toBeLessThan(openssh.length);
        expect(crypto.createPrivateKey(pem).asymmetricKeyType).toBe("rsa");
    });

    test("a key with a passphrase, a public key and text that is no key: passed on as given", () => {
        const { openssh, dir } = keygen("ed25519", "correct horse");
        dirs.push(dir);
        expect(compactPrivateKey(openssh, "correct horse")).toBe(openssh);
        expect(compactPrivateKey(openssh)).toBe(openssh);
        const pub = fs.readFileSync(path.join(dir, "k.pub"), "utf8");
        expect(compactPrivateKey(pub)).toBe(pub);
        expect(compactPrivateKey("not a key")).toBe("not a key");
    });
});
