// The package as another Pulumi program gets it: `npm pack` of this project, installed into a fresh
// TypeScript program in a temp directory (compiled JavaScript and .d.ts, no sources), type-checked,
// then up / a clean preview / destroy with CodexCli, CodexMcpServer and ConnectAiCodex through the
// real engine. Nothing is written into the program's folder or its node_modules at run time.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { codexBinDir, codexMcpGet } from "../helpers/codex";
import { suiteNeeding } from "../helpers/needs";
import { projectRoot, pulumiSandbox, toolchainBin } from "../helpers/toolchain";

const PAT = "PAT-package-e2e-4f0a2b";
const header = "Basic " + Buffer.from(`ada@example.com:${PAT}`).toString("base64");
const own = require(path.join(projectRoot, "package.json"));

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { CodexCli, CodexMcpServer, ConnectAiCodex } from "codex-connect-pulumi";

const cfg = new pulumi.Config();
const homes = cfg.requireObject<Record<string, string>>("homes");
const cli = new CodexCli("cli", { target: { kind: "local", codexHome: homes.cli } });
new CodexMcpServer("docs", { target: { kind: "local", codexHome: homes.docs }, name: "docs", url: "https://docs.example/mcp", bearerTokenEnvVar: "DOCS_TOKEN" });
const connect = new ConnectAiCodex("connect", {
    target: { kind: "local", codexHome: homes.connect },
    auth: "basic", email: "ada@example.com", pat: cfg.requireSecret("pat"),
});
export const codexVersion = cli.codexVersion;
export const configPath = connect.configPath;
`;

/** Every file under dir with its mtime: what the run must leave as it found it. */
function snapshot(dir: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
        const st = fs.lstatSync(path.join(dir, f));
        if (st.isFile()) out.set(f, st.mtimeMs);
    }
    return out;
}

const suite = suiteNeeding({ root: true });

suite("the packed package in a fresh TypeScript program", () => {
    let dir: string;
    let homes: Record<string, string>;
    let sandbox: ReturnType<typeof pulumiSandbox>;
    let stack: Stack;
    let before: Map<string, number>;
    const printed: string[] = [];
    const onOutput = (s: string) => printed.push(s);

    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "package-e2e-"));
        const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop()!;
        const program = path.join(dir, "program");
        fs.mkdirSync(program);
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: package-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
        fs.writeFileSync(path.join(program, "index.ts"), PROGRAM);
        fs.writeFileSync(path.join(program, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node16", esModuleInterop: true, skipLibCheck: false, types: ["node"] }, files: ["index.ts"] }, null, 2));
        const dev = own.devDependencies;
        fs.writeFileSync(
            path.join(program, "package.json"),
            JSON.stringify({ name: "package-e2e", private: true, main: "index.ts", dependencies: { "codex-connect-pulumi": `file:../${tarball}`, "@pulumi/pulumi": dev["@pulumi/pulumi"], "@pulumi/command": dev["@pulumi/command"] }, devDependencies: { typescript: dev.typescript, "ts-node": dev["ts-node"], "@types/node": dev["@types/node"] } }, null, 2),
        );
        execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], { cwd: program, stdio: ["ignore", "ignore", "inherit"] });
        homes = Object.fromEntries(["cli", "docs", "connect"].map((n) => [n, path.join(dir, "homes", n)]));
        sandbox = pulumiSandbox("package-e2e-state-");
        const ws = await LocalWorkspace.create({
            workDir: program,
            pulumiCommand: await PulumiCommand.get({ root: path.dirname(toolchainBin()) }),
            pulumiHome: sandbox.env.PULUMI_HOME,
            envVars: { ...(sandbox.env as Record<string, string>), PATH: `${toolchainBin()}:${codexBinDir()}:${process.env.PATH}` },
        });
        stack = await Stack.create(`package${process.pid}`, ws);
        await stack.setConfig("pat", { value: PAT, secret: true });
        await stack.setConfig("homes", { value: JSON.stringify(homes) });
        before = snapshot(program);
    });

    afterAll(async () => {
        await stack?.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("what is installed: compiled JavaScript with types and the prebuilt runner, no sources", () => {
        const pkg = path.join(dir, "program", "node_modules", "codex-connect-pulumi");
        const files = (fs.readdirSync(pkg, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(pkg, f)).isFile());
        expect(files).toEqual(expect.arrayContaining(["package.json", "dist/components/index.js", "dist/components/index.d.ts", "dist/runner/codex-mcp-runner.js", "dist/target/codex-mcp-target.sh"]));
        expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
        // The program type-checks against the package's declarations.
        execFileSync(process.execPath, [path.join(dir, "program", "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", path.join(dir, "program")], { stdio: "inherit" });
    });

    test("up: the three components converge, and Codex reads the entries", async () => {
        const up = await stack.up({ onOutput });
        expect(up.summary.result).toBe("succeeded");
        expect(codexMcpGet(homes.docs, "docs")).toMatchObject({ transport: { url: "https://docs.example/mcp", bearer_token_env_var: "DOCS_TOKEN" } });
        expect(codexMcpGet(homes.connect, "connectai", { Authorization: header })).toMatchObject({ transport: { http_headers: { Authorization: "<as expected>" } }, startup_timeout_sec: 30 });
        expect(up.outputs.configPath.value).toBe(path.join(homes.connect, "config.toml"));
        expect(up.outputs.codexVersion.value).toMatch(/^\d+\.\d+\.\d+/);
    });

    test("a second preview expects no changes", async () => {
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("destroy removes the entries; nothing was written into the program or its node_modules", async () => {
        await stack.destroy({ onOutput });
        expect(fs.readFileSync(path.join(homes.connect, "config.toml"), "utf8")).toBe("");
        expect(fs.readFileSync(path.join(homes.docs, "config.toml"), "utf8")).toBe("");
        const after = snapshot(path.join(dir, "program"));
        const changed = [...after].filter(([f, m]) => before.get(f) !== m).map(([f]) => f);
        expect(changed.filter((f) => f !== `Pulumi.${stack.name}.yaml`)).toEqual([]);
        expect(printed.join("")).not.toContain(PAT);
        expect(printed.join("")).not.toContain(header.slice(6));
    });
});
