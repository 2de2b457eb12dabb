// docs/getting-started.md as a newcomer follows it: its `sh` blocks, taken from the markdown (so
// that changing the doc changes this test), typed in order into one `bash -e` session, as into a
// terminal, that starts in a fresh clone of this project (under another folder name) with a HOME
// (and PULUMI_HOME) of its own in a temp directory. The session gets only the environment a login
// has (HOME, PATH, the machine's CA settings) and what points it at this machine's caches;
// everything else comes from the doc. Between blocks, the real Codex reads what was written: the entry after `pulumi up`, what
// the doc says the outputs are, and no entry after `pulumi destroy`.
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { codexBinDir, codexMcpGet, codexVersion } from "../helpers/codex";
import { caEnv } from "../helpers/ca-env";
import { freshClone } from "../helpers/clone";
import { projectRoot, toolchainBin } from "../helpers/toolchain";

const DOC = path.join(projectRoot, "docs", "getting-started.md");
const CONNECT_AI_URL = "https://mcp.cloud.cdata.com/mcp";
/** The home the doc's examples show. */
const DOC_HOME = "/home/ada";

const fences = (lang: string) => [...fs.readFileSync(DOC, "utf8").matchAll(new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```$", "gm"))].map((m) => m[1]);

/** One shell, fed a block at a time; each block's stdout is returned once the block is done. */
class Terminal {
    private child: ChildProcessWithoutNullStreams;
    private stdout = "";
    /** stdout and stderr as they came: shown (its end) when a block fails. */
    private transcript = "";
    private exited: Promise<number | null>;

    constructor(cwd: string, env: Record<string, string>) {
        this.child = spawn("bash", ["-e"], { cwd, env });
        this.child.stdout.on("data", (d: Buffer) => ((this.stdout += d), (this.transcript += d)));
        this.child.stderr.on("data", (d: Buffer) => (this.transcript += d));
        this.exited = new Promise((resolve) => this.child.once("exit", resolve));
    }

    /**
     * Runs a block as if pasted at the prompt. Its commands read no terminal input (</dev/null; the
     * shell reads the blocks on its own stdin). Under -e, a failing command ends the shell, and this rejects.
     */
    async run(block: string): Promise<string> {
        const marker = `@@done-${randomBytes(8).toString("hex")}@@`;
        const from = this.stdout.length;
        this.child.stdin.write(`{\n${block}\n} </dev/null\nprintf '\\n%s\\n' ${marker}\n`);
        const done = new Promise<string>((resolve) => {
            const check = () => {
                const at = this.stdout.indexOf(`\n${marker}\n`, from);
                if (at < 0) return;
                this.child.stdout.off("data", check);
                resolve(this.stdout.slice(from, at));
            };
            this.child.stdout.on("data", check);
            check();
        });
        const failed = this.exited.then((code) => {
            throw new Error(`the shell ended (exit ${code}) in the block:\n${block}\n--- its last output:\n${this.transcript.slice(-4000)}`);
        });
        return Promise.race([done, failed]);
    }

    async close(): Promise<void> {
        this.child.stdin.end();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer);
        if (this.child.exitCode === null) this.child.kill();
    }
}

/** Whether a file exists and a hash of it. */
const fingerprint = (f: string) => (fs.existsSync(f) ? createHash("sha256").update(fs.readFileSync(f)).digest("hex") : "absent");
/** The CLI's home is the account's (user.Current), not $HOME's: PULUMI_HOME keeps the run out of it. */
const machinePulumiHome = path.join(os.userInfo().homedir, ".pulumi");
/** What this run must not change on the machine: the account's Codex config, and Pulumi's login and workspaces (the doc's project). */
const machineState = () => ({
    codexConfig: fingerprint(path.join(os.userInfo().homedir, ".codex", "config.toml")),
    pulumiLogin: fingerprint(path.join(machinePulumiHome, "credentials.json")),
    pulumiWorkspaces: (fs.existsSync(path.join(machinePulumiHome, "workspaces")) ? fs.readdirSync(path.join(machinePulumiHome, "workspaces")) : []).filter(
        (f) => f.startsWith("codex-program-"),
    ),
});

describe("docs/getting-started.md, block by block, in a fresh clone with a HOME of its own", () => {
    const blocks = fences("sh");
    const upAt = blocks.findIndex((b) => /^pulumi up --yes$/m.test(b));
    const destroyAt = blocks.findIndex((b) => /^pulumi destroy --yes$/m.test(b));
    let dir: string;
    let home: string;
    let term: Terminal;
    let codexHome: string;
    const machineBefore = machineState();
    const config = () => path.join(codexHome, "config.toml");

    beforeAll(() => {
        const bin = toolchainBin();
        codexBinDir();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "getting-started-"));
        home = path.join(dir, "home");
        // The clone under a name of its own (the doc must not assume one), with its npm packages
        // installed as the doc asks (`npm ci`): this project's, linked.
        const clone = freshClone(path.join(home, "work", "our-codex-tools"));
        fs.symlinkSync(fs.realpathSync(path.join(projectRoot, "node_modules")), path.join(clone, "node_modules"));
        term = new Terminal(clone, {
            HOME: home,
            PULUMI_HOME: path.join(home, ".pulumi"),
            // Node, and Codex at the pinned version (tests/helpers/codex.ts), as this machine has them:
            // the test hosts model fresh machines, and as root the component would install Codex into npm's global prefix.
            PATH: [codexBinDir(), path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
            LANG: "C.UTF-8",
            ...caEnv(),
            // This machine's caches, which the sandboxed HOME would hide: the toolchain (its Go builds
            // take minutes; their sources are beside the project) and npm's packages.
            PULUMI_TOOLCHAIN_HOME: path.dirname(path.dirname(bin)),
            CODEX_CONNECT_VENDOR_SRC: process.env.CODEX_CONNECT_VENDOR_SRC ?? path.join(projectRoot, "..", "shared", "vendor-src"),
            npm_config_cache: path.join(os.homedir(), ".npm"),
        });
    });

    afterAll(async () => {
        await term?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("the doc has the steps this test checks, in this order", () => {
        expect(blocks.length).toBeGreaterThanOrEqual(6);
        expect(upAt).toBeGreaterThan(0);
        expect(destroyAt).toBeGreaterThan(upAt);
        const all = blocks.join("\n");
        for (const step of [
            "npm run --silent toolchain",
            "npm pack",
            "npm pkg set main=index.ts",
            "runtime: nodejs",
            "export CODEX_HOME=~/",
            'pulumi login "file://',
            "pulumi preview --expect-no-changes",
            "mcp list",
        ])
            expect(all).toContain(step);
        expect(all.indexOf("pulumi preview --expect-no-changes")).toBeGreaterThan(all.indexOf("pulumi up --yes"));
    });

    test("up to `pulumi up --yes`: the toolchain, the packed package in a program written by hand, a file backend; Codex reads the entry", async () => {
        let out = "";
        for (const b of blocks.slice(0, upAt + 1)) out += await term.run(b);
        // package.json's main is the program (npm init's index.js is not): the host runs it without a fallback.
        expect(out).toContain("Resources:");
        expect(out).not.toContain("Could not find entry point");
        codexHome = (await term.run('printf %s "$CODEX_HOME"')).trim();
        expect(codexHome.startsWith(home + path.sep)).toBe(true);
        expect(codexMcpGet(codexHome, "connectai")).toMatchObject({
            name: "connectai",
            enabled: true,
            transport: { type: "streamable_http", url: CONNECT_AI_URL, http_headers: null }, // OAuth: no credential in the file
            startup_timeout_sec: 30,
        });
    });

    test("the outputs are what the doc says they are", async () => {
        const outputs = JSON.parse(await term.run("pulumi stack output --json"));
        expect(outputs).toMatchObject({ configPath: config(), codexVersion, loginCommand: "codex mcp login connectai" });
        const shown = fences("text").find((t) => t.startsWith("Outputs:"))!;
        const doc = Object.fromEntries([...shown.matchAll(/^\s+(\w+)\s*:\s*(.+)$/gm)].map((m) => [m[1], JSON.parse(m[2])]));
        expect(Object.keys(doc).sort()).toEqual(Object.keys(outputs).sort());
        const mine = (v: string) => v.replace(DOC_HOME, home);
        expect({ configPath: mine(doc.configPath), codexVersion: doc.codexVersion, loginCommand: doc.loginCommand }).toEqual({
            configPath: outputs.configPath,
            codexVersion: outputs.codexVersion,
            loginCommand: outputs.loginCommand,
        });
    });

    test("then to `pulumi destroy`: the preview expects no changes and writes nothing; codex mcp list shows the server", async () => {
        const before = fs.statSync(config()).mtimeMs;
        let out = "";
        for (const b of blocks.slice(upAt + 1, destroyAt)) out += await term.run(b);
        expect(out).toMatch(new RegExp(`^connectai\\s+${CONNECT_AI_URL.replace(/[./]/g, "\\$&")}\\s+-\\s+enabled\\b`, "m"));
        expect(fs.statSync(config()).mtimeMs).toBe(before);
    });

    test("`pulumi destroy --yes` and what follows: the entry is gone, Codex says so; this machine's own files untouched", async () => {
        for (const b of blocks.slice(destroyAt)) await term.run(b);
        const get = spawnSync(path.join(codexBinDir(), "codex"), ["mcp", "get", "connectai", "--json"], {
            env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: codexHome },
            encoding: "utf8",
        });
        expect(get.status).not.toBe(0);
        expect(fs.readFileSync(config(), "utf8").includes("[mcp_servers.connectai]")).toBe(false);
        const list = spawnSync(path.join(codexBinDir(), "codex"), ["mcp", "list", "--json"], {
            env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: codexHome },
            encoding: "utf8",
        });
        expect({ status: list.status, names: list.status === 0 ? JSON.parse(list.stdout).map((s: { name: string }) => s.name) : list.stderr }).toEqual({
            status: 0,
            names: [],
        });
        expect(machineState()).toEqual(machineBefore);
    });
});
