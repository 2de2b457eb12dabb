// Upgrading a stack across a change of the resource layout, through the real engine: a stack made
// when ConnectAiCodex nested a CodexMcpServer (tests/programs/migration, phase "old") is run with
// today's ConnectAiCodex (phase "new"). The command must be kept (aliased: an update), the nested
// component deleted, and nothing created or replaced: a replace would run the old command's remove.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { codexBinDir } from "../helpers/codex";
import { suiteNeeding } from "../helpers/needs";
import { projectRoot, pulumiSandbox, toolchainBin } from "../helpers/toolchain";

const suite = suiteNeeding({});

suite("a stack from before the flat layout moves without a replace", () => {
    let sandbox: ReturnType<typeof pulumiSandbox>;
    let stack: Stack;
    let codexHome: string;

    beforeAll(async () => {
        sandbox = pulumiSandbox("migration-e2e-");
        codexHome = fs.mkdtempSync(path.join(os.tmpdir(), "migration-codex-"));
        const ws = await LocalWorkspace.create({
            workDir: path.join(projectRoot, "tests", "programs", "migration"),
            pulumiCommand: await PulumiCommand.get({ root: path.dirname(toolchainBin()) }),
            pulumiHome: sandbox.env.PULUMI_HOME,
            envVars: { ...(sandbox.env as Record<string, string>), PATH: `${toolchainBin()}:${codexBinDir()}:${process.env.PATH}` },
        });
        stack = await Stack.create(`migration${process.pid}`, ws);
        await stack.setConfig("codexHome", { value: codexHome });
    });

    afterAll(async () => {
        await stack?.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
        fs.rmSync(path.join(projectRoot, "tests", "programs", "migration", `Pulumi.${stack?.name}.yaml`), { force: true });
        if (sandbox) fs.rmSync(sandbox.dir, { recursive: true, force: true });
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
