// Upgrading a stack across a change of the resource layout, through the real engine: a stack made
// when ConnectAiCodex nested a CodexMcpServer (tests/programs/migration, phase "old") is run with
// today's ConnectAiCodex (phase "new"). The command must be kept (aliased: an update), the nested
// component deleted, and nothing created or replaced: a replace would run the old command's remove.
// And a stack written by the version before the small state (issue 21; built from git) moves to it:
// each command updated in place, nothing written on the targets, then a no-op that changes nothing.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexBinDir, codexVersion } from "../helpers/codex";
import { npmSeed, startFleet } from "../helpers/fleet";
import { BEFORE_SMALL_STATE, oldPackage } from "../helpers/old-package";
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
        ({ stack, remove } = await sandboxStack({
            name: "migration",
            workDir: path.join(projectRoot, "tests", "programs", "migration"),
            path: [codexBinDir()],
        }));
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
        expect(resources.map((r) => r.type).sort()).toEqual([
            "codex-connect-pulumi:index:ConnectAiCodex",
            "command:local:Command",
            "pulumi:providers:command",
            "pulumi:pulumi:Stack",
        ]);
        expect(resources.find((r) => r.type === "command:local:Command")!.parent).toMatch(/::codex-connect-pulumi:index:ConnectAiCodex::dev$/);
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
        expect(resources.map((r) => r.type).sort()).toEqual([
            "codex-connect-pulumi:index:ConnectAiCodex",
            "command:local:Command",
            "pulumi:providers:command",
            "pulumi:pulumi:Stack",
        ]);
        // The old command's delete ran its remove, which saw another claim and kept the entry.
        const oldRemove = JSON.parse(fs.readFileSync(path.join(h.user.home, "old-remove.json"), "utf8"));
        expect(oldRemove).toMatchObject({ ok: true, op: "remove", changed: false });
        expect(fs.readFileSync(config, "utf8")).toContain("[mcp_servers.connectai]");

        await stack.preview({ expectNoChanges: true });
        await stack.destroy();
        expect(fs.readFileSync(path.join(h.user.home, ".codex", "config.toml"), "utf8")).not.toContain("[mcp_servers.connectai]");
    });
});

sshSuite("a stack written before the small state (a command's stdin, stdout, no component outputs) moves to it in place", () => {
    let stack: Stack;
    let remove: (() => Promise<void>) | undefined;
    let fleet: Awaited<ReturnType<typeof startFleet>>;
    let localHome: string;
    const PAT = "PAT-migration-small-7e1d";

    type Resource = { urn: string; type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
    /** A value as exported with its secrets shown ({ <secret sig>, plaintext: JSON }), or as it is. */
    const plain = (v: unknown) => (v && typeof v === "object" && "plaintext" in v ? JSON.parse((v as { plaintext: string }).plaintext) : v);
    const resources = async () => ((await stack.exportStack()).deployment.resources as Resource[]).sort((a, b) => a.urn.localeCompare(b.urn));
    /** What the targets hold: each file of ours with its bytes and its mtime. */
    const onTargets = () =>
        [path.join(fleet.hosts[0].user.home, ".codex"), localHome].flatMap((home) =>
            ["config.toml", ".codex-mcp-owner.json"].map((f) => {
                const file = path.join(home, f);
                return { file, text: fs.readFileSync(file, "utf8"), mtime: fs.statSync(file).mtimeMs };
            }),
        );

    beforeAll(async () => {
        const old = oldPackage(BEFORE_SMALL_STATE);
        fleet = await startFleet(["web"], { seed: npmSeed([codexVersion]) });
        const h = fleet.hosts[0];
        localHome = fs.mkdtempSync(path.join(os.tmpdir(), "migration-small-"));
        ({ stack, remove } = await sandboxStack({
            name: "migrationsmall",
            workDir: path.join(projectRoot, "tests", "programs", "migration"),
            path: [codexBinDir()],
        }));
        await stack.setAllConfig({
            port: { value: String(h.ssh.port) },
            user: { value: h.user.name },
            keyFile: { value: h.keyFile },
            hostKey: { value: h.ssh.hostKey },
            codexVersion: { value: codexVersion },
            codexHome: { value: localHome },
            oldPackage: { value: old },
            pat: { value: PAT, secret: true },
        });
    });

    afterAll(async () => {
        await remove?.();
        if (localHome) fs.rmSync(localHome, { recursive: true, force: true });
        fleet?.stop();
    });

    test("the old version's up, then today's: two updates, no replace, the targets' files untouched; a no-op after it changes nothing", async () => {
        await stack.setConfig("phase", { value: "v03" });
        expect((await stack.up()).summary.resourceChanges).toEqual({ create: 5 });
        const before = await resources();
        const oldCommands = before.filter((r) => r.type === "command:local:Command");
        expect(oldCommands).toHaveLength(2);
        for (const c of oldCommands) expect(c.inputs).toMatchObject({ addPreviousOutputInEnv: false, create: expect.stringMatching(/ __feed ensure # /) });
        const files = onTargets();
        for (const f of files.filter((f) => f.file.endsWith("config.toml"))) expect(f.text).toContain("[mcp_servers.connectai]");

        await stack.setConfig("phase", { value: "now" });
        expect((await stack.preview()).changeSummary).toEqual({ same: 3, update: 2 });
        const moved = await stack.up();
        expect(moved.summary.resourceChanges).toEqual({ same: 3, update: 2 });
        // The ensure each update ran found everything as it was: no file written, not even the record.
        expect(onTargets()).toEqual(files);

        const after = await resources();
        // The same resources, under the components' tokens of today (components/tokens.ts: the former ones are aliases).
        const renamed = (urn: string) => urn.split("codex-connect:index:").join("codex-connect-pulumi:index:");
        expect(after.map((r) => r.urn)).toEqual(before.map((r) => renamed(r.urn)));
        for (const c of after.filter((r) => r.type === "command:local:Command")) {
            const was = before.find((r) => renamed(r.urn) === c.urn)!;
            expect(Object.keys(c.inputs!).sort()).toEqual(["create", "delete", "logging", "stdin", "triggers"]);
            // The drift token is the one the old command recorded: the probe found the target in sync.
            const token = String(was.inputs!.create).split(" __feed ensure # ")[1];
            expect(c.inputs!.create).toMatch(new RegExp(` __feed 'ensure # ${token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}'$`));
            expect(c.inputs!.triggers).toEqual(was.inputs!.triggers);
            expect(plain(c.inputs!.stdin)).toMatch(/^z1:/);
            expect(c.outputs!.stderr).toBe("");
            expect(JSON.parse(c.outputs!.stdout as string)).toMatchObject({
                configPath: expect.stringMatching(/config\.toml$/),
                codex: { version: codexVersion },
            });
        }
        for (const c of after.filter((r) => r.type === "codex-connect-pulumi:index:ConnectAiCodex")) expect(c.outputs ?? {}).toEqual({});

        await stack.preview({ expectNoChanges: true });
        const noop = await stack.up();
        expect(noop.summary.resourceChanges).toEqual({ same: 5 });
        // Exact: every resource as the previous up left it (secrets compared in plain text, as exported).
        expect(await resources()).toEqual(after);
        expect(onTargets()).toEqual(files);

        await stack.destroy();
        for (const home of [path.join(fleet.hosts[0].user.home, ".codex"), localHome])
            expect(fs.readFileSync(path.join(home, "config.toml"), "utf8")).not.toContain("[mcp_servers.connectai]");
    });
});
