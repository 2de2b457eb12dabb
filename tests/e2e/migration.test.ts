// Upgrading a stack across a change of the resource layout, through the real engine: a stack made
// when ConnectAiCodex nested a CodexMcpServer (tests/programs/migration, phase "old") is run with
// today's ConnectAiCodex (phase "new"). The command must be kept (aliased: an update), the nested
// component deleted, and nothing created or replaced: a replace would run the old command's remove.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexBinDir, codexVersion } from "../helpers/codex";
import { npmSeed, startFleet } from "../helpers/fleet";
import { suiteNeeding } from "../helpers/needs";
import { sandboxStack } from "../helpers/stack";
import { projectRoot } from "../helpers/toolchain";

const suite = suiteNeeding({});

suite("a stack from before the flat layout moves without a replace", () => {
    let stack: Stack;
    let remove: (() => Promise<void>) | undefined;
    let codexHome: string;

    beforeAll(async () => {
        codexHome = fs.mkdtempSync(path.join(os.tmpdir(), "migration-codex-"));
        ({ stack, remove } = await sandboxStack({ name: "migration", workDir: path.join(projectRoot, "tests", "programs", "migration"), path: [codexBinDir()] }));
        await stack.setConfig("codexHome", { value: codexHome });
    });

    afterAll(async () => {
        await remove?.();
        if (codexHome) fs.rmSync(codexHome, { recursive: true, force: true });
    });

    test("old layout up, then today's: the command updated in place, the nested component deleted", async () => {
        await stack.setConfig("phase", { value: "old" });
        const old = await stack.up();
        expect(old.summary.resourceChanges).toEqual({ create: 4 });

        await stack.setConfig("phase", { value: "new" });
        const moved = await stack.up();
        expect(moved.summary.resourceChanges).toEqual({ same: 2, update: 1, delete: 1 });
        const resources = (await stack.exportStack()).deployment.resources as Array<{ type: string; parent?: string }>;
        expect(resources.map((r) => r.type).sort()).toEqual(["codex-connect:index:ConnectAiCodex", "command:local:Command", "pulumi:providers:command", "pulumi:pulumi:Stack"]);
        expect(resources.find((r) => r.type === "command:local:Command")!.parent).toMatch(/::codex-connect:index:ConnectAiCodex::dev$/);
        expect(fs.readFileSync(path.join(codexHome, "config.toml"), "utf8")).toContain("[mcp_servers.connectai]");

        await stack.preview({ expectNoChanges: true });
        await stack.destroy();
        expect(fs.readFileSync(path.join(codexHome, "config.toml"), "utf8")).not.toContain("[mcp_servers.connectai]");
    });
});

const sshSuite = suiteNeeding({ root: true, sshd: true });

sshSuite("an SSH target's remote.Command (before 0.3) becomes today's local.Command in place", () => {
    let stack: Stack;
    let remove: (() => Promise<void>) | undefined;
    let fleet: Awaited<ReturnType<typeof startFleet>>;

    beforeAll(async () => {
        fleet = await startFleet(["web"], { seed: npmSeed([codexVersion]) });
        const h = fleet.hosts[0];
        ({ stack, remove } = await sandboxStack({ name: "migrationssh", workDir: path.join(projectRoot, "tests", "programs", "migration") }));
        await stack.setAllConfig({
            port: { value: String(h.ssh.port) },
            user: { value: h.user.name },
            keyFile: { value: h.keyFile },
            hostKey: { value: h.ssh.hostKey },
            codexVersion: { value: codexVersion },
            runner: { value: path.join(projectRoot, "dist", "runner", "codex-mcp-runner.js") },
        });
    });

    afterAll(async () => {
        await remove?.();
        fleet?.stop();
    });

    test("a state holding a banner glued to the answer: replaced, and the old command's remove leaves the new entry", async () => {
        const h = fleet.hosts[0];
        const config = path.join(h.user.home, ".codex", "config.toml");
        await stack.setConfig("phase", { value: "old-ssh" });
        expect((await stack.up()).summary.resourceChanges).toEqual({ create: 3 });
        const old = (await stack.exportStack()).deployment.resources as Array<{ type: string }>;
        expect(old.map((r) => r.type)).toContain("command:remote:Command");

        await stack.setConfig("phase", { value: "new-ssh" });
        // The preview reads the old state's output (not JSON: "Welcome{...}") and still plans.
        expect((await stack.preview()).changeSummary).toEqual({ same: 2, create: 1, delete: 1 });
        const moved = await stack.up();
        expect(moved.summary.resourceChanges).toEqual({ same: 2, create: 1, delete: 1 });
        const resources = (await stack.exportStack()).deployment.resources as Array<{ type: string }>;
        expect(resources.map((r) => r.type).sort()).toEqual(["codex-connect:index:ConnectAiCodex", "command:local:Command", "pulumi:providers:command", "pulumi:pulumi:Stack"]);
        // The old command's delete ran its remove, which saw another claim and kept the entry.
        const oldRemove = JSON.parse(fs.readFileSync(path.join(h.user.home, "old-remove.json"), "utf8"));
        expect(oldRemove).toMatchObject({ ok: true, op: "remove", changed: false });
        expect(fs.readFileSync(config, "utf8")).toContain("[mcp_servers.connectai]");

        await stack.preview({ expectNoChanges: true });
        await stack.destroy();
        expect(fs.readFileSync(path.join(h.user.home, ".codex", "config.toml"), "utf8")).not.toContain("[mcp_servers.connectai]");
    });
});
