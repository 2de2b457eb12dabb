// The stack config's shard: its syntax, and the hash that puts each target in one shard, stable as
// hosts come and go and as the count grows.
import { inShard, jumpHash, parseShard, shardOf, unknownGroups } from "../../components/inventory/shard";
import { fleetTargets } from "../../components/inventory";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const names = (n: number, prefix = "web") => Array.from({ length: n }, (_, i) => `${prefix}${i}.example.com`);

describe("parseShard", () => {
    test("an index of a count, a group, or both", () => {
        expect(parseShard("3/16")).toEqual({ text: "3/16", slice: { index: 3, count: 16 }, groups: [] });
        expect(parseShard("group:web")).toEqual({ text: "group:web", groups: ["web"] });
        expect(parseShard("  group:web   1/4 group:db ")).toEqual({ text: "group:web 1/4 group:db", slice: { index: 1, count: 4 }, groups: ["web", "db"] });
    });

    test("what is wrong, in words", () => {
        expect(parseShard("16/16")).toEqual({ problem: "the index counts from 0: shard 16 of 16 does not exist (0 to 15)" });
        expect(parseShard("0/0")).toEqual({ problem: "the count must be 1 to 10000, got 0" });
        expect(parseShard("1/2 0/2")).toEqual({ problem: 'one INDEX/COUNT at most, got "1/2 0/2"' });
        expect(parseShard("web")).toEqual({ problem: '"web" is neither INDEX/COUNT (such as 3/16) nor group:NAME' });
        expect(parseShard("-1/4")).toEqual({ problem: '"-1/4" is neither INDEX/COUNT (such as 3/16) nor group:NAME' });
        expect(parseShard(" ")).toEqual({ problem: 'must be "INDEX/COUNT" (such as 3/16), "group:NAME", or both' });
    });
});

describe("the hash", () => {
    test("jump consistent hash: one bucket always 0, every bucket in range", () => {
        for (let k = 0n; k < 200n; k++) {
            expect(jumpHash(k * 0x9e3779b97f4a7c15n, 1)).toBe(0);
            const b = jumpHash(k * 0x9e3779b97f4a7c15n, 7);
            expect(b).toBeGreaterThanOrEqual(0);
            expect(b).toBeLessThan(7);
        }
    });

    test("a target's shard depends on its name and the count alone: adding hosts moves none", () => {
        const before = names(300).map((n) => shardOf(n, 16));
        const more = [...names(300), ...names(200, "db")];
        expect(more.slice(0, 300).map((n) => shardOf(n, 16))).toEqual(before);
    });

    test("from N to N+1 shards, the hosts that move all go to the new shard, about 1/(N+1) of them", () => {
        const all = names(2000);
        const moved = all.filter((n) => shardOf(n, 16) !== shardOf(n, 17));
        for (const n of moved) expect(shardOf(n, 17)).toBe(16);
        // 2000/17 = 118 expected; a uniform hash stays well inside these bounds for this fixed set.
        expect(moved.length).toBeGreaterThan(80);
        expect(moved.length).toBeLessThan(160);
    });

    test("every shard gets its share", () => {
        const counts = new Array(10).fill(0);
        for (const n of names(5000)) counts[shardOf(n, 10)]++;
        for (const c of counts) {
            expect(c).toBeGreaterThan(400);
            expect(c).toBeLessThan(600);
        }
    });

    test("the shards of a count divide the fleet: each target in exactly one", () => {
        const all = names(500);
        const specs = Array.from({ length: 8 }, (_, i) => parseShard(`${i}/8`));
        for (const n of all) expect(specs.filter((s) => !("problem" in s) && inShard(s, n, [])).length).toBe(1);
    });
});

describe("groups", () => {
    const spec = parseShard("group:web group:db 0/1");
    test("any one of the groups", () => {
        if ("problem" in spec) throw new Error(spec.problem);
        expect(inShard(spec, "a", ["web"])).toBe(true);
        expect(inShard(spec, "a", ["db", "x"])).toBe(true);
        expect(inShard(spec, "a", ["x"])).toBe(false);
        expect(inShard(spec, "a", [])).toBe(false);
        expect(unknownGroups(spec, new Set(["web"]))).toEqual(["db"]);
    });
});

describe("fleetTargets with a shard", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shard-unit-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const ini = path.join(dir, "hosts.ini");
    fs.writeFileSync(ini, "[web]\nweb1 ansible_host=10.0.0.1\nweb2 ansible_host=10.0.0.2\n[db]\ndb1 ansible_host=10.0.0.3\n[prod:children]\nweb\n");
    const own = path.join(dir, "fleet.yaml");
    fs.writeFileSync(
        own,
        "groups:\n  web:\n    hosts:\n      web1: {kind: ssh, host: 10.0.0.1, user: u}\n  db:\n    hosts:\n      db1: {kind: ssh, host: 10.0.0.3, user: u}\nhosts:\n  lone: {kind: local}\n",
    );
    const read = (inventory: string, shard?: string) => fleetTargets({ configured: [], inventory, shard, projectDir: dir, home: dir });

    test("an Ansible group, its parents included; the whole fleet is still validated", () => {
        const f = read(ini, "group:web");
        expect(f.selected.map((t) => t.name)).toEqual(["web1", "web2"]);
        expect(f.targets.map((t) => t.name)).toEqual(["web1", "web2", "db1"]);
        expect(f).toMatchObject({ shard: "group:web", fleet: ini, problems: [] });
        expect(read(ini, "group:prod").selected.map((t) => t.name)).toEqual(["web1", "web2"]);
        expect(read(ini, "group:all").selected.map((t) => t.name)).toEqual(["web1", "web2", "db1"]);
    });

    test("this tool's own format: a host's group, or none", () => {
        expect(read(own, "group:db").selected.map((t) => t.name)).toEqual(["db1"]);
        expect(read(own).selected.map((t) => t.name)).toEqual(["web1", "db1", "lone"]);
    });

    test("the hash shards of a count together are the fleet", () => {
        const parts = [0, 1, 2].map((i) => read(ini, `${i}/3`).selected.map((t) => t.name));
        expect(parts.flat().sort()).toEqual(["db1", "web1", "web2"]);
    });

    test("a group the inventory lacks, a bad spec, a shard of nothing: refused", () => {
        expect(read(ini, "group:wbe").problems).toEqual([`shard: ${ini} has no group wbe (it has all, db, prod, ungrouped, web)`]);
        expect(read(ini, "3/3").problems).toEqual(["shard: the index counts from 0: shard 3 of 3 does not exist (0 to 2)"]);
        expect(fleetTargets({ configured: [], shard: "0/2", projectDir: dir, home: dir }).problems).toEqual([
            "shard: set without targets or an inventory: there is nothing to divide (the default is this machine alone)",
        ]);
        expect(fleetTargets({ configured: [{ name: "a", kind: "local" }], shard: "group:web", projectDir: dir, home: dir }).problems).toEqual([
            "shard: group:NAME selects an inventory's group; these targets come from the stack config, which has no groups",
        ]);
    });
});
