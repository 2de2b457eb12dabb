// The fleet program's targets from an Ansible INI inventory and a known_hosts file, through the real
// engine: two real sshd hosts on 127.0.0.1, one in a group whose connection variables are in
// group_vars/, one with its own in host_vars/; their keys in known_hosts from the real ssh-keyscan,
// one plain [127.0.0.1]:PORT entry and one hashed. The real Codex on each account reads the entry;
// a bad inventory is refused before any resource runs, naming the file and the line.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { accountCodex, accountMcpGet, codexBinDir, codexVersion } from "../helpers/codex";
import { FleetHost, npmSeed, setSecretConfig, startFleet } from "../helpers/fleet";
import { sandboxStack } from "../helpers/stack";
import { McpDouble, startMcpDouble } from "../helpers/mcp-server";
import { suiteNeeding } from "../helpers/needs";

const EMAIL = "ada@example.com";
const PAT = "PAT-inventory-5f20c1";
const HEADER = "Basic " + Buffer.from(`${EMAIL}:${PAT}`).toString("base64");

const suite = suiteNeeding({ root: true, sshd: true });

suite("targets from an Ansible inventory and a known_hosts file, with the real engine", () => {
    let fleet: Awaited<ReturnType<typeof startFleet>>;
    let web: FleetHost, db: FleetHost;
    let mcp: McpDouble;
    let stack: Stack;
    let remove: (() => Promise<void>) | undefined;
    let dir: string;
    const onOutput = () => undefined;
    const file = (rel: string) => path.join(dir, rel);
    const configOf = (h: FleetHost) => path.join(h.user.home, ".codex", "config.toml");
    const codexOf = (h: FleetHost) => accountCodex(h.user.home);
    const inventoryText = () => "# the fleet, as Ansible has it\n[web]\nweb1 ansible_host=127.0.0.1\n\n[web:vars]\nhttp_port=8080\n\n[db]\ndb1\n";

    /** What the host's own Codex parsed; the header compared here and replaced, never printed. */
    const codexGet = (h: FleetHost) => accountMcpGet(h.user, HEADER);

    /** known_hosts lines from the real ssh-keyscan (hashed with -H), as a person would make them. */
    function keyscan(h: FleetHost, hashed: boolean): string {
        const line = execFileSync("ssh-keyscan", [...(hashed ? ["-H"] : []), "-t", "ed25519", "-p", String(h.ssh.port), "127.0.0.1"], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
        }).trim();
        expect(line.split(" ").slice(1).join(" ")).toBe(h.ssh.hostKey);
        return line;
    }

    beforeAll(async () => {
        codexBinDir();
        fleet = await startFleet(["web1", "db1"], { seed: npmSeed([codexVersion]) });
        [web, db] = fleet.hosts;
        mcp = await startMcpDouble(HEADER);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "inventory-e2e-"));
        fs.writeFileSync(file("hosts.ini"), inventoryText());
        fs.mkdirSync(file("group_vars"));
        fs.writeFileSync(
            file("group_vars/web.yml"),
            `ansible_port: ${web.ssh.port}\nansible_user: ${web.user.name}\nansible_ssh_private_key_file: ${web.keyFile}\ncodex_connect_uninstall_codex_on_destroy: true\n`,
        );
        fs.mkdirSync(file("host_vars"));
        fs.writeFileSync(
            file("host_vars/db1.yml"),
            `ansible_host: 127.0.0.1\nansible_port: ${db.ssh.port}\nansible_user: ${db.user.name}\nansible_ssh_private_key_file: ${db.keyFile}\n`,
        );
        const plain = keyscan(web, false);
        const hashed = keyscan(db, true);
        expect(plain.startsWith(`[127.0.0.1]:${web.ssh.port} ssh-ed25519 `)).toBe(true);
        expect(hashed).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
        fs.writeFileSync(file("known_hosts"), `${plain}\n${hashed}\n`);

        let env: NodeJS.ProcessEnv;
        ({ stack, env, remove } = await sandboxStack({ name: "inventory" }));
        await stack.setAllConfig({
            auth: { value: "basic" },
            email: { value: EMAIL },
            url: { value: mcp.url },
            inventory: { value: file("hosts.ini") },
            knownHosts: { value: file("known_hosts") },
        });
        setSecretConfig(stack, env, "pat", PAT);
    });

    afterAll(async () => {
        await remove?.();
        await mcp?.close();
        fleet?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("up: Codex and the entry on both hosts, each reached as the inventory and known_hosts say", async () => {
        const up = await stack.up({ onOutput });
        expect(up.summary.result).toBe("succeeded");
        expect(Object.keys(up.outputs.targets.value).sort()).toEqual(["db1", "web1"]);
        for (const h of [web, db]) {
            expect(codexGet(h)).toMatchObject({
                transport: { type: "streamable_http", url: mcp.url, http_headers: { Authorization: "<as expected>" } },
                startup_timeout_sec: 30,
            });
            expect(fs.readFileSync(configOf(h), "utf8")).toContain("[mcp_servers.connectai]");
        }
    });

    test("a second preview expects no changes", async () => {
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("a bad inventory is refused before any resource runs, naming the file and the line", async () => {
        const before = {
            state: JSON.stringify((await stack.exportStack()).deployment.resources),
            files: [web, db].map((h) => fs.readFileSync(configOf(h), "utf8")),
        };
        const unchanged = async () => {
            expect(JSON.stringify((await stack.exportStack()).deployment.resources)).toBe(before.state);
            expect([web, db].map((h) => fs.readFileSync(configOf(h), "utf8"))).toEqual(before.files);
        };
        const groupVars = fs.readFileSync(file("group_vars/web.yml"), "utf8");
        fs.writeFileSync(file("group_vars/web.yml"), `${groupVars}codex_connect_ownr: ${web.user.name}\n`);
        await expect(stack.up({ onOutput })).rejects.toThrow(
            `${file("group_vars/web.yml")}:5:1: host web1: codex_connect_ownr: unknown variable; did you mean codex_connect_owner?`,
        );
        await unchanged();
        fs.writeFileSync(file("group_vars/web.yml"), groupVars);

        fs.writeFileSync(file("hosts.ini"), inventoryText().replace("web1 ansible_host=127.0.0.1", "web1 ansible_host=127.0.0.1 ansible_port"));
        await expect(stack.up({ onOutput })).rejects.toThrow(`${file("hosts.ini")}:3:29: host web1: expected key=value after the host, got "ansible_port"`);
        await unchanged();
        fs.writeFileSync(file("hosts.ini"), inventoryText());
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("destroy: both entries gone; Codex uninstalled where the group's codex_connect_uninstall_codex_on_destroy says", async () => {
        const destroy = await stack.destroy({ onOutput });
        expect(destroy.summary.result).toBe("succeeded");
        for (const h of [web, db]) expect(fs.readFileSync(configOf(h), "utf8")).not.toContain("[mcp_servers.connectai]");
        expect(fs.existsSync(codexOf(web))).toBe(false);
        expect(fs.existsSync(codexOf(db))).toBe(true);
    });
});
