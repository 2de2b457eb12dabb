// The fleet program's edge: the stack config's inventory and knownHosts read from real files, paths
// relative to the project directory, group_vars/ and host_vars/ found on disk beside the inventory.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fleetTargets } from "../../components/inventory";
import { StackConfig, validateStackConfig } from "../../components/stack-config";
import type { TargetConfig } from "../../components/inventory/target-config";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
let project: string;
const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
    fs.writeFileSync(path.join(project, rel), text);
};
const fleet = (a: { configured?: TargetConfig[]; inventory?: string; knownHosts?: string }) =>
    fleetTargets({ configured: [], projectDir: project, home: "/home/ada", ...a });

beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "inventory-files-"));
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

test("an INI inventory with group_vars/ and host_vars/ on disk, and a known_hosts file, both relative to the project", () => {
    write("inventory/hosts", "[web]\nweb1 ansible_host=127.0.0.1\n[db]\ndb1\n");
    write("inventory/group_vars/web.yml", "ansible_port: 2201\nansible_user: dev\nansible_ssh_private_key_file: keys/web\n");
    write("inventory/host_vars/db1/main.yml", "ansible_host: 127.0.0.1\nansible_port: 2202\nansible_user: db\ncodex_connect_agent: true\n");
    write("known_hosts", `[127.0.0.1]:2201 ${KEY}\n`);
    const f = fleet({ inventory: "inventory/hosts", knownHosts: "known_hosts" });
    expect(f.problems).toEqual([]);
    expect(f.targets).toEqual([
        { name: "web1", kind: "ssh", host: "127.0.0.1", port: 2201, user: "dev", privateKeyPath: path.join(project, "inventory", "keys", "web"), hostKey: KEY },
        { name: "db1", kind: "ssh", host: "127.0.0.1", port: 2202, user: "db", agent: true },
    ]);
    const stack: StackConfig = {
        targets: f.targets,
        knownHosts: f.knownHosts,
        auth: "oauth",
        hasPat: false,
        serverName: "connectai",
        url: "https://mcp.cloud.cdata.com/mcp",
        startupTimeoutSec: 30,
        codexVersion: "0.169.0",
        uninstallCodexOnDestroy: false,
    };
    // db1 has no key in the file: refused at its line, with the command that adds one there.
    expect(validateStackConfig(stack, false, f.places)).toEqual([
        "inventory/hosts:4: host db1: codex_connect_host_key: required (SSH fails closed without a pinned host key); none for [127.0.0.1]:2202 in known_hosts either; add it with: ssh-keyscan -t ed25519 -p 2202 127.0.0.1 >> known_hosts   (or set codex_connect_insecure_skip_host_key_check: true to connect unverified)",
    ]);
});

test("the stack config's targets get their host keys from known_hosts too; with neither set, this machine", () => {
    write("kh", `web1 ${KEY}\n`);
    expect(fleet({ configured: [{ name: "w", kind: "ssh", host: "web1", user: "u" }], knownHosts: path.join(project, "kh") }).targets).toEqual([
        { name: "w", kind: "ssh", host: "web1", user: "u", hostKey: KEY },
    ]);
    expect(fleet({})).toEqual({
        targets: [{ name: "local", kind: "local" }],
        selected: [{ name: "local", kind: "local" }],
        fleet: "targets",
        shard: undefined,
        places: undefined,
        knownHosts: undefined,
        problems: [],
    });
});

test("targets and an inventory together, a file that is not there, a bad known_hosts line: refused, naming them", () => {
    write("fleet.yaml", "hosts:\n  a: { kind: local }\n");
    write("kh", "web1 ssh-ed25519\n");
    expect(fleet({ configured: [{ name: "x", kind: "local" }], inventory: "fleet.yaml" }).problems).toEqual([
        "inventory: set together with targets; the fleet comes from one of them (pulumi config rm targets, or pulumi config rm inventory)",
    ]);
    expect(fleet({ inventory: "missing.ini" }).problems).toEqual([
        expect.stringMatching(/^inventory: cannot read missing\.ini: ENOENT.*\(the path is relative to the project directory, or absolute\)$/),
    ]);
    expect(fleet({ inventory: "fleet.yaml", knownHosts: "kh" }).problems).toEqual(["kh:1: expected: [marker] hostnames keytype base64-key [comment]"]);
    expect(fleet({ inventory: "fleet.yaml", knownHosts: "nope" }).problems).toEqual([expect.stringMatching(/^knownHosts: cannot read nope: ENOENT/)]);
});
