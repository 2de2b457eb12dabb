// The real thing, end to end: the Pulumi engine (Automation API, file backend, passphrase secrets)
// runs the fleet program against three SSH hosts (real sshd, one account each) and the local
// target; the real Codex reads what was written and talks to a real MCP server.
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { removeEntry } from "../../components/core/config-entry";
import { accountCodex, accountMcpGet, codexBinDir, codexVersion } from "../helpers/codex";
import { FleetHost, npmSeed, setSecretConfig, setTargetsConfig, startFleet } from "../helpers/fleet";
import { McpDouble, startMcpDouble } from "../helpers/mcp-server";
import { PulumiSandbox, sandboxStack } from "../helpers/stack";
import { ambientPluginWarnings, projectRoot } from "../helpers/toolchain";
import { caEnvArgs } from "../helpers/ca-env";
import { suiteNeeding } from "../helpers/needs";
import { ProcessTable } from "../helpers/process-table";

const EMAIL = "ada@example.com";
const PAT1 = "PAT-fleet-first-9d41e7";
const PAT2 = "PAT-fleet-second-3b7c55";
const headerOf = (pat: string) => "Basic " + Buffer.from(`${EMAIL}:${pat}`).toString("base64");
const OTHER_VERSION = "0.166.0";
const secretsOf = (pat: string) => [pat, Buffer.from(`${EMAIL}:${pat}`).toString("base64"), headerOf(pat)];

const suite = suiteNeeding({ root: true, sshd: true });

suite("a fleet of SSH hosts and the local target, with the real engine", () => {
    let fleet: Awaited<ReturnType<typeof startFleet>>;
    let h1: FleetHost, h2: FleetHost, h3: FleetHost, old: FleetHost;
    let mcp: McpDouble;
    let stack: Stack;
    let localHome: string;
    let sandbox: PulumiSandbox;
    let remove: (() => Promise<void>) | undefined;
    const printed: string[] = [];
    const processTable = new ProcessTable();
    const onOutput = (s: string) => printed.push(s);

    // h3 starts with a file of its own: comments, other servers, CRLF.
    const h3Original = '# team settings\r\nmodel = "o3"\r\n\r\n[mcp_servers.docs] # internal docs\r\nurl = "https://docs.example/mcp"\r\n';
    const h3Added = '\r\n# added later by the user\r\n[mcp_servers.more]\r\nurl = "https://more.example/"\r\n';

    const configOf = (h: FleetHost) => path.join(h.user.home, ".codex", "config.toml");
    const codexOf = (h: FleetHost) => accountCodex(h.user.home);
    const asUser = (h: FleetHost, cmd: string[], timeout = 60_000) =>
        spawnSync(
            "runuser",
            ["-u", h.user.name, "--", "env", "-i", `HOME=${h.user.home}`, `PATH=${path.dirname(codexOf(h))}:/usr/bin:/bin`, ...caEnvArgs(), ...cmd],
            { encoding: "utf8", timeout, stdio: ["ignore", "pipe", "pipe"] },
        );
    /**
     * `codex exec` as the host's account, asynchronously: the MCP server runs in this process, so a
     * blocking spawn would starve it. With no model reachable, Codex still starts its MCP servers.
     * Stopped once `done` says the server saw what the test waits for (with no model, Codex would
     * otherwise retry until the 25 s are up), or when it ends by itself.
     */
    const codexExec = (h: FleetHost, done: () => boolean = () => false) =>
        new Promise<string>((resolve) => {
            const p = spawn(
                "runuser",
                [
                    "-u",
                    h.user.name,
                    "--",
                    "env",
                    "-i",
                    `HOME=${h.user.home}`,
                    "PATH=/usr/bin:/bin",
                    ...caEnvArgs(),
                    codexOf(h),
                    "exec",
                    "--skip-git-repo-check",
                    "-c",
                    "mcp_servers.connectai.required=true",
                    "say hi",
                ],
                {
                    stdio: ["ignore", "pipe", "pipe"],
                    detached: true, // its own process group, so the whole of Codex can be stopped
                },
            );
            let out = "";
            p.stdout.on("data", (d) => (out += d));
            p.stderr.on("data", (d) => (out += d));
            // The MCP handshake comes first; what follows (no model to reach) is not waited for.
            let stopping = false;
            const stop = () => {
                if (stopping) return;
                stopping = true;
                try {
                    process.kill(-p.pid!, "SIGKILL");
                } catch {
                    // ended already
                }
            };
            const timer = setTimeout(stop, 25_000);
            // Once the server saw it, a second for the rest of the handshake (the tool list), then stop.
            const poll = setInterval(() => done() && (clearInterval(poll), setTimeout(stop, 1000)), 100);
            p.on("close", () => {
                clearTimeout(timer);
                clearInterval(poll);
                resolve(out);
            });
        });
    const label = (h: FleetHost) => `ssh ${h.user.name}@127.0.0.1:${h.ssh.port}`;

    /** What Codex on the host parsed; the header is compared here and replaced, never printed. */
    const codexGet = (h: FleetHost, header?: string) => accountMcpGet(h.user, header);

    const setSecret = (key: string, value: string) => setSecretConfig(stack, sandbox.env, key, value);
    const setTargets = (targets: Array<Record<string, unknown>>) => setTargetsConfig(stack, targets);
    const localTarget = () => ({ name: "local", kind: "local", codexHome: localHome });
    const allTargets = () => [h1.target, h2.target, h3.target, localTarget()];

    async function expectDriftRepaired(h: FleetHost, fields: RegExp) {
        const before = printed.length;
        const preview = await stack.preview({ onOutput });
        expect(preview.changeSummary.update).toBe(1);
        const said = printed.slice(before).join("");
        expect(said).toMatch(new RegExp(`${escape(label(h))}: drifted: .*${fields.source}`));
        for (const other of [h1, h2, h3].filter((x) => x !== h)) expect(said).not.toContain(`${label(other)}: drifted`);
        const up = await stack.up({ onOutput });
        expect(up.summary.resourceChanges?.update).toBe(1);
        await stack.preview({ expectNoChanges: true, onOutput });
    }

    beforeAll(async () => {
        codexBinDir();
        const seed = npmSeed([codexVersion, OTHER_VERSION]);
        fleet = await startFleet(["h1", "h2", "h3", "old"], {
            seed,
            // "old" has a Node.js 16 first on its PATH (a stub that reports 16.20.2).
            ssh: (name) => (name === "old" ? { env: { PATH: `${oldNodeDir()}:/usr/bin:/bin` } } : {}),
        });
        [h1, h2, h3, old] = fleet.hosts;
        fs.mkdirSync(path.dirname(configOf(h3)), { mode: 0o700 });
        fs.writeFileSync(configOf(h3), h3Original, { mode: 0o600 });
        execFileSync("chown", ["-R", `${h3.user.uid}:${h3.user.gid}`, path.dirname(configOf(h3))]);
        localHome = fs.mkdtempSync(path.join(os.homedir(), ".fleet-local-"));
        mcp = await startMcpDouble(headerOf(PAT1));

        ({ stack, sandbox, remove } = await sandboxStack({ name: "fleet", path: [codexBinDir()] }));
        await stack.setAllConfig({ auth: { value: "basic" }, email: { value: EMAIL }, url: { value: mcp.url } });
        setSecret("pat", PAT1);
        await setTargets(allTargets());
        processTable.start(100);
    });

    afterAll(async () => {
        processTable.stop();
        await remove?.();
        fs.rmSync(localHome, { recursive: true, force: true });
        await mcp?.close();
        fleet?.stop();
    });

    test("1. fresh up: Codex at the pinned version on every host, and Codex reads the entry", async () => {
        const up = await stack.up({ onOutput });
        expect(up.summary.result).toBe("succeeded");
        expect(ambientPluginWarnings(up.stdout)).toEqual([]);
        for (const h of [h1, h2, h3]) {
            expect(asUser(h, [codexOf(h), "--version"]).stdout).toContain(codexVersion);
            expect(codexGet(h, headerOf(PAT1))).toMatchObject({
                transport: { type: "streamable_http", url: mcp.url, http_headers: { Authorization: "<as expected>" } },
                startup_timeout_sec: 30,
            });
            expect(fs.statSync(configOf(h)).mode & 0o777).toBe(0o600);
        }
        expect(fs.readFileSync(path.join(localHome, "config.toml"), "utf8")).toContain(`url = "${mcp.url}"`);
        // 5. The user's own file: everything of theirs first, byte for byte.
        expect(fs.readFileSync(configOf(h3), "utf8").startsWith(h3Original)).toBe(true);
    });

    test("2. Codex really uses it: the MCP handshake carries the header; a wrong PAT gets a 401", async () => {
        const before = mcp.initialized;
        await codexExec(h1, () => mcp.initialized > before);
        expect(mcp.initialized).toBeGreaterThan(before);

        mcp.expect = headerOf("a-wrong-pat");
        const refused = mcp.refused;
        const out = await codexExec(h1);
        expect(mcp.refused).toBeGreaterThan(refused);
        expect(out).toContain("HTTP 401");
        mcp.expect = headerOf(PAT1);
    });

    test("3. a second preview expects no changes", async () => {
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("4a. drift: URL edited on one host", async () => {
        fs.writeFileSync(configOf(h1), fs.readFileSync(configOf(h1), "utf8").replace(mcp.url, "https://evil.example/mcp"));
        await expectDriftRepaired(h1, /entry\.url/);
        expect(codexGet(h1, headerOf(PAT1)).transport.url).toBe(mcp.url);
    });

    test("4b. drift: entry deleted", async () => {
        fs.writeFileSync(configOf(h2), removeEntry(fs.readFileSync(configOf(h2), "utf8"), "connectai"));
        await expectDriftRepaired(h2, /entry-missing/);
    });

    test("4c. drift: header changed", async () => {
        fs.writeFileSync(configOf(h1), fs.readFileSync(configOf(h1), "utf8").replace(headerOf(PAT1), headerOf("tampered")));
        await expectDriftRepaired(h1, /entry\.http_headers/);
        expect(codexGet(h1, headerOf(PAT1)).transport.http_headers?.Authorization).toBe("<as expected>");
    });

    test("4d. drift: config file deleted", async () => {
        fs.rmSync(configOf(h2));
        await expectDriftRepaired(h2, /file-missing/);
    });

    test("4e. drift: mode loosened to 0644", async () => {
        fs.chmodSync(configOf(h1), 0o644);
        await expectDriftRepaired(h1, /file-mode/);
        expect(fs.statSync(configOf(h1)).mode & 0o777).toBe(0o600);
    });

    test("4f. drift: Codex uninstalled", async () => {
        asUser(h2, ["npm", "uninstall", "-g", "--prefix", path.join(h2.user.home, ".local"), "@openai/codex"]);
        expect(fs.existsSync(codexOf(h2))).toBe(false);
        await expectDriftRepaired(h2, /codex-missing/);
        expect(asUser(h2, [codexOf(h2), "--version"]).stdout).toContain(codexVersion);
    });

    test("4g. drift: Codex at another version", async () => {
        const r = asUser(h1, ["npm", "install", "-g", "--prefix", path.join(h1.user.home, ".local"), `@openai/codex@${OTHER_VERSION}`], 300_000);
        expect(r.status).toBe(0);
        expect(asUser(h1, [codexOf(h1), "--version"]).stdout).toContain(OTHER_VERSION);
        await expectDriftRepaired(h1, /codex-version/);
        expect(asUser(h1, [codexOf(h1), "--version"]).stdout).toContain(codexVersion);
    });

    test("4i. nothing of the runner stays on a host: no script, no temporary file in the login's home", () => {
        for (const h of [h1, h2, h3]) {
            expect(fs.existsSync(path.join(h.user.home, ".cache", "codex-connect-pulumi"))).toBe(false);
            expect(fs.readdirSync(path.dirname(configOf(h))).filter((f) => /^\.config\.toml\..*\.(tmp|prev)$|\.lock$/.test(f))).toEqual([]);
        }
    });

    test("4h. the user adding a server and comments is not drift", async () => {
        fs.appendFileSync(configOf(h3), h3Added);
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("6. PAT rotation: every target updated, the MCP server accepts the new PAT", async () => {
        setSecret("pat", PAT2);
        const up = await stack.up({ onOutput });
        expect(up.summary.resourceChanges?.update).toBe(4);
        mcp.expect = headerOf(PAT2);
        for (const h of [h1, h2, h3]) expect(codexGet(h, headerOf(PAT2)).transport.http_headers?.Authorization).toBe("<as expected>");
        const before = mcp.initialized;
        await codexExec(h2, () => mcp.initialized > before);
        expect(mcp.initialized).toBeGreaterThan(before);
    });

    test("7. basic to OAuth and back; OAuth outputs the login command", async () => {
        await stack.setConfig("auth", { value: "oauth" });
        let up = await stack.up({ onOutput });
        const targets = up.outputs.targets.value as Record<string, { next?: string }>;
        expect(targets.h1.next).toBe("run once on the target: codex mcp login connectai");
        expect(codexGet(h1).transport.http_headers ?? null).toBeNull();
        expect(fs.readFileSync(configOf(h2), "utf8")).not.toContain("Authorization");
        await stack.setConfig("auth", { value: "basic" });
        up = await stack.up({ onOutput });
        expect((up.outputs.targets.value as Record<string, { next?: string }>).h1.next).toBeUndefined();
        expect(codexGet(h1, headerOf(PAT2)).transport.http_headers?.Authorization).toBe("<as expected>");
    });

    test("8. a host that is down or refuses the key: the error names it, the others converge, the next up finishes", async () => {
        h3.ssh.down();
        await stack.setConfig("startupTimeoutSec", { value: "45" });
        await expect(stack.up({ onOutput, continueOnError: true })).rejects.toThrow(label(h3));
        for (const h of [h1, h2]) expect(codexGet(h, headerOf(PAT2)).startup_timeout_sec).toBe(45);
        await h3.ssh.up();
        await stack.up({ onOutput });
        expect(codexGet(h3, headerOf(PAT2)).startup_timeout_sec).toBe(45);

        const keys = path.join(h2.ssh.dir, "authorized_keys");
        const saved = fs.readFileSync(keys);
        fs.writeFileSync(keys, "");
        await stack.setConfig("startupTimeoutSec", { value: "50" });
        await expect(stack.up({ onOutput, continueOnError: true })).rejects.toThrow(
            new RegExp(`${escape(label(h2))}: ssh: All configured authentication methods failed`),
        );
        expect(codexGet(h1, headerOf(PAT2)).startup_timeout_sec).toBe(50);
        fs.writeFileSync(keys, saved);
        await stack.up({ onOutput });
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("9. a bad host key: the run refuses to connect", async () => {
        const wrong = fs.readFileSync(path.join(h2.ssh.dir, "host.pub"), "utf8").trim();
        await setTargets([{ ...h1.target, hostKey: wrong }, h2.target, h3.target, localTarget()]);
        await expect(stack.up({ onOutput })).rejects.toThrow(`${label(h1)}: ssh: host key verification failed`);
        await setTargets(allTargets());
        // The failed copy recorded the key it was given (the provider's partial state): one up puts it back.
        await stack.up({ onOutput });
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("a host whose Node.js is too old: a clear error naming the host and what it found", async () => {
        await setTargets([...allTargets(), old.target]);
        await expect(stack.up({ onOutput, continueOnError: true })).rejects.toThrow(
            new RegExp(`${escape(label(old))}: Node\\.js 16\\.20\\.2 at ${escape(oldNodeDir())}/node is older than 18`),
        );
        await setTargets(allTargets());
        await stack.up({ onOutput }); // drops the host's components, which were created before its state failed
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("11. secrets: the PATs, their base64 and the headers appear nowhere in plain text", () => {
        processTable.stop();
        const files = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : [path.join(dir, d.name)]));
        const haystacks: Array<[string, string]> = [
            ["engine output", printed.join("")],
            ["process table", processTable.text()],
            ["stack config", fs.readFileSync(path.join(projectRoot, `Pulumi.${stack.name}.yaml`), "utf8")],
        ];
        for (const f of files(path.join(sandbox.dir, "state"))) haystacks.push([f, fs.readFileSync(f, "utf8")]);
        for (const h of [h1, h2, h3]) {
            haystacks.push([`${h.name} sshd log`, h.ssh.log()]);
            if (fs.existsSync(`${configOf(h)}.bak`)) haystacks.push([`${h.name} backup`, fs.readFileSync(`${configOf(h)}.bak`, "utf8")]);
        }
        expect(haystacks.filter(([n]) => n.endsWith("backup")).length).toBeGreaterThan(0);
        expect(haystacks.some(([n, h]) => n.includes("state") && h.includes("command:local:Command"))).toBe(true);
        expect(processTable.samples).toBeGreaterThan(50);
        const secrets = [...secretsOf(PAT1), ...secretsOf(PAT2)];
        const leaks = haystacks
            .filter(([, h]) => secrets.some((s) => h.includes(s)))
            .map(([n, h]) =>
                // Name the leaking process by its program only: its arguments hold the secret.
                n === "process table"
                    ? `process table: ${h
                          .split("\n")
                          .filter((l) => secrets.some((s) => l.includes(s)))
                          .map((l) => l.split(" ")[0])
                          .join(", ")}`
                    : n,
            );
        expect(leaks).toEqual([]);
    });

    test("10. destroy: entries gone, every file's rest kept; Codex removed only where asked", async () => {
        await setTargets([{ ...h1.target, uninstallCodexOnDestroy: true }, h2.target, h3.target, localTarget()]);
        await stack.up({ onOutput }); // records the wish; nothing else changes on the hosts
        const destroy = await stack.destroy({ onOutput });
        expect(destroy.summary.result).toBe("succeeded");
        for (const h of [h1, h2, h3]) expect(fs.readFileSync(configOf(h), "utf8")).not.toContain("[mcp_servers.connectai]");
        // This tool's backups (test 11 read them) go with the entries.
        expect([h1, h2, h3].filter((h) => fs.existsSync(`${configOf(h)}.bak`)).map((h) => h.name)).toEqual([]);
        expect(fs.readFileSync(configOf(h3), "utf8")).toBe(h3Original + h3Added);
        expect(fs.existsSync(codexOf(h1))).toBe(false);
        expect(asUser(h2, [codexOf(h2), "--version"]).stdout).toContain(codexVersion);
    });
});

function escape(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A directory with a `node` that reports version 16.20.2 (and otherwise runs the real one). */
function oldNodeDir(): string {
    const dir = path.join(os.tmpdir(), "codex-connect-old-node");
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.writeFileSync(
        path.join(dir, "node"),
        `#!/bin/sh\n# Pretends to be Node.js 16 for the too-old test.\n[ "$1" = "-e" ] && exec ${process.execPath} -e "Object.defineProperty(process.versions,'node',{value:'16.20.2'});$2"\nexec ${process.execPath} "$@"\n`,
        { mode: 0o755 },
    );
    return dir;
}
