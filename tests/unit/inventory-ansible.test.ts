// Ansible inventories as they are, INI and YAML, with group_vars/ and host_vars/: the connection
// variables and this tool's codex_connect_* ones become targets, merged in Ansible's order of
// precedence; every mistake is refused by file, line and host.
import * as fs from "fs";
import * as path from "path";
import { parseInventory } from "../../components/inventory/formats";
import { inventoryPlaces, InventorySource, VarsFile } from "../../components/inventory/types";
import { validateStackConfig } from "../../components/stack-config";

const root = path.join(__dirname, "..", "..");
/** An inventory at inv/hosts with vars files given as {"group_vars/web.yml": "..."} (directories implied). */
const src = (text: string, files: Record<string, string> = {}): InventorySource => {
    const varsFiles: VarsFile[] = [];
    const dirs = new Set<string>();
    for (const [p, t] of Object.entries(files)) {
        for (let d = path.posix.dirname(p); d !== "."; d = path.posix.dirname(d)) dirs.add(d);
        varsFiles.push({ path: p, text: t });
    }
    for (const d of dirs) varsFiles.push({ path: d });
    return { file: "inv/hosts", text, dir: "/p/inv", varsFiles, home: "/home/ada" };
};
const read = (text: string, files?: Record<string, string>) => parseInventory(src(text, files));
const targetsOf = (text: string, files?: Record<string, string>) => {
    const inv = read(text, files);
    expect(inv.problems).toEqual([]);
    return inv.targets.map((t) => t.target);
};
const problemsOf = (text: string, files?: Record<string, string>) => read(text, files).problems;

describe("INI", () => {
    test("the example inventory: groups, children, [group:vars], a range, group_vars/ and host_vars/, a local host", () => {
        const dir = path.join(root, "examples", "inventory", "ansible");
        const files: Record<string, string> = {};
        for (const sub of ["group_vars", "host_vars"])
            for (const f of fs.readdirSync(path.join(dir, sub))) files[`${sub}/${f}`] = fs.readFileSync(path.join(dir, sub, f), "utf8");
        const inv = parseInventory({ ...src(fs.readFileSync(path.join(dir, "hosts.ini"), "utf8"), files), dir });
        expect(inv.format).toBe("ansible-ini");
        expect(inv.problems).toEqual([]);
        const key = "/home/ada/.ssh/id_ed25519";
        const proxy = { host: "bastion.example.com", user: "jump", privateKeyPath: key };
        expect(inv.targets.map((t) => t.target)).toEqual([
            { name: "web1.example.com", kind: "ssh", host: "web1.example.com", port: 2222, user: "dev", privateKeyPath: key, proxy, takeOver: true },
            { name: "web2.example.com", kind: "ssh", host: "web2.example.com", port: 2222, user: "dev", privateKeyPath: key, proxy, takeOver: true },
            { name: "db1", kind: "ssh", host: "10.0.1.9", user: "postgres", privateKeyPath: key, proxy, uninstallCodexOnDestroy: true },
            { name: "laptop", kind: "local", codexHome: "/home/ada/.codex" },
        ]);
        // Each value remembers its line: the port is group_vars/web.yml's first.
        expect(inv.targets[0].from.port).toEqual({ file: "inv/group_vars/web.yml", line: 1, column: 1 });
        expect(inv.targets[0].spelled.port).toBe("ansible_port");
    });

    test("hosts before any section are ungrouped; host:port; quoted values; Python literals; legacy ansible_ssh_* names win", () => {
        expect(
            targetsOf(`alpha:2200 ansible_user=dev
beta ansible_host="10.0.0.7" ansible_ssh_host=10.0.0.8 ansible_user='dev' ansible_ssh_user=ops ansible_port='2201' codex_connect_agent=True
[g]
gamma ansible_user=dev ansible_ssh_private_key_file=keys/g codex_connect_take_over=yes codex_connect_host_key="ssh-ed25519 AAAA"
`),
        ).toEqual([
            { name: "alpha", kind: "ssh", host: "alpha", port: 2200, user: "dev" },
            { name: "beta", kind: "ssh", host: "10.0.0.8", port: 2201, user: "ops", agent: true },
            { name: "gamma", kind: "ssh", host: "gamma", user: "dev", privateKeyPath: "/p/inv/keys/g", hostKey: "ssh-ed25519 AAAA", takeOver: true },
        ]);
    });

    test("ansible_connection: local, docker (the container is ansible_host), podman; codex_connect_kind for exec", () => {
        expect(
            targetsOf(`here ansible_connection=local ansible_user=ignored
dev1 ansible_connection=docker ansible_host=devbox ansible_user=vscode
dev2 ansible_connection=containers.podman.podman
pod codex_connect_kind=exec codex_connect_prefix="['kubectl', 'exec', '-i', 'pod', '--']"
`),
        ).toEqual([
            { name: "here", kind: "local" },
            { name: "dev1", kind: "docker", container: "devbox", user: "vscode" },
            { name: "dev2", kind: "podman", container: "dev2" },
            { name: "pod", kind: "exec", prefix: ["kubectl", "exec", "-i", "pod", "--"] },
        ]);
    });

    test("a ProxyJump in ansible_ssh_common_args or extra_args; the bastion's own key and host key; codex_connect_proxy_jump wins", () => {
        expect(
            targetsOf(`[web]
a ansible_ssh_common_args="-J jump@b.example.com:2200"
b ansible_ssh_extra_args="-o ProxyJump=j2@b2" codex_connect_proxy_private_key_file=~/b2.key codex_connect_proxy_host_key="ssh-ed25519 BBBB"
c ansible_ssh_common_args="-o ProxyJump=x@y" codex_connect_proxy_jump=none
[web:vars]
ansible_user=dev
ansible_ssh_private_key_file=/k
`),
        ).toEqual([
            {
                name: "a",
                kind: "ssh",
                host: "a",
                user: "dev",
                privateKeyPath: "/k",
                proxy: { host: "b.example.com", port: 2200, user: "jump", privateKeyPath: "/k" },
            },
            {
                name: "b",
                kind: "ssh",
                host: "b",
                user: "dev",
                privateKeyPath: "/k",
                proxy: { host: "b2", user: "j2", privateKeyPath: "/home/ada/b2.key", hostKey: "ssh-ed25519 BBBB" },
            },
            { name: "c", kind: "ssh", host: "c", user: "dev", privateKeyPath: "/k" },
        ]);
    });

    test("the bastion's own agent without a key of its own: it does not log in with the host's key", () => {
        expect(targetsOf('a ansible_ssh_common_args="-J j@b" codex_connect_proxy_agent=true ansible_ssh_private_key_file=/k\n')).toEqual([
            { name: "a", kind: "ssh", host: "a", privateKeyPath: "/k", proxy: { host: "b", user: "j", agent: true } },
        ]);
    });

    test("other playbooks' variables are left alone, ansible_* ones this tool does not read too; codex_connect_skip leaves a host out", () => {
        expect(
            targetsOf(
                "[web]\nw1 http_port=80 ansible_become=true ansible_python_interpreter=/usr/bin/python3\nwin ansible_connection=winrm codex_connect_skip=true\n",
            ),
        ).toEqual([{ name: "w1", kind: "ssh", host: "w1" }]);
    });

    test("malformed lines: each refused by file and line (and column), parsing going on", () => {
        expect(
            problemsOf(`[web]
web1 ansible_port
web2 ansible_user='dev
web3:
---
[web:vars]
just a line
[web:hosts]
[web:nodes]
ignored under a bad section
[bad group]
[servers:children]
web
db
[orphan:vars]
x=1
`),
        ).toEqual([
            'inv/hosts:2:6: host web1: expected key=value after the host, got "ansible_port"',
            "inv/hosts:3: cannot split the host line: no closing quotation",
            "inv/hosts:4:1: host pattern web3: ends in ':' without a port",
            "inv/hosts:5: '---' starts a YAML document, not an INI host line (a YAML inventory starts with a group, such as all:)",
            'inv/hosts:7: expected key=value in [web:vars], got "just a line"',
            "inv/hosts:9: section [web:nodes] has an unknown type nodes (the types are hosts, vars, children)",
            "inv/hosts:11: invalid section [bad group]: a section is [group], [group:vars] or [group:children], with no spaces",
            "inv/hosts:14: [servers:children] names db, a group defined nowhere: a [db] or [db:children] section defines it",
            "inv/hosts:15: [orphan:vars] is for a group defined nowhere: a [orphan] or [orphan:children] section defines it",
        ]);
    });

    test("a line in [group:children] that is no group name; a token without key=value that is not in the line as written", () => {
        // shlex takes the quotes off "x"y: the token xy is nowhere in the line, so the problem has no column.
        expect(problemsOf('[g:children]\na b\n[g]\nh "x"y\n')).toEqual([
            'inv/hosts:2: expected a group name in [g:children], got "a b"',
            'inv/hosts:4: host h: expected key=value after the host, got "xy"',
        ]);
    });

    test("a group that would contain itself", () => {
        expect(problemsOf("[a:children]\nb\n[b:children]\na\n[a]\nh\n")).toEqual([
            "inv/hosts:4: group a is already an ancestor of b: making it b's child would be a loop",
        ]);
    });
});

describe("this tool's variables: an unknown codex_connect_* one is refused wherever it is, with the closest name", () => {
    test("inline, in [group:vars], in group_vars/ and host_vars/; one a letter away from the prefix too", () => {
        expect(
            problemsOf("[web]\nweb1 codex_connect_ownr=dev\nweb2\n[web:vars]\ncodex_connect_takeover=true\n", {
                "group_vars/web.yml": "http_port: 80\ncodex_connect_codexhome: /c\n",
                "host_vars/web2.yml": "codex_conect_owner: dev\ncodex_connect_zzz: 1\n",
            }),
        ).toEqual([
            "inv/hosts:5:1: hosts web1, web2: codex_connect_takeover: unknown variable; did you mean codex_connect_take_over?",
            "inv/group_vars/web.yml:2:1: hosts web1, web2: codex_connect_codexhome: unknown variable; did you mean codex_connect_codex_home?",
            "inv/hosts:2:6: host web1: codex_connect_ownr: unknown variable; did you mean codex_connect_owner?",
            "inv/host_vars/web2.yml:1:1: host web2: codex_conect_owner: unknown variable; did you mean codex_connect_owner?",
            expect.stringMatching(
                /^inv\/host_vars\/web2\.yml:2:1: host web2: codex_connect_zzz: unknown variable; the known variables are codex_connect_skip, codex_connect_name, /,
            ),
        ]);
    });

    test("a value of the wrong kind, at the line it is written on; a group's, for each of its hosts in one line", () => {
        expect(problemsOf("[web]\nw[1:5]\n[web:vars]\nansible_port=http\ncodex_connect_take_over=maybe\n")).toEqual([
            'inv/hosts:4:1: hosts w1, w2, w3 and 2 more: ansible_port: must be a port, 1-65535, got "http"',
            'inv/hosts:5:1: hosts w1, w2, w3 and 2 more: codex_connect_take_over: must be true or false, got "maybe"',
        ]);
    });

    test("what Ansible would template or decrypt is refused, not read as text; a connection this tool has no kind for", () => {
        expect(
            problemsOf("[web]\nw1 ansible_host='{{ inventory_hostname }}.example.com'\nw2\nwin ansible_connection=winrm\n[db]\nd1\n", {
                "host_vars/w2.yml": "ansible_user: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3338\n",
                "group_vars/db.yml": "$ANSIBLE_VAULT;1.1;AES256\n6162\n",
            }),
        ).toEqual([
            'inv/hosts:2:4: host w1: ansible_host: is a Jinja template ("{{ inventory_hostname }}.example.com"); values are read as written, without templating',
            "inv/host_vars/w2.yml:1:1: host w2: ansible_user: is encrypted with Ansible Vault; a connection setting is read as written (decrypt it, or set it in the stack config)",
            expect.stringMatching(
                /^inv\/hosts:4:5: host win: ansible_connection: winrm is not a connection this tool has \(ssh, local, docker, podman\); set codex_connect_kind .*codex_connect_skip: true/,
            ),
            "inv/group_vars/db.yml:1: is encrypted with ansible-vault; this tool reads connection settings as written (keep secrets in a file of their own, or in the stack config)",
        ]);
    });

    test("a connection named like a property every object has is no connection either", () => {
        expect(problemsOf("[web]\nw1 ansible_connection=toString\nw2 ansible_connection=constructor\n")).toEqual([
            expect.stringMatching(/^inv\/hosts:2:4: host w1: ansible_connection: toString is not a connection this tool has \(ssh, local, docker, podman\)/),
            expect.stringMatching(/^inv\/hosts:3:4: host w2: ansible_connection: constructor is not a connection this tool has/),
        ]);
    });

    test("ProxyCommand and a chain of jumps are refused, naming the variable", () => {
        expect(problemsOf("a ansible_ssh_common_args=\"-o ProxyCommand='ssh -W %h:%p b'\"\nb ansible_ssh_common_args='-J x@p,y@q'\n")).toEqual([
            expect.stringMatching(/^inv\/hosts:1:3: host a: ansible_ssh_common_args: ProxyCommand is not supported/),
            "inv/hosts:2:3: host b: ansible_ssh_common_args: ProxyJump x@p,y@q: one bastion only (a chain of jumps is not supported)",
        ]);
    });
    test("common args without a ProxyJump name no bastion (the extra args' is the one); common args Ansible would template are refused", () => {
        const inv = read(
            "a ansible_ssh_common_args='-o StrictHostKeyChecking=no' ansible_ssh_extra_args='-J j@b'\nb ansible_ssh_common_args='{{ jump_args }}'\n",
        );
        expect(inv.problems).toEqual([
            'inv/hosts:2:3: host b: ansible_ssh_common_args: is a Jinja template ("{{ jump_args }}"); values are read as written, without templating',
        ]);
        expect(inv.targets.map((t) => t.target)).toEqual([{ name: "a", kind: "ssh", host: "a", proxy: { host: "b", user: "j" } }]);
        expect(inv.targets[0].from.proxy).toEqual({ file: "inv/hosts", line: 1, column: 57 });
        expect(inv.targets[0].spelled.proxy).toBe("ansible_ssh_extra_args");
    });
});

describe("precedence, as Ansible merges a host's variables", () => {
    const user = (text: string, files?: Record<string, string>, host = "h") => targetsOf(text, files).find((t) => t.name === host)?.user;

    test("a host in two groups as deep: the later name wins; ansible_group_priority overrides the name", () => {
        expect(user("[b]\nh\n[a]\nh\n[a:vars]\nansible_user=from_a\n[b:vars]\nansible_user=from_b\n")).toBe("from_b");
        expect(user("[b]\nh\n[a]\nh\n[a:vars]\nansible_user=from_a\nansible_group_priority=5\n[b:vars]\nansible_user=from_b\n")).toBe("from_a");
    });

    test("a child group's variables win over its parent's, whatever the names; depth is the longest path from all", () => {
        expect(user("[zparent:children]\nachild\n[achild]\nh\n[zparent:vars]\nansible_user=parent\n[achild:vars]\nansible_user=child\n")).toBe("child");
        // m is under all and under k (k under all): two deep, so it wins over z, one deep.
        expect(user("[k:children]\nm\n[m]\nh\n[z]\nh\n[m:vars]\nansible_user=m\n[z:vars]\nansible_user=z\n")).toBe("m");
    });

    test("inventory file < group_vars/all < group_vars/<group> < the host's line < host_vars/", () => {
        const text = "[web]\nh ansible_port=2201\n[web:vars]\nansible_user=ini_web\n[all:vars]\nansible_user=ini_all\n";
        expect(user(text)).toBe("ini_web");
        // group_vars/all wins over the inventory file's group variables, even a child group's.
        expect(user(text, { "group_vars/all.yml": "ansible_user: gv_all\n" })).toBe("gv_all");
        expect(user(text, { "group_vars/all.yml": "ansible_user: gv_all\n", "group_vars/web.yml": "ansible_user: gv_web\n" })).toBe("gv_web");
        expect(user("[web]\nh ansible_user=line\n", { "group_vars/web.yml": "ansible_user: gv_web\n" })).toBe("line");
        expect(user("[web]\nh ansible_user=line\n", { "host_vars/h.yml": "ansible_user: hv\n" })).toBe("hv");
    });

    test("a host listed twice: the later line's variables win, both lines' groups are its groups", () => {
        const t = targetsOf("[a]\nh ansible_user=first ansible_port=2201\n[b]\nh ansible_user=second\n[b:vars]\ncodex_connect_take_over=true\n");
        expect(t).toEqual([{ name: "h", kind: "ssh", host: "h", user: "second", port: 2201, takeOver: true }]);
    });

    test("vars files as Ansible finds them: NAME, else NAME.yml, .yaml, .json; a directory NAME's files in order, hidden and backup ones left out", () => {
        const text = "[web]\nh\n";
        expect(user(text, { "group_vars/web.yaml": "ansible_user: yaml\n", "group_vars/web.json": '{"ansible_user": "json"}' })).toBe("yaml");
        expect(user(text, { "group_vars/web.json": '{"ansible_user": "json"}' })).toBe("json");
        expect(user(text, { "group_vars/web": "ansible_user: bare\n", "group_vars/web.yml": "ansible_user: yml\n" })).toBe("bare");
        const dir = {
            "group_vars/web/10-base.yml": "ansible_user: base\n",
            "group_vars/web/20-more.yml": "ansible_user: more\n",
            "group_vars/web/30.yml~": "ansible_user: backup\n",
            "group_vars/web/.40.yml": "ansible_user: hidden\n",
            "group_vars/web/50.txt": "ansible_user: txt\n",
        };
        expect(user(text, dir)).toBe("more");
        // The directory is found first, and the file beside it is not read.
        expect(user(text, { ...dir, "group_vars/web.yml": "ansible_user: file\n" })).toBe("more");
        // A group_vars file for a group this inventory does not have is not this inventory's business.
        expect(user(text, { "group_vars/other.yml": "ansible_user: other\ncodex_connect_zzz: 1\n" })).toBeUndefined();
    });

    test("a vars file that is not YAML, or not a mapping: refused once, by file and line", () => {
        expect(problemsOf("[web]\nh1\nh2\n", { "group_vars/web.yml": "ansible_user: [dev\n" })).toEqual([
            expect.stringMatching(/^inv\/group_vars\/web\.yml:2:1: not valid YAML: /),
        ]);
        expect(problemsOf("[web]\nh1\n", { "host_vars/h1.yml": "- a\n" })).toEqual(["inv/host_vars/h1.yml:1: must be a mapping of variables, got a list"]);
    });
});

describe("YAML", () => {
    test("the same inventory as INI, in Ansible's YAML: the same targets", () => {
        const ini =
            "[web]\nweb[1:2] ansible_user=dev\n[web:vars]\nansible_port=2222\n[db]\ndb1 ansible_host=10.0.1.9\n[servers:children]\nweb\ndb\n[servers:vars]\ncodex_connect_take_over=true\n";
        const yaml = `all:
  children:
    servers:
      vars: { codex_connect_take_over: true }
      children:
        web:
          vars: { ansible_port: 2222 }
          hosts:
            web[1:2]: { ansible_user: dev }
        db:
          hosts:
            db1: { ansible_host: 10.0.1.9 }
`;
        const inv = read(yaml);
        expect(inv.format).toBe("ansible-yaml");
        expect(inv.problems).toEqual([]);
        expect(inv.targets.map((t) => t.target)).toEqual(targetsOf(ini));
        expect(inv.targets.find((t) => t.host === "db1")!.from.host).toEqual({ file: "inv/hosts", line: 12, column: 20 });
    });

    test("a host under all only, a lone host as a string, a host in two groups (the later name wins), all's vars lowest", () => {
        expect(
            targetsOf(`all:
  vars: { ansible_user: everyone }
  hosts:
    solo:
  children:
    b:
      hosts: h
      vars: { ansible_user: b }
    a:
      hosts: { h: }
      vars: { ansible_user: a }
`),
        ).toEqual([
            { name: "solo", kind: "ssh", host: "solo", user: "everyone" },
            { name: "h", kind: "ssh", host: "h", user: "b" },
        ]);
    });

    test("keys Ansible would skip with a warning are refused, with the closest name; a plugin's configuration is no inventory", () => {
        expect(problemsOf("all:\n  host:\n    h1:\n  children:\n    web:\n      var: { a: 1 }\n    db: [d1]\n")).toEqual([
            "inv/hosts:2:3: group all: host: unknown key; did you mean hosts?",
            "inv/hosts:6:7: group web: var: unknown key; did you mean vars?",
            'inv/hosts:7:5: group db must be a mapping of hosts, vars and children, got ["d1"]',
        ]);
        expect(problemsOf("plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n")).toEqual([
            "inv/hosts:1:1: the configuration of an inventory plugin (plugin: amazon.aws.aws_ec2), not an inventory; write its hosts out with: ansible-inventory -i inv/hosts --list --yaml > hosts.yml",
        ]);
        expect(problemsOf("all:\n  hosts:\n    h1: just-text\n")).toEqual([
            'inv/hosts:3:5: host h1: a host\'s value is its variables, a mapping; got "just-text"',
        ]);
    });

    test("a group or section with nothing in it; a section that is no mapping, a group its own child, a bad host pattern, a host:port", () => {
        const inv = read(`all:
  children:
    web:
    db:
      hosts:
      vars: 3
    app:
      hosts: [a1]
      children:
        app:
    x:
      hosts: { "web3:": , "h:2201": { ansible_user: u } }
`);
        expect(inv.problems).toEqual([
            "inv/hosts:6:7: group db: vars: must be a mapping, got 3",
            "inv/hosts:8:7: group app: hosts: must be a mapping, got a list",
            "inv/hosts:10:9: group app cannot be a child of itself",
            "inv/hosts:12:16: host pattern web3: ends in ':' without a port",
        ]);
        expect(inv.groups).toEqual(["all", "ungrouped", "web", "db", "app", "x"]);
        expect(inv.targets.map((t) => t.target)).toEqual([{ name: "h", kind: "ssh", host: "h", port: 2201, user: "u" }]);
        // The port is where the pattern is written.
        expect(inv.targets[0].from.port).toEqual({ file: "inv/hosts", line: 12, column: 27 });
    });
});

test("the stack's checks name the Ansible variable and its line: a bastion without a key where the bastion is named", () => {
    const inv = read(
        "[web]\na ansible_user=dev codex_connect_host_key='ssh-ed25519 AAAA' codex_connect_agent=true\nb codex_connect_codex_home=relative\n[web:vars]\nansible_ssh_common_args='-J j@bastion:2200'\n",
    );
    expect(inv.problems).toEqual([]);
    const stack = {
        targets: inv.targets.map((t) => t.target),
        auth: "oauth" as const,
        hasPat: false,
        serverName: "connectai",
        url: "https://mcp.cloud.cdata.com/mcp",
        startupTimeoutSec: 30,
        codexVersion: "0.169.0",
        uninstallCodexOnDestroy: false,
    };
    expect(validateStackConfig(stack, false, inventoryPlaces(inv.targets))).toEqual([
        "inv/hosts:5:1: host a: codex_connect_proxy_host_key: required (SSH fails closed without a pinned host key); get it with: ssh-keyscan -t ed25519 -p 2200 bastion | cut -d' ' -f2-   (or set codex_connect_proxy_insecure_skip_host_key_check: true to connect unverified)",
        "inv/hosts:3: host b: ansible_user: required for ssh",
        "inv/hosts:3: host b: needs ansible_ssh_private_key_file, codex_connect_agent: true, or the stack secret sshPrivateKey",
        expect.stringMatching(/^inv\/hosts:3: host b: codex_connect_host_key: required /),
        expect.stringMatching(/^inv\/hosts:5:1: host b: codex_connect_proxy_host_key: required /),
        "inv/hosts:3:3: host b: codex_connect_codex_home: must be an absolute path",
    ]);
});
