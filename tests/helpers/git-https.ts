// This package on a git host, the way a consumer's `pulumi package add https://HOST/ORG/REPO.git@vX`
// reaches it: a bare repository holding this working tree's files as one commit tagged with
// package.json's version, served over HTTPS (tests/helpers/git-https-server.js) with a certificate
// that only the returned CA bundle trusts.
//
// Why port 443 on a loopback address of its own: Pulumi 3.248 names a git plugin after its URL, and
// a port's colon makes that name neither a plugin name nor a URL, so `pulumi package add` panics
// (a nil dereference in package_add.go); it also splits npm's PATH. A git host on 443 is what users
// have, and 127.0.0.0/8 gives each test run an address of its own.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { freshClone } from "./clone";
import { projectRoot } from "./toolchain";

export interface GitHost {
    /** https://ADDRESS/acme/codex-connect-pulumi.git (without a version). */
    url: string;
    /** The tag, vVERSION. */
    tag: string;
    /** The system's CA bundle plus this host's certificate: SSL_CERT_FILE for Go (the Pulumi CLI). */
    caBundle: string;
    stop(): void;
}

/** The CAs Go trusts here already (SSL_CERT_FILE replaces its system pool, so they are kept). */
const systemCa = () => [process.env.SSL_CERT_FILE, "/etc/ssl/certs/ca-certificates.crt"].find((f) => f && fs.existsSync(f));

function commitTree(src: string, tag: string): void {
    const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: src, stdio: ["ignore", "ignore", "inherit"] });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-q", "-m", "this working tree");
    git("tag", tag);
}

function certificateFor(dir: string, address: string): { cert: string; key: string } {
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    execFileSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-subj",
            `/CN=${address}`,
            "-addext",
            `subjectAltName=IP:${address}`,
            "-keyout",
            key,
            "-out",
            cert,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
    );
    return { cert, key };
}

/** Resolves once the server prints its port; rejects if it exits first. */
function listening(server: ChildProcess): Promise<void> {
    return new Promise((resolve, reject) => {
        server.stdout!.once("data", () => resolve());
        server.once("exit", (code) => reject(new Error(`git-https-server exited ${code} before listening`)));
    });
}

export async function serveThisRepo(dir: string): Promise<GitHost> {
    const tag = `v${require(path.join(projectRoot, "package.json")).version}`;
    const src = freshClone(path.join(dir, "src"));
    commitTree(src, tag);
    const root = path.join(dir, "repos");
    const repo = path.join(root, "acme", "codex-connect-pulumi.git");
    fs.mkdirSync(path.dirname(repo), { recursive: true });
    execFileSync("git", ["clone", "-q", "--bare", src, repo], { stdio: ["ignore", "ignore", "inherit"] });
    const address = `127.77.${(process.pid >> 8) & 0xff}.${process.pid & 0xff || 1}`;
    const { cert, key } = certificateFor(dir, address);
    const caBundle = path.join(dir, "ca-bundle.pem");
    fs.writeFileSync(caBundle, (systemCa() ? fs.readFileSync(systemCa()!, "utf8") : "") + fs.readFileSync(cert, "utf8"));
    const server = spawn(process.execPath, [path.join(__dirname, "git-https-server.js"), root, cert, key, address, "443"], {
        stdio: ["ignore", "pipe", "inherit"],
    });
    await listening(server);
    return { url: `https://${address}/acme/codex-connect-pulumi.git`, tag, caBundle, stop: () => server.kill() };
}
