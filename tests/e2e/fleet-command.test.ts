// `npm run fleet` as a person runs it, through the real engine: a base stack with three real sshd
// hosts (web1, web2, db1), its shard stacks made and run side by side by the command. 2 shards up,
// a clean drift check, a drifted host (exit 3, named), a host that is down (exit 1, named, the
// others repaired), a reshard to 3 and back to 2 (the shard stack left over is destroyed, every host
// ends with one manager, as the real Codex reads it), destroy. Bad input is refused before
// anything runs. The PAT is searched for in everything the command printed, its logs and the
// process table.
//
// The shards the hosts fall in (jump hash of the name): 2 shards: web1 in 0, web2 and db1 in 1;
// 3 shards: web1 in 0, web2 in 1, db1 in 2.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { accountMcpGet, codexBinDir, codexVersion } from "../helpers/codex";
import { FleetHost, npmSeed, setSecretConfig, setTargetsConfig, startFleet } from "../helpers/fleet";
import { McpDouble, startMcpDouble } from "../helpers/mcp-server";
import { suiteNeeding } from "../helpers/needs";
import { projectRoot, pulumiSandbox, toolchainBin } from "../helpers/toolchain";
import { ProcessTable } from "../helpers/process-table";

const EMAIL = "ada@example.com";
const PAT = "PAT-fleet-command-5a02e9";
const HEADER = "Basic " + Buffer.from(`${EMAIL}:${PAT}`).toString("base64");
const SECRETS = [PAT, HEADER.slice("Basic ".length), HEADER];

const suite = suiteNeeding({ root: true, sshd: true });

suite("npm run fleet: every shard stack of a fleet, through the real engine", () => {
    let fleet: Awaited<ReturnType<typeof startFleet>>;
    let hosts: Record<string, FleetHost>;
    let mcp: McpDouble;
    let sandbox: ReturnType<typeof pulumiSandbox>;
    let env: NodeJS.ProcessEnv;
    let logDir: string;
    const base = `fleetcmd${process.pid}`;
    const shard = (i: number) => `${base}-shard-${i}`;
    const printed: string[] = [];
    const processTable = new ProcessTable();

    /** The command as a person runs it from the clone; asynchronous, so that the MCP double in this process answers Codex. */
    function fleetCommand(...args: string[]): Promise<{ status: number | null; out: string }> {
        return new Promise((resolve) => {
            const p: ChildProcess = spawn("npm", ["run", "--silent", "fleet", "--", ...args], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
            let out = "";
            p.stdout!.on("data", (d) => (out += d));
            p.stderr!.on("data", (d) => (out += d));
            p.on("close", (status) => {
                printed.push(out);
                resolve({ status, out });
            });
        });
    }
    const expectExit = (r: { status: number | null; out: string }, status: number) =>
        expect({ status: r.status, out: r.status === status ? "" : r.out.slice(-4000) }).toEqual({ status, out: "" });
    const pulumi = (...args: string[]) =>
        execFileSync(path.join(toolchainBin(), "pulumi"), [...args, "--non-interactive"], {
            cwd: projectRoot,
            env,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
    const stacksNow = () => (JSON.parse(pulumi("stack", "ls", "--json")) as Array<{ name: string }>).map((s) => s.name).sort();
    const targetsOf = (stack: string) =>
        Object.keys((JSON.parse(pulumi("stack", "output", "--json", "--stack", stack)) as { targets?: object }).targets ?? {}).sort();

    const configOf = (h: FleetHost) => path.join(h.user.home, ".codex", "config.toml");
    const managerOf = (h: FleetHost) =>
        JSON.parse(fs.readFileSync(path.join(h.user.home, ".codex", ".codex-mcp-owner.json"), "utf8")).servers.connectai?.managedBy;
    const hasEntry = (h: FleetHost) => fs.existsSync(configOf(h)) && fs.readFileSync(configOf(h), "utf8").includes("[mcp_servers.connectai]");
    /** What the host's own Codex parsed; the header compared here and replaced, never printed. */
    const codexGet = (h: FleetHost) => accountMcpGet(h.user, HEADER);
    const asWanted = { transport: { url: "", http_headers: { Authorization: "<as expected>" } }, startup_timeout_sec: 30 };

    /** Every host: the entry as Codex reads it, and one manager, the shard stack whose outputs hold it. */
    function expectManagedOnce(count: number, shardOf: Record<string, number>) {
        const holders: Record<string, string[]> = {};
        for (let i = 0; i < count; i++) for (const t of targetsOf(shard(i))) (holders[t] ??= []).push(shard(i));
        for (const [name, i] of Object.entries(shardOf)) {
            const h = hosts[name];
            expect({ name, holders: holders[name], manager: managerOf(h) }).toEqual({
                name,
                holders: [shard(i)],
                manager: `pulumi:codex-connect/${shard(i)}/${name}`,
            });
            expect(codexGet(h)).toMatchObject(asWanted);
        }
    }

    beforeAll(async () => {
        codexBinDir();
        fleet = await startFleet(["web1", "web2", "db1"], { seed: npmSeed([codexVersion]) });
        hosts = Object.fromEntries(fleet.hosts.map((h) => [h.name, h]));
        mcp = await startMcpDouble(HEADER);
        asWanted.transport.url = mcp.url;
        sandbox = pulumiSandbox("fleet-command-e2e-");
        env = { ...process.env, ...sandbox.env };
        logDir = path.join(sandbox.dir, "logs");
        // The base stack as the README's fleet section makes it: the targets, the email, the PAT as a secret (on stdin).
        const ws = await LocalWorkspace.create({
            workDir: projectRoot,
            pulumiCommand: await PulumiCommand.get({ root: path.dirname(toolchainBin()) }),
            pulumiHome: sandbox.env.PULUMI_HOME,
            envVars: sandbox.env as Record<string, string>,
        });
        const stack = await Stack.create(base, ws);
        await stack.setAllConfig({ auth: { value: "basic" }, email: { value: EMAIL }, url: { value: mcp.url } });
        setSecretConfig(stack, sandbox.env, "pat", PAT);
        await setTargetsConfig(
            stack,
            fleet.hosts.map((h) => h.target),
        );
        processTable.start(200);
    });

    afterAll(async () => {
        processTable.stop();
        for (const f of fs.readdirSync(projectRoot))
            if (f.startsWith(`Pulumi.${base}`) && f.endsWith(".yaml")) fs.rmSync(path.join(projectRoot, f), { force: true });
        if (sandbox) fs.rmSync(sandbox.dir, { recursive: true, force: true });
        await mcp?.close();
        fleet?.stop();
    });

    test("bad input is refused before anything runs: an unknown option with the closest name, a missing base stack named", async () => {
        const typo = await fleetCommand("up", "--shard", "2", "--base", base);
        expectExit(typo, 2);
        expect(typo.out).toContain("fleet: --shard: unknown option; did you mean --shards?");
        const missing = await fleetCommand("up", "--shards", "2", "--base", "nosuchfleet");
        expectExit(missing, 2);
        expect(missing.out).toContain("fleet: no stack nosuchfleet on file://");
        expect(stacksNow()).toEqual([base]);
    });

    test("up on 2 shards: the shard stacks made from the base, run side by side, a line for each, the table; each host managed by its shard", async () => {
        const r = await fleetCommand("up", "--shards", "2", "--base", base, "--log-dir", logDir);
        expectExit(r, 0);
        expect(r.out).toMatch(new RegExp(`^\\[[12]/2\\] ${shard(0)} up: 1 target, 1 changed, 0 drifted, 0 failed \\(\\d+ s\\)$`, "m"));
        expect(r.out).toMatch(new RegExp(`^\\[[12]/2\\] ${shard(1)} up: 2 targets, 2 changed, 0 drifted, 0 failed \\(\\d+ s\\)$`, "m"));
        expect(r.out).toMatch(new RegExp(`^${shard(1)} +2 +2 +0 +0 +2 +\\d+$`, "m")); // not ready: no sign-in (no API key in this stack)
        expect(r.out).toContain("fleet up: done on 2 shards");
        expect(stacksNow()).toEqual([base, shard(0), shard(1)]);
        // Each shard's configuration is the base's, plus its shard; the PAT a secret there too.
        const config = JSON.parse(pulumi("config", "--json", "--stack", shard(1)));
        expect(config["codex-connect:shard"]).toEqual({ value: "1/2", secret: false });
        expect(config["codex-connect:pat"]).toEqual({ secret: true });
        expect(fs.readFileSync(path.join(projectRoot, `Pulumi.${shard(1)}.yaml`), "utf8")).not.toContain(PAT);
        expectManagedOnce(2, { web1: 0, web2: 1, db1: 1 });
        // The command selected no stack: PULUMI_HOME's selection is still the base the test made.
        const selection = fs
            .readdirSync(path.join(sandbox.env.PULUMI_HOME!, "workspaces"))
            .map((f) => fs.readFileSync(path.join(sandbox.env.PULUMI_HOME!, "workspaces", f), "utf8"));
        expect(selection.join("")).toContain(`/${base}"`);
        expect(fs.readdirSync(logDir).sort()).toEqual([`${shard(0)}.up.log`, `${shard(1)}.up.log`]);
    });

    test("a drift check with nothing to change exits 0 and copies nothing again; a drifted host exits 3, named with its shard", async () => {
        const files = [0, 1].map((i) => path.join(projectRoot, `Pulumi.${shard(i)}.yaml`));
        const before = files.map((f) => fs.readFileSync(f, "utf8"));
        expectExit(await fleetCommand("preview", "--shards", "2", "--base", base, "--expect-no-changes"), 0);
        // The base is unchanged, so each shard's file stays as the up made it (no config cp again).
        expect(files.map((f) => fs.readFileSync(f, "utf8"))).toEqual(before);
        expect(before[0]).toMatch(new RegExp(`\n# fleet: made from Pulumi\\.${base}\\.yaml and shard 0/2 \\([0-9a-f]{32}\\)\n$`));
        // A shard's configuration edited by hand is made the base's again by the next run.
        pulumi("config", "set", "shard", "5/9", "--stack", shard(0));
        fs.writeFileSync(configOf(hosts.web1), fs.readFileSync(configOf(hosts.web1), "utf8").replace("startup_timeout_sec = 30", "startup_timeout_sec = 5"));
        const r = await fleetCommand("preview", "--shards", "2", "--base", base, "--expect-no-changes");
        expectExit(r, 3);
        expect(r.out).toMatch(new RegExp(`^\\[[12]/2\\] ${shard(0)} preview: 1 target, 1 changed, 1 drifted, 0 failed`, "m"));
        expect(r.out).toContain(`changes where none were expected (1 shard):\n  ${shard(0)}: web1 (drifted)\n`);
        expect(r.out).toContain("fleet preview: changes in 1 of 2 shards, none expected (exit 3)");
        expect(JSON.parse(pulumi("config", "--json", "--stack", shard(0)))["codex-connect:shard"]).toEqual({ value: "0/2", secret: false });
    });

    test("a host that is down fails alone, named in the table (exit 1); the drifted host is repaired", async () => {
        hosts.web2.ssh.down();
        try {
            const r = await fleetCommand("up", "--shards", "2", "--base", base, "--continue-on-error");
            expectExit(r, 1);
            expect(r.out).toMatch(new RegExp(`^\\[[12]/2\\] ${shard(0)} up: 1 target, 1 changed, 1 drifted, 0 failed`, "m"));
            expect(r.out).toMatch(new RegExp(`^\\[[12]/2\\] ${shard(1)} up: 2 targets, 0 changed, 0 drifted, 1 failed`, "m"));
            expect(r.out).toContain(
                `failed (1):\n  ${shard(1)}  web2: ssh ${hosts.web2.user.name}@127.0.0.1:${hosts.web2.ssh.port}: ssh: connect ECONNREFUSED 127.0.0.1:${hosts.web2.ssh.port}\n`,
            );
            expect(r.out).toContain("fleet up: 1 of 2 shards failed (exit 1)");
            expect(codexGet(hosts.web1)).toMatchObject(asWanted);
        } finally {
            await hosts.web2.ssh.up();
        }
    });

    test("reshard to 3: db1 is handed over to the new shard; every host ends with one manager", async () => {
        const r = await fleetCommand("up", "--shards", "3", "--base", base);
        expectExit(r, 0);
        expect(r.out).toMatch(new RegExp(`^\\[[123]/3\\] ${shard(2)} up: 1 target, 1 changed, 0 drifted, 0 failed`, "m"));
        // Shard 1 deletes its resource for db1 (a change), and the remove leaves the entry to shard 2.
        expect(r.out).toMatch(new RegExp(`^\\[[123]/3\\] ${shard(1)} up: 1 target, [12] changed, 0 drifted, 0 failed`, "m"));
        expectManagedOnce(3, { web1: 0, web2: 1, db1: 2 });
    });

    test("back to 2: the left-over shard stack is destroyed once every shard succeeded, and removed; db1 stays, with shard 1", async () => {
        const r = await fleetCommand("up", "--shards", "2", "--base", base);
        expectExit(r, 0);
        expect(r.out).toContain(`fleet up: ${shard(2)}: left by an earlier, larger --shards; destroyed once every current shard's up has succeeded`);
        expect(r.out).toContain(`every shard succeeded; destroying ${shard(2)}, left by an earlier, larger --shards`);
        expect(r.out).toMatch(new RegExp(`^\\[1/1\\] ${shard(2)} destroy: 1 target, 1 changed, 0 drifted, 0 failed`, "m"));
        expect(r.out).toContain(`${shard(2)}: left over from an earlier --shards: destroyed and removed`);
        expect(r.out).toMatch(new RegExp(`^${shard(2)} \\(left over: destroyed\\) +1 +1 +0 +0 +0 +\\d+$`, "m"));
        expect(r.out).toContain("fleet up: done on 2 shards");
        expect(stacksNow()).toEqual([base, shard(0), shard(1)]);
        expect(fs.existsSync(path.join(projectRoot, `Pulumi.${shard(2)}.yaml`))).toBe(false);
        expectManagedOnce(2, { web1: 0, web2: 1, db1: 1 });
    });

    test("destroy: every entry gone; nothing secret printed, logged or in a command line", async () => {
        const r = await fleetCommand("destroy", "--base", base);
        expectExit(r, 0);
        expect(r.out).toMatch(new RegExp(`^\\[[12]/2\\] ${shard(1)} destroy: 2 targets, 2 changed, 0 drifted, 0 failed`, "m"));
        for (const h of fleet.hosts) expect({ host: h.name, entry: hasEntry(h) }).toEqual({ host: h.name, entry: false });

        const logs = fs.readdirSync(logDir).map((f) => fs.readFileSync(path.join(logDir, f), "utf8"));
        expect(logs.join("")).toContain("Resources:");
        for (const text of [...printed, ...logs, processTable.text()]) for (const s of SECRETS) expect(text.includes(s)).toBe(false);
    });
});
