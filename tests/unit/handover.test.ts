// Who may take an entry from the manager the target's record names: a sibling shard of the same
// fleet, never the unsharded stack back from its shards, never a second holder of one shard.
import { handover } from "../../components/runner/handover";

const at = "[mcp_servers.connectai] in /home/u/.codex/config.toml";
const stack = (s: string, name = "web1", project = "codex-connect") => `pulumi:${project}/${s}/${name}`;

describe("handover", () => {
    test("the same manager, or nobody's: nothing changes hands", () => {
        expect(handover({ managedBy: stack("a") }, { managedBy: stack("a") }, at)).toEqual({ take: false });
        expect(handover({ managedBy: stack("a") }, undefined, at)).toEqual({ take: false });
        expect(handover({ managedBy: stack("a") }, {}, at)).toEqual({ take: false });
    });

    test("a sibling shard of the same fleet takes it, whatever shard had it", () => {
        expect(
            handover({ managedBy: stack("s-7"), fleet: "hosts.ini", shard: "7/17" }, { managedBy: stack("s-3"), fleet: "hosts.ini", shard: "3/16" }, at),
        ).toEqual({ take: true, from: stack("s-3") });
        expect(
            handover(
                { managedBy: stack("db"), fleet: "hosts.ini", shard: "group:db" },
                { managedBy: stack("web"), fleet: "hosts.ini", shard: "group:web" },
                at,
            ),
        ).toEqual({ take: true, from: stack("web") });
    });

    test("a shard takes it from the unsharded stack of the project (its record names no fleet)", () => {
        expect(handover({ managedBy: stack("s-0"), fleet: "hosts.ini", shard: "0/4" }, { managedBy: stack("fleet") }, at)).toEqual({
            take: true,
            from: stack("fleet"),
        });
    });

    test("two stacks holding one shard are refused", () => {
        expect(handover({ managedBy: stack("b"), fleet: "hosts.ini", shard: "1/4" }, { managedBy: stack("a"), fleet: "hosts.ini", shard: "1/4" }, at)).toEqual({
            refused: `${at} is managed by ${stack("a")}, which is also shard 1/4 of the fleet hosts.ini: two stacks cannot hold one shard; give one of them another shard`,
        });
    });

    test("the unsharded stack does not take its hosts back from the shards", () => {
        expect(handover({ managedBy: stack("fleet") }, { managedBy: stack("s-0"), fleet: "hosts.ini", shard: "0/4" }, at)).toEqual({
            refused: `${at} is managed by ${stack("s-0")} (shard 0/4 of this fleet; an unsharded stack does not take hosts from its shards); set takeOver: true (codex-mcp --take-over) to take it over, or give this one another name`,
        });
    });

    test("another fleet, another project, another target name, codex-mcp: refused unless takeOver", () => {
        const refused = (had: string) => ({
            refused: `${at} is managed by ${had}; set takeOver: true (codex-mcp --take-over) to take it over, or give this one another name`,
        });
        const want = { managedBy: stack("s-1"), fleet: "hosts.ini", shard: "1/4" };
        expect(handover(want, { managedBy: stack("t-1"), fleet: "other.ini", shard: "0/4" }, at)).toEqual(refused(stack("t-1")));
        expect(handover(want, { managedBy: stack("s-0", "web1", "other") }, at)).toEqual(refused(stack("s-0", "web1", "other")));
        expect(handover(want, { managedBy: stack("s-0", "web2") }, at)).toEqual(refused(stack("s-0", "web2")));
        expect(handover(want, { managedBy: "codex-mcp" }, at)).toEqual(refused("codex-mcp"));
        expect(handover({ ...want, takeOver: true }, { managedBy: "codex-mcp" }, at)).toEqual({ take: true, from: "codex-mcp" });
    });
});
