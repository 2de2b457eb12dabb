// Shards of one fleet through the real engine: one inventory (this tool's own format, two groups),
// three real sshd hosts, one stack per group. A host that moves from one group to the other is
// handed over: the stack that has it now takes it, and the stack that had it then leaves the entry
// alone; the real Codex reads it throughout. A third stack claiming a shard already held is refused.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { accountMcpGet, codexBinDir, codexVersion } from "../helpers/codex";
import { FleetHost, npmSeed, setSecretConfig, startFleet } from "../helpers/fleet";
import { sandboxStack } from "../helpers/stack";
import { McpDouble, startMcpDouble } from "../helpers/mcp-server";
import { suiteNeeding } from "../helpers/needs";

const EMAIL = "ada@example.com";
const PAT = "PAT-shards-91c3d7";
const HEADER = "Basic " + Buffer.from(`${EMAIL}:${PAT}`).toString("base64");

const suite = suiteNeeding({ root: true, sshd: true });

interface ShardStack {
    stack: Stack;
    remove(): Promise<void>;
}

suite("shards of one inventory, a host handed over between them, with the real engine", () => {
    let fleet: Awaited<ReturnType<typeof startFleet>>;
    let hosts: Record<string, FleetHost>;
    let mcp: McpDouble;
    let dir: string;
    const stacks: ShardStack[] = [];
    let web: ShardStack, db: ShardStack;
    /** What the engine printed in this step; and in every step, for the secret scan. */
    let printed = "";
    let everything = "";
    const onOutput = (s: string) => {
        printed += s;
        everything += s;
    };
    const inventory = () => path.join(dir, "fleet.yaml");
    const ownerOf = (h: FleetHost) => JSON.parse(fs.readFileSync(path.join(h.user.home, ".codex", ".codex-mcp-owner.json"), "utf8")).servers.connectai;
    const hasEntry = (h: FleetHost) => fs.readFileSync(path.join(h.user.home, ".codex", "config.toml"), "utf8").includes("[mcp_servers.connectai]");

    /** The inventory: hosts by group, each host's connection from the harness. */
    function writeInventory(groups: Record<string, string[]>) {
        const host = (n: string) => {
            const t = hosts[n].target as Record<string, unknown>;
            return `      ${n}: {kind: ssh, host: "127.0.0.1", port: ${t.port}, user: ${t.user}, privateKeyPath: "${t.privateKeyPath}", hostKey: "${t.hostKey}"}\n`;
        };
        fs.writeFileSync(
            inventory(),
            `groups:\n${Object.entries(groups)
                .map(([g, ns]) => `  ${g}:\n    hosts:\n${ns.map(host).join("")}`)
                .join("")}`,
        );
    }

    /** What the host's own Codex parsed; the header compared here and replaced, never printed. */
    const codexGet = (h: FleetHost) => accountMcpGet(h.user, HEADER);

    async function shardStack(name: string, shard: string): Promise<ShardStack> {
        const { stack, env, remove } = await sandboxStack({ name });
        await stack.setAllConfig({
            auth: { value: "basic" },
            email: { value: EMAIL },
            url: { value: mcp.url },
            inventory: { value: inventory() },
            shard: { value: shard },
        });
        setSecretConfig(stack, env, "pat", PAT);
        const s = { stack, remove };
        stacks.push(s);
        return s;
    }
    const managerOf = (s: ShardStack, host: string) => `pulumi:codex-connect/${s.stack.name}/${host}`;

    beforeAll(async () => {
        codexBinDir();
        fleet = await startFleet(["web1", "web2", "db1"], { seed: npmSeed([codexVersion]) });
        hosts = Object.fromEntries(fleet.hosts.map((h) => [h.name, h]));
        mcp = await startMcpDouble(HEADER);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "shards-e2e-"));
        writeInventory({ web: ["web1", "web2"], db: ["db1"] });
        web = await shardStack("shardweb", "group:web");
        db = await shardStack("sharddb", "group:db");
    });

    afterAll(async () => {
        for (const s of stacks) {
            await s.stack.destroy({ onOutput }).catch(() => undefined);
            await s.remove();
        }
        await mcp?.close();
        fleet?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("each stack provisions its group's hosts, and each host's record names that stack and its shard", async () => {
        const [w, d] = await Promise.all([web.stack.up({ onOutput }), db.stack.up({ onOutput })]);
        expect(Object.keys(w.outputs.targets.value).sort()).toEqual(["web1", "web2"]);
        expect(Object.keys(d.outputs.targets.value)).toEqual(["db1"]);
        expect(w.outputs.shard.value).toEqual({ shard: "group:web", targets: 2, ofFleet: 3 });
        for (const n of ["web1", "web2"]) expect(ownerOf(hosts[n])).toMatchObject({ managedBy: managerOf(web, n), fleet: inventory(), shard: "group:web" });
        expect(ownerOf(hosts.db1)).toMatchObject({ managedBy: managerOf(db, "db1"), fleet: inventory(), shard: "group:db" });
        for (const h of fleet.hosts) expect(codexGet(h)).toMatchObject({ transport: { url: mcp.url, http_headers: { Authorization: "<as expected>" } } });
    });

    test("web2 moves to db: the db stack takes it over, then the web stack's delete leaves it in place", async () => {
        writeInventory({ web: ["web1"], db: ["db1", "web2"] });
        printed = "";
        const d = await db.stack.up({ onOutput });
        expect(d.summary.resourceChanges).toMatchObject({ create: 2 }); // the component and its command
        expect(printed).toContain(`to change: manager ${managerOf(web, "web2")} (want this stack)`);
        expect(ownerOf(hosts.web2)).toMatchObject({ managedBy: managerOf(db, "web2"), shard: "group:db" });

        const w = await web.stack.up({ onOutput });
        expect(w.summary.resourceChanges).toMatchObject({ delete: 2 });
        expect(Object.keys(w.outputs.targets.value)).toEqual(["web1"]);
        // The entry the db stack holds is still there, as Codex reads it, and still the db stack's.
        expect(hasEntry(hosts.web2)).toBe(true);
        expect(codexGet(hosts.web2)).toMatchObject({ transport: { url: mcp.url, http_headers: { Authorization: "<as expected>" } } });
        expect(ownerOf(hosts.web2)).toMatchObject({ managedBy: managerOf(db, "web2") });

        await Promise.all([web.stack.preview({ expectNoChanges: true, onOutput }), db.stack.preview({ expectNoChanges: true, onOutput })]);
    });

    test("a second stack for a shard already held is refused, naming the holder; the holder keeps it", async () => {
        const twin = await shardStack("shardtwin", "group:db");
        printed = "";
        await expect(twin.stack.up({ onOutput })).rejects.toThrow(
            `is managed by ${managerOf(db, "db1")}, which is also shard group:db of the fleet ${inventory()}: two stacks cannot hold one shard`,
        );
        for (const n of ["db1", "web2"]) expect(ownerOf(hosts[n])).toMatchObject({ managedBy: managerOf(db, n) });
        await db.stack.preview({ expectNoChanges: true, onOutput });
    });

    test("destroy of both shards: every entry gone", async () => {
        for (const s of [web, db]) expect((await s.stack.destroy({ onOutput })).summary.result).toBe("succeeded");
        for (const h of fleet.hosts) expect(hasEntry(h)).toBe(false);
    });

    // Last: all the engine printed for every stack in every step (printed is reset per step).
    test("nothing the engine printed, in any step, holds the PAT or the header", () => {
        expect(everything).toContain("codex-connect-pulumi:index:ConnectAiCodex"); // the witness: the scan sees the engine's output
        expect(everything).not.toContain(PAT);
        expect(everything).not.toContain(HEADER.slice(6));
    });
});
