// validTarget (components/target-args.ts): a component's target as any language passes it (a YAML or
// Python program gets no type check), each rule with its exact message, every problem at once, and
// what a valid target becomes; checkTarget: an SSH hop without a pinned key fails closed.
import * as pulumi from "@pulumi/pulumi";
import { checkTarget, TargetArgs, validTarget } from "../../components/target-args";

const WHO = 'ConnectAiCodex "web1"';
const KINDS = '"local", "ssh", "docker", "podman" or "exec"';

/** validTarget's message for this input, or "valid". */
function refused(input: unknown): string {
    try {
        validTarget(WHO, input as TargetArgs);
        return "valid";
    } catch (e) {
        return (e as Error).message;
    }
}
const invalid = (...problems: string[]) => `${WHO}: invalid target: ${problems.join("; ")}`;
const ssh = { kind: "ssh", host: "10.0.0.5", user: "dev", hostKey: "ssh-ed25519 AAAA" };

describe("refused, naming the component and the field", () => {
    test.each<[string, unknown, string]>([
        ["no target", undefined, `${WHO}: invalid target: target: required, an object with kind ${KINDS}`],
        ["a string", "local", `${WHO}: invalid target: target: required, an object with kind ${KINDS}`],
        ["a list", [{ kind: "local" }], `${WHO}: invalid target: target: required, an object with kind ${KINDS}`],
        [
            "an output as a whole",
            pulumi.output({ kind: "local" }),
            invalid(
                "target: must be a plain object known when the program runs, not an output or a secret as a whole (a secret key goes in target.privateKey)",
            ),
        ],
        ["no kind", { codexHome: "/c" }, invalid(`target.kind: must be ${KINDS}, got nothing`)],
        ["an unknown kind", { kind: "vm" }, invalid(`target.kind: must be ${KINDS}, got "vm"`)],
        ["a kind that is not a string", { kind: 3 }, invalid(`target.kind: must be ${KINDS}, got 3`)],
        ["a field of another kind", { kind: "local", host: "h" }, invalid('target.host: not a field of kind "local"')],
        ["a misspelled field", { kind: "local", codexHom: "/c" }, invalid("target.codexHom: unknown field; did you mean codexHome?")],
        ["a field far from any", { kind: "local", colour: "red" }, invalid("target.colour: unknown field; the known fields are kind, codexHome, owner")],
        ["a port out of range", { ...ssh, port: 70000 }, invalid("target.port: must be a whole number from 1 to 65535")],
        ["a port that is not whole", { ...ssh, port: 22.5 }, invalid("target.port: must be a whole number from 1 to 65535")],
        ["a port as a string", { ...ssh, port: "22" }, invalid("target.port: must be a whole number from 1 to 65535")],
        ["agent as a number", { ...ssh, agent: 1 }, invalid("target.agent: must be true or false")],
        [
            "insecureSkipHostKeyCheck as a string",
            { ...ssh, insecureSkipHostKeyCheck: "yes" },
            invalid("target.insecureSkipHostKeyCheck: must be true or false"),
        ],
        ["a private key that is a number", { ...ssh, privateKey: 42 }, invalid("target.privateKey: must be a string")],
        ["a host that is a number", { ...ssh, host: 10 }, invalid("target.host: must be a string")],
        [
            "a host only known later (an output)",
            { ...ssh, host: pulumi.output("h") },
            invalid("target.host: must be known when the program runs (not an output or a secret)"),
        ],
        [
            "a codexHome only known later (a promise)",
            { kind: "local", codexHome: Promise.resolve("/c") },
            invalid("target.codexHome: must be known when the program runs (not an output or a secret)"),
        ],
        ["ssh without host and user", { kind: "ssh" }, invalid('target.host: required for kind "ssh"', 'target.user: required for kind "ssh"')],
        ["a proxy that is not an object", { ...ssh, proxy: "bastion" }, invalid("target.proxy: must be an object known when the program runs")],
        [
            "a proxy as an output",
            { ...ssh, proxy: pulumi.output({ host: "b", user: "j" }) },
            invalid("target.proxy: must be known when the program runs (not an output or a secret)"),
        ],
        ["a proxy without host and user", { ...ssh, proxy: { port: 22 } }, invalid("target.proxy.host: required", "target.proxy.user: required")],
        [
            "a proxy with a target's field",
            { ...ssh, proxy: { host: "b", user: "j", codexHome: "/c" } },
            invalid("target.proxy.codexHome: not a field of an SSH hop"),
        ],
        [
            "a proxy with a misspelled field",
            { ...ssh, proxy: { host: "b", usr: "j" } },
            invalid("target.proxy.usr: unknown field; did you mean user?", "target.proxy.user: required"),
        ],
        ["docker without a container", { kind: "docker", user: "vscode" }, invalid('target.container: required for kind "docker"')],
        ["podman without a container", { kind: "podman" }, invalid('target.container: required for kind "podman"')],
        ["exec with neither preset nor prefix", { kind: "exec" }, invalid('target: kind "exec" needs preset and container, or prefix')],
        ["exec with an unknown preset", { kind: "exec", preset: "lxc", container: "c" }, invalid('target.preset: must be "docker" or "podman", got "lxc"')],
        ["exec with a preset and no container", { kind: "exec", preset: "docker" }, invalid("target.container: required with a preset")],
        [
            "exec with a preset and a prefix",
            { kind: "exec", preset: "docker", container: "c", prefix: ["sh"] },
            invalid("target.prefix: not with a preset (one or the other)"),
        ],
        ["exec with a prefix and a user", { kind: "exec", prefix: ["sh", "-c"], user: "u" }, invalid("target.user: only with a preset (put -u in the prefix)")],
        ["an empty prefix", { kind: "exec", prefix: [] }, invalid("target.prefix: must be a non-empty list of strings")],
        ["a prefix with a number", { kind: "exec", prefix: ["kubectl", 1] }, invalid("target.prefix: must be a non-empty list of strings")],
    ])("%s", (_what, input, message) => {
        expect(refused(input)).toBe(message);
    });

    test("every problem at once, in field order, the proxy's after the target's", () => {
        expect(refused({ kind: "ssh", prot: 22, port: 0, agent: "", container: "c", proxy: { hots: "b", user: "j", port: -1 } })).toBe(
            invalid(
                "target.prot: unknown field; did you mean port?",
                "target.port: must be a whole number from 1 to 65535",
                'target.container: not a field of kind "ssh"',
                'target.host: required for kind "ssh"',
                'target.user: required for kind "ssh"',
                "target.proxy.hots: unknown field; did you mean host?",
                "target.proxy.port: must be a whole number from 1 to 65535",
                "target.proxy.host: required",
            ),
        );
    });

    test("null and undefined fields are absent, as a YAML program leaves them", () => {
        expect(refused({ kind: "local", codexHome: null, owner: undefined, host: null })).toBe("valid");
    });
});

describe("what a valid target becomes", () => {
    const value = <T>(o: pulumi.Input<T> | undefined) => new Promise<T>((resolve) => pulumi.output(o as pulumi.Input<T>).apply((v) => resolve(v as T)));
    const isSecret = (o: unknown) => (o as { isSecret: Promise<boolean> }).isSecret;

    test("local: its kind, codexHome and owner", () => {
        expect(validTarget(WHO, { kind: "local" })).toEqual({ kind: "local", codexHome: undefined, owner: undefined });
        expect(validTarget(WHO, { kind: "local", codexHome: "/c", owner: "ada" })).toEqual({ kind: "local", codexHome: "/c", owner: "ada" });
    });

    test("docker and podman: the exec preset of the same name; exec with a prefix keeps it", () => {
        expect(validTarget(WHO, { kind: "docker", container: "devbox" })).toEqual({
            kind: "exec",
            preset: "docker",
            container: "devbox",
            user: undefined,
            codexHome: undefined,
            owner: undefined,
        });
        expect(validTarget(WHO, { kind: "exec", preset: "podman", container: "devbox", user: "vscode" })).toEqual({
            kind: "exec",
            preset: "podman",
            container: "devbox",
            user: "vscode",
            codexHome: undefined,
            owner: undefined,
        });
        expect(validTarget(WHO, { kind: "exec", prefix: ["kubectl", "exec", "-i", "pod", "--"], codexHome: "/c" })).toEqual({
            kind: "exec",
            prefix: ["kubectl", "exec", "-i", "pod", "--"],
            codexHome: "/c",
            owner: undefined,
        });
    });

    test("ssh: the hop's fields; agent given as a socket path (0.2) becomes agentSocket", () => {
        const t = validTarget(WHO, { ...ssh, port: 2222, agent: "/run/agent.sock" as unknown as boolean } as TargetArgs);
        expect(t).toEqual({
            kind: "ssh",
            host: "10.0.0.5",
            port: 2222,
            user: "dev",
            agent: undefined,
            agentSocket: "/run/agent.sock",
            hostKey: "ssh-ed25519 AAAA",
            insecureSkipHostKeyCheck: undefined,
            codexHome: undefined,
            owner: undefined,
        });
    });

    test("ssh: a key and its passphrase become secrets, whatever was passed; the proxy's too", async () => {
        const t = validTarget(WHO, {
            ...ssh,
            privateKey: "KEY",
            privateKeyPassphrase: "PASS",
            proxy: { host: "b", user: "j", privateKey: pulumi.output("PKEY") },
        } as TargetArgs);
        if (t.kind !== "ssh") throw new Error(`an ssh target became ${t.kind}`);
        expect(await Promise.all([isSecret(t.privateKey), isSecret(t.privateKeyPassphrase), isSecret(t.proxy!.privateKey)])).toEqual([true, true, true]);
        expect(await Promise.all([value(t.privateKey), value(t.privateKeyPassphrase), value(t.proxy!.privateKey)])).toEqual(["KEY", "PASS", "PKEY"]);
        expect({ ...t.proxy, privateKey: "[secret]" }).toEqual({
            host: "b",
            port: undefined,
            user: "j",
            agent: undefined,
            agentSocket: undefined,
            hostKey: undefined,
            insecureSkipHostKeyCheck: undefined,
            privateKey: "[secret]",
        });
    });
});

describe("checkTarget: SSH fails closed without a pinned host key", () => {
    const unverified = "(or set insecureSkipHostKeyCheck: true to connect unverified)";
    const thrown = (input: TargetArgs) => {
        try {
            checkTarget(validTarget(WHO, input));
            return "accepted";
        } catch (e) {
            return (e as Error).message;
        }
    };

    test("the host without one, then its bastion without one: each named, with the ssh-keyscan line", () => {
        expect(thrown({ kind: "ssh", host: "10.0.0.5", port: 2222, user: "dev" })).toBe(
            `ssh dev@10.0.0.5:2222: hostKey: required (SSH fails closed without a pinned host key); get it with: ssh-keyscan -t ed25519 -p 2222 10.0.0.5 | cut -d' ' -f2-   ${unverified}`,
        );
        expect(thrown({ ...ssh, proxy: { host: "bastion", user: "j" } } as TargetArgs)).toBe(
            `ssh dev@10.0.0.5:22 via bastion (bastion bastion): hostKey: required (SSH fails closed without a pinned host key); get it with: ssh-keyscan -t ed25519 bastion | cut -d' ' -f2-   ${unverified}`,
        );
    });

    test("accepted: pinned keys, or insecureSkipHostKeyCheck on each hop that has none; other kinds have no key to check", () => {
        expect(thrown(ssh as TargetArgs)).toBe("accepted");
        expect(
            thrown({ kind: "ssh", host: "h", user: "u", insecureSkipHostKeyCheck: true, proxy: { host: "b", user: "j", insecureSkipHostKeyCheck: true } }),
        ).toBe("accepted");
        expect(thrown({ kind: "local" })).toBe("accepted");
    });
});
