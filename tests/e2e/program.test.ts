// The fleet program (index.ts) with the real engine, through the Automation API: a local target
// and an exec target (another account via runuser), basic auth with a recognisable PAT.
// Up, a clean preview, drift on one target found and repaired, the secret scanned for everywhere,
// bad config (and misspelled names) refused before anything runs, destroy.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexBinDir, codexMcpGet } from "../helpers/codex";
import { PulumiSandbox, sandboxStack } from "../helpers/stack";
import { projectRoot } from "../helpers/toolchain";
import { caEnvArgs } from "../helpers/ca-env";
import { startMcpDouble } from "../helpers/mcp-server";
import { suiteNeeding } from "../helpers/needs";
import { createUser, TestUser } from "../helpers/users";
import { ProcessTable } from "../helpers/process-table";

const PAT = "PAT-program-e2e-c0ffee42";
const EMAIL = "ada@example.com";
const b64 = Buffer.from(`${EMAIL}:${PAT}`).toString("base64");
const header = `Basic ${b64}`;
const secrets = [PAT, b64, header];

const suite = suiteNeeding({ root: true });

suite("the fleet program with the real engine", () => {
    let user: TestUser;
    let stack: Stack;
    let localHome: string;
    let sandbox: PulumiSandbox;
    let remove: (() => Promise<void>) | undefined;
    const printed: string[] = [];
    const processTable = new ProcessTable();

    const mine = '# my settings\nmodel = "o3"\n\n[mcp_servers.docs]\nurl = "https://docs.example/mcp" # keep me\n';
    const userConfig = () => path.join(user.home, ".codex", "config.toml");
    const localConfig = () => path.join(localHome, "config.toml");
    const onOutput = (s: string) => printed.push(s);

    function sampleProcesses() {
        processTable.start(100);
    }

    beforeAll(async () => {
        codexBinDir();
        user = createUser("cxp");
        fs.mkdirSync(path.join(user.home, ".codex"), { mode: 0o700 });
        fs.writeFileSync(userConfig(), mine, { mode: 0o644 });
        fs.chownSync(path.join(user.home, ".codex"), user.uid, user.gid);
        fs.chownSync(userConfig(), user.uid, user.gid);
        localHome = fs.mkdtempSync(path.join(os.homedir(), ".program-e2e-"));

        ({ stack, sandbox, remove } = await sandboxStack({ name: "e2e", path: [codexBinDir()] }));
        await stack.setAllConfig({
            auth: { value: "basic" },
            email: { value: EMAIL },
            pat: { value: PAT, secret: true },
        });
        // The targets list, set by path as a user would with `pulumi config set --path`.
        await stack.workspace.setAllConfig(
            stack.name,
            {
                "targets[0].name": { value: "local" },
                "targets[0].kind": { value: "local" },
                "targets[0].codexHome": { value: localHome },
                "targets[1].name": { value: "other-user" },
                "targets[1].kind": { value: "exec" },
                ...Object.fromEntries(
                    ["runuser", "-u", user.name, "--", "env", `HOME=${user.home}`, "PATH=/usr/local/bin:/usr/bin:/bin", ...caEnvArgs()].map((a, i) => [
                        `targets[1].prefix[${i}]`,
                        { value: a },
                    ]),
                ),
            },
            true,
        );
    });

    afterAll(async () => {
        processTable.stop();
        await remove?.();
        fs.rmSync(localHome, { recursive: true, force: true });
        user?.remove();
    });

    test("up converges both targets; Codex reads the entry on each", async () => {
        sampleProcesses();
        const before = printed.length;
        const up = await stack.up({ onOutput });
        expect(up.summary.result).toBe("succeeded");
        // A first install reads as one: what is to be installed, no drift warning, no drift output.
        const said = printed.slice(before).join("");
        expect(said).toMatch(/local \S+: to install: file-missing/);
        expect(said).toMatch(/runuser -u \w+ .*: to install: .*entry-missing/);
        expect(said).not.toMatch(/drifted/);
        expect(codexMcpGet(localHome, "connectai", { Authorization: header })).toMatchObject({
            transport: { url: "https://mcp.cloud.cdata.com/mcp", http_headers: { Authorization: "<as expected>" } },
            startup_timeout_sec: 30,
        });
        // The other account's file: its own settings first, byte for byte, then the entry.
        const text = fs.readFileSync(userConfig(), "utf8");
        expect(text.startsWith(mine)).toBe(true);
        expect(fs.statSync(userConfig()).mode & 0o777).toBe(0o600);
        expect(fs.statSync(userConfig()).uid).toBe(user.uid);
        const targets = up.outputs.targets.value as Record<
            string,
            { configPath: string; codex: string; driftFoundByThisRun: string[]; repairedByLastUpdate: string[] }
        >;
        for (const t of Object.values(targets)) expect([t.driftFoundByThisRun, t.repairedByLastUpdate]).toEqual([[], []]);
        expect(targets.local.configPath).toBe(localConfig());
        expect(targets["other-user"].configPath).toBe(userConfig());
        expect(targets["other-user"].codex).toMatch(/^0\.169\.0 at /);
    });

    test("a second preview expects no changes, and a no-op up leaves every output and every resource in the state as it was (but the network's word on reachability)", async () => {
        const preview = await stack.preview({ expectNoChanges: true, onOutput });
        expect(preview.changeSummary.update ?? 0).toBe(0);
        // Reachability is the network's answer, which may change between two runs (codex doctor's
        // check of an unreachable host can time out under load): everything else must stay.
        const ours = (o: unknown) =>
            JSON.parse(JSON.stringify(o), (k, v) => (k === "notReadyBecause" ? (v as string[]).filter((w) => !w.startsWith("the server is unreachable")) : v));
        // The checkpoint's resources, by URN, secrets in plain text (the engine encrypts them again with a
        // new nonce at every write) and the stack outputs' reachability words aside: a no-op up must
        // leave them exactly as they were, so that nothing grows with the history.
        const resources = async () =>
            ours(((await stack.exportStack()).deployment.resources as Array<{ urn: string }>).sort((a, b) => a.urn.localeCompare(b.urn)));
        const first = await stack.up({ onOutput });
        const state = await resources();
        const second = await stack.up({ onOutput });
        expect(ours(second.outputs)).toEqual(ours(first.outputs));
        expect(second.summary.resourceChanges).toEqual({ same: expect.any(Number) });
        expect(await resources()).toEqual(state);
    });

    test("the user adding a server and comments is not drift", async () => {
        fs.appendFileSync(userConfig(), '\n# added later\n[mcp_servers.more]\nurl = "https://more.example/"\n');
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("drift on one target: preview names it and plans one update; up repairs; no flapping", async () => {
        fs.writeFileSync(userConfig(), fs.readFileSync(userConfig(), "utf8").replace("startup_timeout_sec = 30", "startup_timeout_sec = 10"));
        fs.chmodSync(userConfig(), 0o644);
        const before = printed.length;
        const preview = await stack.preview({ onOutput });
        expect(preview.changeSummary.update).toBe(1);
        const said = printed.slice(before).join("");
        expect(said).toMatch(/exec runuser -u \w+ .*: drifted: file-mode 0644 \(want 0600\), entry\.startup_timeout_sec 10 \(want 30\);/);
        expect(said).not.toMatch(/local .*: drifted/);
        const up = await stack.up({ onOutput });
        expect(up.summary.resourceChanges?.update).toBe(1);
        expect((up.outputs.targets.value as Record<string, { repairedByLastUpdate: string[] }>)["other-user"].repairedByLastUpdate).toEqual([
            "file-mode",
            "entry.startup_timeout_sec",
        ]);
        expect(fs.statSync(userConfig()).mode & 0o777).toBe(0o600);
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("a change the stack makes is a change, not drift: said with the value found and the one wanted, no warning, no drift output", async () => {
        type Out = Record<string, { driftFoundByThisRun: string[]; repairedByLastUpdate: string[] }>;
        await stack.setConfig("startupTimeoutSec", { value: "45" });
        const before = printed.length;
        const preview = await stack.preview({ onOutput });
        expect(preview.changeSummary.update).toBe(2);
        const said = printed.slice(before).join("");
        expect(said).toMatch(/local \S+: to change: entry\.startup_timeout_sec 30 \(want 45\)/);
        expect(said).toMatch(/runuser -u \w+ .*: to change: entry\.startup_timeout_sec 30 \(want 45\)/);
        expect(said).not.toMatch(/drifted|warning/i);
        const up = await stack.up({ onOutput });
        for (const t of Object.values(up.outputs.targets.value as Out)) expect([t.driftFoundByThisRun, t.repairedByLastUpdate]).toEqual([[], []]);
        expect(codexMcpGet(localHome, "connectai", { Authorization: header })).toMatchObject({ startup_timeout_sec: 45 });
        await stack.preview({ expectNoChanges: true, onOutput });
        // Back to the default: the same, the other way.
        await stack.removeConfig("startupTimeoutSec");
        const back = printed.length;
        await stack.up({ onOutput });
        expect(printed.slice(back).join("")).toMatch(/local \S+: to change: entry\.startup_timeout_sec 45 \(want 30\)/);
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("liveCheck: each target tries its credential with an MCP initialize; a refused PAT is named in the verdict", async () => {
        type Out = Record<string, { notReadyBecause?: string[] }>;
        const server = await startMcpDouble(header);
        try {
            await stack.setAllConfig({ url: { value: server.url }, liveCheck: { value: "true" } });
            const up = await stack.up({ onOutput });
            expect(up.summary.resourceChanges?.update).toBe(2);
            expect(server.initialized).toBeGreaterThanOrEqual(2); // from both targets, the header as the file holds it
            for (const t of Object.values(up.outputs.targets.value as Out)) expect(t.notReadyBecause!.filter((w) => /refused|initialize/.test(w))).toEqual([]);
            server.expect = "Basic another";
            const again = await stack.up({ onOutput });
            expect(again.summary.resourceChanges?.update ?? 0).toBe(0);
            for (const t of Object.values(again.outputs.targets.value as Out))
                expect(t.notReadyBecause).toContain("the server refused the credential (HTTP 401 to an MCP initialize)");
        } finally {
            await stack.removeConfig("liveCheck");
            await stack.removeConfig("url");
            await server.close();
        }
        await stack.up({ onOutput });
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("the secret appears nowhere in plain text: state, engine output, backups, process table", async () => {
        processTable.stop();
        const haystacks: Array<[string, string]> = [
            ["engine output", printed.join("")],
            ["process table", processTable.text()],
        ];
        const files = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : [path.join(dir, d.name)]));
        for (const f of files(path.join(sandbox.dir, "state"))) haystacks.push([f, fs.readFileSync(f, "utf8")]);
        for (const f of [`${userConfig()}.bak`, path.join(projectRoot, `Pulumi.${stack.name}.yaml`)]) haystacks.push([f, fs.readFileSync(f, "utf8")]);
        // The witnesses: the scan did see the state (our resources are in it) and the process table.
        expect(haystacks.some(([n, h]) => n.includes("state") && h.includes("command:local:Command"))).toBe(true);
        expect(processTable.samples).toBeGreaterThan(10);
        const leaks = haystacks.filter(([, h]) => secrets.some((s) => h.includes(s))).map(([n]) => n);
        expect(leaks).toEqual([]);
    });

    test("bad config fails before anything runs, listing every problem", async () => {
        await stack.setConfig("startupTimeoutSec", { value: "0" });
        await stack.setConfig("url", { value: "http://insecure.example/" });
        await expect(stack.preview({ onOutput })).rejects.toThrow(/2 problem\(s\)[\s\S]*url: must be an https URL[\s\S]*startupTimeoutSec/);
        await stack.setConfig("startupTimeoutSec", { value: "30" });
        await stack.setConfig("url", { value: "https://mcp.cloud.cdata.com/mcp" });
    });

    test("a misspelled target field and stack key are refused with the closest known name, before anything runs", async () => {
        // As a user would type them: pulumi config set --path 'targets[0].prot' 2222; pulumi config set autth basic.
        await stack.setConfig("targets[0].prot", { value: "2222" }, true);
        await stack.setConfig("autth", { value: "basic" });
        const before = printed.length;
        await expect(stack.preview({ onOutput })).rejects.toThrow(
            /the stack configuration has 2 problem\(s\); nothing was changed:\n\s*- autth: unknown key; did you mean auth\?\n\s*- targets\[0\] \(local\)\.prot: unknown field; did you mean port\?\n/,
        );
        expect(printed.slice(before).join("")).not.toMatch(/command:local:Command/);
        await stack.removeConfig("targets[0].prot", true);
        await stack.removeConfig("autth");
    });

    test("destroy removes the entries and keeps the rest of each file", async () => {
        const withOthers = fs.readFileSync(userConfig(), "utf8");
        const destroy = await stack.destroy({ onOutput });
        expect(destroy.summary.result).toBe("succeeded");
        const after = fs.readFileSync(userConfig(), "utf8");
        expect(after).not.toContain("[mcp_servers.connectai]");
        expect(after).toBe(withOthers.replace(/\n\[mcp_servers\.connectai\][^[]*?(?=\n#|\n\[|$)/, ""));
        expect(after.startsWith(mine)).toBe(true);
        expect(after).toContain("[mcp_servers.more]");
        expect(fs.readFileSync(localConfig(), "utf8")).toBe("");
    });
});
