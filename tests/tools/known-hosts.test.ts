// Host keys from known_hosts files as OpenSSH writes them: keys and hashed names from the real
// ssh-keygen, looked up as ssh looks them up (ssh-keygen -F agrees).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findHostKey, parseKnownHosts, withKnownHosts } from "../../components/inventory/known-hosts";
import type { TargetConfig } from "../../components/inventory/target-config";

let dir: string;
const key = (type: "ed25519" | "ecdsa" | "rsa", name: string) => {
    const file = path.join(dir, name);
    execFileSync("ssh-keygen", ["-q", "-t", type, ...(type === "rsa" ? ["-b", "2048"] : []), "-N", "", "-C", "", "-f", file]);
    return fs.readFileSync(`${file}.pub`, "utf8").trim();
};
/** The file ssh-keygen -H makes of these lines: every name hashed. */
const hashed = (lines: string[]) => {
    const file = path.join(dir, `hashed-${Math.random()}`);
    fs.writeFileSync(file, lines.join("\n") + "\n");
    execFileSync("ssh-keygen", ["-q", "-H", "-f", file], { stdio: "ignore" });
    return fs.readFileSync(file, "utf8");
};
const parsed = (text: string) => {
    const r = parseKnownHosts(text, "known_hosts");
    expect(r.problems).toEqual([]);
    return r.knownHosts;
};

let ed: string, ed2: string, ecdsa: string, rsa: string;
beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "known-hosts-"));
    [ed, ed2, ecdsa, rsa] = [key("ed25519", "a"), key("ed25519", "b"), key("ecdsa", "c"), key("rsa", "d")];
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("plain names: a host on port 22 by its name, another port as [host]:port, and nothing else", () => {
    const kh = parsed(`web1.example.com ${ed}\n[127.0.0.1]:2222 ${ed2}\n`);
    expect(findHostKey(kh, "web1.example.com")).toBe(ed);
    expect(findHostKey(kh, "web1.example.com", 22)).toBe(ed);
    expect(findHostKey(kh, "127.0.0.1", 2222)).toBe(ed2);
    // ssh does not fall back from [host]:port to host, nor the other way round.
    expect(findHostKey(kh, "127.0.0.1")).toBeUndefined();
    expect(findHostKey(kh, "web1.example.com", 2222)).toBeUndefined();
    expect(findHostKey(kh, "WEB1.example.com")).toBe(ed); // names are not case-sensitive
});

test("comma-separated names, wildcards, and a negation that excludes a host whatever else matches", () => {
    const kh = parsed(`web1,10.0.0.5,[10.0.0.5]:2200 ${ed}\n*.lab.example,!secret.lab.example ${ed2}\n`);
    for (const [host, port] of [
        ["web1", 22],
        ["10.0.0.5", 22],
        ["10.0.0.5", 2200],
    ] as const)
        expect(findHostKey(kh, host, port)).toBe(ed);
    expect(findHostKey(kh, "box.lab.example")).toBe(ed2);
    expect(findHostKey(kh, "secret.lab.example")).toBeUndefined();
    expect(findHostKey(kh, "lab.example")).toBeUndefined();
});

test("hashed names as ssh-keygen -H writes them, plain and [host]:port", () => {
    const text = hashed([`web1.example.com ${ed}`, `[127.0.0.1]:2222 ${ed2}`]);
    expect(text).not.toContain("example.com");
    expect(text).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /m);
    const kh = parsed(text);
    expect(findHostKey(kh, "web1.example.com")).toBe(ed);
    expect(findHostKey(kh, "127.0.0.1", 2222)).toBe(ed2);
    expect(findHostKey(kh, "127.0.0.1", 2223)).toBeUndefined();
    expect(findHostKey(kh, "web2.example.com")).toBeUndefined();
    // ssh-keygen -F finds the same lines: the lookup is OpenSSH's.
    fs.writeFileSync(path.join(dir, "kh"), text);
    expect(execFileSync("ssh-keygen", ["-F", "[127.0.0.1]:2222", "-f", path.join(dir, "kh")], { encoding: "utf8" })).toContain(ed2.split(" ")[1]);
});

test("several keys for a host: ed25519 first, then ECDSA, then RSA, whatever their order in the file", () => {
    expect(findHostKey(parsed(`h ${rsa}\nh ${ecdsa}\nh ${ed}\n`), "h")).toBe(ed);
    expect(findHostKey(parsed(`h ${rsa}\nh ${ecdsa}\n`), "h")).toBe(ecdsa);
    expect(findHostKey(parsed(`h ${rsa}\n`), "h")).toBe(rsa);
    // Two of the same type: the first in the file.
    expect(findHostKey(parsed(`h ${ed2}\nh ${ed}\n`), "h")).toBe(ed2);
});

test("a @revoked key is never chosen; a @cert-authority line pins nothing; comments and blank lines are skipped", () => {
    const kh = parsed(`# a comment\n\nh ${ed}\nh ${ecdsa}\n@revoked * ${ed}\n@cert-authority *.example.com ${ed2}\n`);
    expect(findHostKey(kh, "h")).toBe(ecdsa);
    expect(findHostKey(kh, "web.example.com")).toBeUndefined();
    // A comment after the key is allowed.
    expect(findHostKey(parsed(`h ${ed} root@h\n`), "h")).toBe(ed);
});

test("a line that is not one is refused by file and line: too short, a key cut short, a bad hash, an unknown marker", () => {
    const blob = ed.split(" ")[1];
    const text = [`h ${ed}`, "h ssh-ed25519", `h ssh-ed25519 ${blob.slice(0, 20)}`, `h ssh-rsa ${blob}`, `|1|abc ${ed}`, `@trusted h ${ed}`].join("\n");
    expect(parseKnownHosts(text, "keys/known_hosts").problems).toEqual([
        "keys/known_hosts:2: expected: [marker] hostnames keytype base64-key [comment]",
        "keys/known_hosts:3: the key is not a ssh-ed25519 key in base64 (a line cut short?)",
        "keys/known_hosts:4: the key is not a ssh-rsa key in base64 (a line cut short?)",
        "keys/known_hosts:5: a hashed host name must be |1|salt|hash, both base64",
        "keys/known_hosts:6: unknown marker @trusted (known: @revoked, @cert-authority)",
    ]);
});

test("withKnownHosts: a target's and its bastion's key where they set none; a pinned key or an explicit skip stays", () => {
    const kh = parsed(`[10.0.0.5]:2222 ${ed}\nbastion ${ed2}\n10.0.0.6 ${ecdsa}\n`);
    const targets: TargetConfig[] = [
        { name: "a", kind: "ssh", host: "10.0.0.5", port: 2222, user: "u", proxy: { host: "bastion", user: "j" } },
        { name: "b", kind: "ssh", host: "10.0.0.6", user: "u", hostKey: rsa },
        { name: "c", kind: "ssh", host: "10.0.0.6", user: "u", insecureSkipHostKeyCheck: true },
        { name: "d", kind: "ssh", host: "10.0.0.7", user: "u" },
        { name: "e", kind: "local" },
    ];
    expect(withKnownHosts(targets, kh)).toEqual([
        { ...targets[0], hostKey: ed, proxy: { host: "bastion", user: "j", hostKey: ed2 } },
        targets[1],
        targets[2],
        targets[3],
        targets[4],
    ]);
});
