// This tool's own inventory format (docs/inventory.md): the example file, the precedence of
// defaults, groups and hosts, and every kind of mistake refused by file, line, column and host.
import * as fs from "fs";
import * as path from "path";
import { parseInventory, syntaxOf } from "../../components/inventory/formats";
import { inventoryPlaces, InventorySource } from "../../components/inventory/types";
import { StackConfig, validateStackConfig } from "../../components/stack-config";

const root = path.join(__dirname, "..", "..");
const src = (text: string): InventorySource => ({ file: "fleet.yaml", text, dir: "/p/inv", varsFiles: [], home: "/home/ada" });
const targetsOf = (text: string) => {
    const inv = parseInventory(src(text));
    expect(inv.problems).toEqual([]);
    return inv.targets.map((t) => t.target);
};
const problemsOf = (text: string) => parseInventory(src(text)).problems;

test("the example file: defaults, a group's defaults, each host's own fields, and the kinds' defaults", () => {
    const text = fs.readFileSync(path.join(root, "examples", "inventory", "fleet.yaml"), "utf8");
    const inv = parseInventory({ ...src(text), dir: path.join(root, "examples", "inventory") });
    expect(inv.format).toBe("codex-connect");
    expect(inv.problems).toEqual([]);
    const key = "/home/ada/.ssh/id_ed25519";
    const proxy = { host: "bastion.example.com", user: "jump", privateKeyPath: key };
    expect(inv.targets.map((t) => t.target)).toEqual([
        { name: "web1", kind: "ssh", host: "10.0.0.5", port: 2222, user: "dev", privateKeyPath: key, proxy },
        { name: "web2", kind: "ssh", host: "10.0.0.6", port: 2222, user: "dev", privateKeyPath: key, proxy, codexHome: "/srv/codex" },
        // The file's ssh defaults mean nothing to a container or this machine: not inherited.
        { name: "devbox", kind: "docker", container: "devbox", user: "vscode" },
        { name: "build.example.com", kind: "ssh", host: "build.example.com", user: "dev", privateKeyPath: key, uninstallCodexOnDestroy: true },
        { name: "laptop", kind: "local" },
    ]);
    // The same file as JSON reads the same.
    const json = JSON.stringify(require("js-yaml").load(text));
    expect(syntaxOf(json)).toBe("yaml");
    expect(parseInventory({ ...src(json), dir: path.join(root, "examples", "inventory") }).targets.map((t) => t.target)).toEqual(
        inv.targets.map((t) => t.target),
    );
});

test("precedence: a host's field over its group's default over the file's; a proxy replaced as a whole", () => {
    const targets = targetsOf(`
defaults: { user: a, port: 1, proxy: { host: b1, user: j1, port: 2201 } }
groups:
  g:
    defaults: { user: b, proxy: { host: b2, user: j2 } }
    hosts:
      h1: { user: c }
      h2:
hosts:
  h3: { port: 3 }
`);
    expect(targets).toEqual([
        { name: "h1", kind: "ssh", host: "h1", user: "c", port: 1, proxy: { host: "b2", user: "j2" } },
        { name: "h2", kind: "ssh", host: "h2", user: "b", port: 1, proxy: { host: "b2", user: "j2" } },
        { name: "h3", kind: "ssh", host: "h3", user: "a", port: 3, proxy: { host: "b1", user: "j1", port: 2201 } },
    ]);
});

test("a host's name in the stack (name:), key paths (~/ and relative to the inventory's directory), kinds other than ssh", () => {
    expect(
        targetsOf(
            `hosts:\n  web1.example.com: { name: web1, user: u, privateKeyPath: keys/web, proxy: { host: b, user: j, privateKeyPath: ~/b.key } }\n  pod: { kind: exec, prefix: [kubectl, exec, -i, pod, --] }\n`,
        ),
    ).toEqual([
        {
            name: "web1",
            kind: "ssh",
            host: "web1.example.com",
            user: "u",
            privateKeyPath: "/p/inv/keys/web",
            proxy: { host: "b", user: "j", privateKeyPath: "/home/ada/b.key" },
        },
        { name: "pod", kind: "exec", prefix: ["kubectl", "exec", "-i", "pod", "--"] },
    ]);
});

test("unknown keys and fields anywhere: refused by line and column with the closest known name", () => {
    expect(
        problemsOf(`defualts: {}
defaults: { prot: 22 }
groups:
  web:
    defautls: {}
    defaults: { usr: dev }
    hosts:
      web1: { hots: 10.0.0.5, proxy: { host: b, user: j, hostkey: x } }
hosts:
  db1: { codex_home: /c, zzz: 1 }
`),
    ).toEqual([
        "fleet.yaml:1:1: defualts: unknown key; did you mean defaults?",
        "fleet.yaml:2:13: defaults.prot: unknown field; did you mean port?",
        "fleet.yaml:5:5: groups.web.defautls: unknown key; did you mean defaults?",
        "fleet.yaml:6:17: groups.web.defaults.usr: unknown field; did you mean user?",
        "fleet.yaml:8:15: host web1: hots: unknown field; did you mean host?",
        "fleet.yaml:8:58: host web1: proxy.hostkey: unknown field; did you mean hostKey?",
        "fleet.yaml:10:10: host db1: codex_home: unknown field; did you mean codexHome?",
        expect.stringMatching(/^fleet\.yaml:10:26: host db1: zzz: unknown field; the known fields are name, kind, host, port, /),
    ]);
});

test("values of the wrong kind, a name among defaults, a field the kind does not take, a host listed twice", () => {
    expect(
        problemsOf(`defaults: { name: x, port: "22" }
groups:
  a:
    hosts:
      h1: { agent: "yes", prefix: kubectl }
      h2: { kind: vm }
  b:
    hosts:
      h1: {}
hosts:
  c1: { kind: docker, container: c, port: 22 }
  p: { proxy: b1 }
`),
    ).toEqual([
        "fleet.yaml:1:13: defaults.name: each host's own (its key under hosts, unless it sets name), not a default",
        'fleet.yaml:1:22: defaults.port: must be a port, 1-65535, got "22"',
        'fleet.yaml:5:13: host h1: agent: must be true or false, got "yes"',
        'fleet.yaml:5:27: host h1: prefix: must be a non-empty list of strings such as ["kubectl", "exec", "-i", "pod", "--"], got "kubectl"',
        'fleet.yaml:6:13: host h2: kind: must be one of local, ssh, docker, podman, exec, got "vm"',
        "fleet.yaml:9:7: host h1: also defined at fleet.yaml:5; a host is listed once (its group's defaults are the ones it gets)",
        "fleet.yaml:11:37: host c1: port: not a field of kind docker (it takes codexHome, owner, uninstallCodexOnDestroy, takeOver, container, user)",
        'fleet.yaml:12:8: host p: proxy: must be a mapping, got "b1"',
    ]);
});

test("a bastion's field of the wrong kind: refused at its own line and column, the bastion's other fields kept", () => {
    const inv = parseInventory(src('hosts:\n  h: { proxy: { host: b, user: j, port: "22", agent: 1 } }\n'));
    expect(inv.problems).toEqual([
        'fleet.yaml:2:35: host h: proxy.port: must be a port, 1-65535, got "22"',
        "fleet.yaml:2:47: host h: proxy.agent: must be true or false, got 1",
    ]);
    expect(inv.targets.map((t) => t.target)).toEqual([{ name: "h", kind: "ssh", host: "h", proxy: { host: "b", user: "j" } }]);
});

test("a file that is no inventory: YAML that does not parse (line and column), a duplicate key, a list, nothing", () => {
    expect(problemsOf("hosts:\n  web1: { host: 10.0.0.5\n  web2: {}\n")).toEqual([expect.stringMatching(/^fleet\.yaml:3:3: not valid YAML: /)]);
    expect(problemsOf("hosts:\n  web1: {}\n  web1: {}\n")).toEqual(["fleet.yaml:3:3: not valid YAML: duplicated mapping key"]);
    expect(problemsOf("- web1\n- web2\n")).toEqual([expect.stringMatching(/^fleet\.yaml:1: must be a mapping .*got a list/)]);
    expect(problemsOf("# nothing yet\n")).toEqual(["fleet.yaml:1: no hosts: the file is empty"]);
    expect(problemsOf("hosts: {}\n")).toEqual(["fleet.yaml:1: no hosts: the inventory lists none (under hosts:, or a group's hosts:)"]);
    expect(problemsOf("groups: [web]\n")).toEqual(["fleet.yaml:1:1: groups: must be a mapping, got a list"]);
    expect(problemsOf("hosts:\n  web1: {}\n---\nhosts:\n  web2: {}\n")).toEqual([
        "fleet.yaml:3:1: not valid YAML: the file holds more than one YAML document (one is read)",
    ]);
    expect(problemsOf("---\nhosts: {}\n---\nhosts: {}\n")).toEqual([
        "fleet.yaml:3:1: not valid YAML: the file holds more than one YAML document (one is read)",
    ]);
});

describe("the stack's checks, naming the inventory's file, line and host", () => {
    const stack: StackConfig = {
        targets: [],
        auth: "oauth",
        hasPat: false,
        serverName: "connectai",
        url: "https://mcp.cloud.cdata.com/mcp",
        startupTimeoutSec: 30,
        codexVersion: "0.169.0",
        uninstallCodexOnDestroy: false,
    };
    const check = (text: string, knownHosts?: string) => {
        const inv = parseInventory(src(text));
        expect(inv.problems).toEqual([]);
        return validateStackConfig({ ...stack, targets: inv.targets.map((t) => t.target), knownHosts }, false, inventoryPlaces(inv.targets));
    };

    test("a missing field at the host's line, a bad value at the line it is written on, even in a group's defaults", () => {
        expect(
            check("groups:\n  g:\n    defaults: { codexHome: relative }\n    hosts:\n      web1: { privateKeyPath: /k, hostKey: ssh-ed25519 AAAA }\n"),
        ).toEqual(["fleet.yaml:5:7: host web1: user: required for ssh", "fleet.yaml:3:17: host web1: codexHome: must be an absolute path"]);
    });

    test("no host key: the ssh-keyscan line, and the known_hosts file it is not in", () => {
        expect(check("hosts:\n  web1: { host: 10.0.0.5, port: 2222, user: u, agent: true }\n", "keys/known_hosts")).toEqual([
            "fleet.yaml:2:3: host web1: hostKey: required (SSH fails closed without a pinned host key); none for [10.0.0.5]:2222 in keys/known_hosts either; add it with: ssh-keyscan -t ed25519 -p 2222 10.0.0.5 >> keys/known_hosts   (or set insecureSkipHostKeyCheck: true to connect unverified)",
        ]);
    });

    test("two hosts that are one target", () => {
        expect(check("defaults: { kind: local }\nhosts:\n  a:\n  b:\n")).toEqual(["fleet.yaml:4:3: host b: the same target as a (local ~/.codex)"]);
    });
});

test("docs/inventory.md shows examples/inventory/fleet.yaml as it is", () => {
    const doc = fs.readFileSync(path.join(root, "docs", "inventory.md"), "utf8");
    const block = /<!-- examples\/inventory\/fleet\.yaml[^>]*-->\n```yaml\n([\s\S]*?)```/.exec(doc);
    expect(block?.[1]).toBe(fs.readFileSync(path.join(root, "examples", "inventory", "fleet.yaml"), "utf8"));
});
