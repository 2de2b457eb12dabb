// How Ansible's INI inventory reads text: host lines as shlex.split, values as ast.literal_eval
// (else the text), host patterns with ports and ranges, and ssh arguments naming a ProxyJump.
// Expected values are what Python and Ansible give for the same text.
import { expandHostPattern, MAX_PATTERN_HOSTS } from "../../components/inventory/ansible-hosts";
import { pythonValue, shlexSplit } from "../../components/inventory/ansible-literal";
import { jumpInArgs, parseJump } from "../../components/inventory/ssh-jump";

test("shlex.split(comments=True): quotes, backslashes, # comments; an open quote is an error", () => {
    expect(shlexSplit(`web1 ansible_host=10.0.0.5   ansible_ssh_common_args='-o ProxyJump=j@b' # the web host`)).toEqual([
        "web1",
        "ansible_host=10.0.0.5",
        "ansible_ssh_common_args=-o ProxyJump=j@b",
    ]);
    expect(shlexSplit(`h x="a \\"b\\" c" y=a\\ b z=''`)).toEqual(["h", 'x=a "b" c', "y=a b", "z="]);
    expect(shlexSplit("h x=a#b")).toEqual(["h", "x=a"]);
    expect(shlexSplit(`h x='it''s'`)).toEqual(["h", "x=its"]);
    expect(shlexSplit(`h x='open`)).toEqual({ error: "no closing quotation" });
});

test.each([
    ["2222", 2222],
    ["-5", -5],
    ["1_000", 1000],
    ["0x1F", 31],
    ["1.5", 1.5],
    ["True", true],
    ["False", false],
    ["None", null],
    ["'quoted'", "quoted"],
    ['"a\\tb"', "a\tb"],
    ["'a' 'b'", "ab"],
    ["['kubectl', 'exec', '-i', 'pod', '--']", ["kubectl", "exec", "-i", "pod", "--"]],
    ["('a', 1)", ["a", 1]],
    ["{'a': 1, 'b': [True]}", { a: 1, b: [true] }],
    ["80 # a comment", 80],
    // Not literals: kept as the text.
    ["true", "true"],
    ["yes", "yes"],
    ["10.0.0.5", "10.0.0.5"],
    ["022", "022"],
    ["web.example.com", "web.example.com"],
    ["-o ProxyJump=j@b", "-o ProxyJump=j@b"],
    ["'unclosed", "'unclosed"],
    ["[1, 2", "[1, 2"],
    ["", ""],
])("ast.literal_eval(%j), else the text", (text, value) => {
    expect(pythonValue(text)).toEqual(value);
});

test("host patterns: a port, numeric and letter ranges with padding and a step, two ranges", () => {
    expect(expandHostPattern("web1.example.com")).toEqual({ hosts: ["web1.example.com"], port: undefined });
    expect(expandHostPattern("web1:2222")).toEqual({ hosts: ["web1"], port: 2222 });
    expect(expandHostPattern("[::1]:2222")).toEqual({ hosts: ["::1"], port: 2222 });
    expect(expandHostPattern("web[01:03].example.com")).toEqual({ hosts: ["web01.example.com", "web02.example.com", "web03.example.com"], port: undefined });
    expect(expandHostPattern("db[1:10:4]:5432")).toEqual({ hosts: ["db1", "db5", "db9"], port: 5432 });
    expect(expandHostPattern("[a:c]-node")).toEqual({ hosts: ["a-node", "b-node", "c-node"], port: undefined });
    expect(expandHostPattern("r[1:2]n[a:b]")).toEqual({ hosts: ["r1na", "r1nb", "r2na", "r2nb"], port: undefined });
    expect(expandHostPattern("web[:2]")).toEqual({ hosts: ["web0", "web1", "web2"], port: undefined });
});

test("host patterns that name no host: refused, saying why", () => {
    expect(expandHostPattern("web1:")).toEqual({ error: "host pattern web1: ends in ':' without a port" });
    expect(expandHostPattern("web[01:100]")).toEqual({
        error: "host pattern web[01:100]: a zero-padded range must have begin and end of the same width ([01:10])",
    });
    expect(expandHostPattern("web[3:1]")).toEqual({ error: "host pattern web[3:1]: a range must have begin <= end" });
    expect(expandHostPattern("web[1:2:3:4]")).toEqual({ error: "host pattern web[1:2:3:4]: a range must be [begin:end] or [begin:end:step]" });
    expect(expandHostPattern("web[a:9]")).toEqual({ error: "host pattern web[a:9]: [a:9] is not a range of numbers or of single letters" });
    expect(expandHostPattern("web[1")).toEqual({ error: "host pattern web[1: '[' without a closing ']'" });
    expect(expandHostPattern("web:70000")).toEqual({ error: "host pattern web:70000: port must be 1-65535" });
    expect(expandHostPattern(`web[0:${MAX_PATTERN_HOSTS}]`)).toEqual({
        error: `host pattern web[0:${MAX_PATTERN_HOSTS}]: stands for more than ${MAX_PATTERN_HOSTS} hosts`,
    });
    expect(expandHostPattern("a[0:999]b[0:999]")).toEqual({ error: `host pattern a[0:999]b[0:999]: stands for more than ${MAX_PATTERN_HOSTS} hosts` });
});

test("ProxyJump in ssh arguments: -J, -J glued, -o ProxyJump= and -o 'ProxyJump host', the first one winning", () => {
    const jump = { host: "bastion.example.com", port: 2200, user: "jump" };
    expect(jumpInArgs("-J jump@bastion.example.com:2200")).toEqual({ jump });
    expect(jumpInArgs("-Jjump@bastion.example.com:2200")).toEqual({ jump });
    expect(jumpInArgs("-o StrictHostKeyChecking=no -o ProxyJump=jump@bastion.example.com:2200")).toEqual({ jump });
    expect(jumpInArgs("-oProxyJump=jump@bastion.example.com:2200")).toEqual({ jump });
    expect(jumpInArgs("-o 'proxyjump jump@bastion.example.com:2200'")).toEqual({ jump });
    expect(jumpInArgs("-J jump@bastion.example.com:2200 -J other@elsewhere")).toEqual({ jump });
    expect(jumpInArgs("-o ProxyJump=ssh://jump@[fd00::1]:22")).toEqual({ jump: { host: "fd00::1", port: 22, user: "jump" } });
    expect(jumpInArgs("-o ServerAliveInterval=30")).toEqual({});
    expect(jumpInArgs("-o ProxyJump=none")).toEqual({});
});

test("a bastion that cannot be used: ProxyCommand, a chain, no account, no host", () => {
    expect(jumpInArgs("-o ProxyCommand='ssh -W %h:%p bastion'")).toEqual({
        error: expect.stringMatching(/^ProxyCommand is not supported .* -J user@host:port/),
    });
    expect(parseJump("a@b,c@d")).toEqual({ error: "ProxyJump a@b,c@d: one bastion only (a chain of jumps is not supported)" });
    expect(parseJump("bastion:22")).toEqual({ error: "ProxyJump bastion:22: name the bastion's account too (user@bastion:22)" });
    expect(jumpInArgs("-J")).toEqual({ error: "ProxyJump without a host" });
    expect(parseJump("j@b:0")).toEqual({ error: "ProxyJump j@b:0: port must be 1-65535" });
});
