// The components as a Pulumi package for any language, through the real engine: this repository
// (PulumiPlugin.yaml) added with `pulumi package add` and run by its provider. examples/yaml (the YAML
// language host built from the vendored pulumi-yaml source), examples/typescript (the SDK that
// `pulumi install` generates) and examples/go (the Go SDK that `pulumi install` generates, run by the
// Go language host built from its vendored source) each provision this machine (a temp HOME) and an
// SSH host (a real sshd, one test account): up, Codex reading each entry, a clean preview, drift
// repaired, destroy. A YAML
// program that passes a plain, non-secret PAT proves that the components keep it secret anyway. The
// state files, the stack exports, the engine's output and the process table are scanned for every
// credential. The package is also added from a git URL at a tag, served over HTTPS as a company's
// git host would serve it, and run from YAML.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { filesUnder, goEnv, packageCheckout, setConfig, toolchainBinWithHosts } from "../helpers/any-language";
import { caEnvArgs } from "../helpers/ca-env";
import { serveThisRepo } from "../helpers/git-https";
import { codexBinDir, codexMcpGet, codexVersion } from "../helpers/codex";
import { FleetHost, npmSeed, startFleet } from "../helpers/fleet";
import { suiteNeeding } from "../helpers/needs";
import { PulumiSandbox, sandboxEnv, sandboxStack, SandboxStackOptions } from "../helpers/stack";
import { projectRoot, pulumiSandbox } from "../helpers/toolchain";
import { ProcessTable } from "../helpers/process-table";

const EMAIL = "ada@example.com";
const PATS = { yaml: "PAT-anylang-yaml-5c1e9a", typescript: "PAT-anylang-ts-82d04f", go: "PAT-anylang-go-3fa7d2", plain: "PAT-anylang-plain-e7b310" };
const headerOf = (pat: string) => "Basic " + Buffer.from(`${EMAIL}:${pat}`).toString("base64");
const secretsOf = (pat: string) => [pat, Buffer.from(`${EMAIL}:${pat}`).toString("base64"), headerOf(pat)];
const CONNECT_AI_URL = "https://mcp.cloud.cdata.com/mcp";

const suite = suiteNeeding({ root: true, sshd: true });

suite("any Pulumi language: the package from YAML and from generated TypeScript and Go SDKs, with the real engine", () => {
    let bin: string;
    let dir: string;
    let pkg: string;
    let localHome: string;
    let fleet: Awaited<ReturnType<typeof startFleet>>;
    let web1: FleetHost;
    let sandbox: PulumiSandbox;
    /** How the engine runs for every stack here: one sandbox (one backend), the toolchain with the YAML and Go hosts. */
    let engine: Pick<SandboxStackOptions, "sandbox" | "bin" | "path" | "env">;
    let env: NodeJS.ProcessEnv;
    const stackName = `anylang${process.pid}`;
    /** examples/go in the checkout its test made (for the scan of its stack file). */
    let goProgram: string | undefined;
    const printed: string[] = [];
    const exports: string[] = [];
    const processTable = new ProcessTable();
    const onOutput = (s: string) => printed.push(s);

    const localConfig = () => path.join(localHome, ".codex", "config.toml");
    const webConfig = () => path.join(web1.user.home, ".codex", "config.toml");
    const webCodex = () => path.join(web1.user.home, ".local", "bin", "codex");

    /** What Codex on the SSH host parsed, as its account; the header is compared here, never printed. */
    function webGet(header: string) {
        const r = spawnSync(
            "runuser",
            [
                "-u",
                web1.user.name,
                "--",
                "env",
                "-i",
                `HOME=${web1.user.home}`,
                "PATH=/usr/bin:/bin",
                ...caEnvArgs(),
                webCodex(),
                "mcp",
                "get",
                "connectai",
                "--json",
            ],
            { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
        );
        if (r.status !== 0) throw new Error(`codex mcp get on web1 exited ${r.status}`);
        const got = JSON.parse(r.stdout);
        const hh = got.transport?.http_headers;
        if (hh?.Authorization !== undefined) hh.Authorization = hh.Authorization === header ? "<as expected>" : "<different>";
        return got;
    }

    async function stackIn(workDir: string, more: NodeJS.ProcessEnv = {}): Promise<Stack> {
        return (await sandboxStack({ name: "anylang", stackName, workDir, ...engine, env: { ...engine.env, ...more } })).stack;
    }

    /** The example's stack: both targets, the PAT and the SSH key as secrets over stdin. */
    async function exampleStack(workDir: string, pat: string): Promise<Stack> {
        const stack = await stackIn(workDir);
        await stack.setAllConfig({
            email: { value: EMAIL },
            sshHost: { value: "127.0.0.1" },
            sshPort: { value: String(web1.ssh.port) },
            sshUser: { value: web1.user.name },
            sshHostKey: { value: web1.ssh.hostKey },
        });
        setConfig(bin, env, workDir, stackName, "pat", pat, true);
        setConfig(bin, env, workDir, stackName, "sshPrivateKey", web1.ssh.clientKey, true);
        return stack;
    }

    /** `pulumi stack export` as a person runs it (the Automation API's exportStack adds --show-secrets). */
    function exportOf(stack: Stack): string {
        return execFileSync(path.join(bin, "pulumi"), ["stack", "export", "--stack", stack.name], {
            cwd: stack.workspace.workDir,
            env,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
        });
    }
    async function keepExport(stack: Stack) {
        exports.push(exportOf(stack));
    }

    /** up, Codex reads both entries, a clean preview, drift on each target repaired, destroy. */
    async function fullCycle(stack: Stack, pat: string) {
        const up = await stack.up({ onOutput });
        expect(up.summary.result).toBe("succeeded");
        expect(up.outputs.web1Codex.value).toBe(codexVersion);
        const connect = {
            transport: { type: "streamable_http", url: CONNECT_AI_URL, http_headers: { Authorization: "<as expected>" } },
            startup_timeout_sec: 30,
        };
        expect(codexMcpGet(path.dirname(localConfig()), "connectai", { Authorization: headerOf(pat) })).toMatchObject(connect);
        expect(webGet(headerOf(pat))).toMatchObject(connect);
        expect(fs.statSync(webConfig()).uid).toBe(web1.user.uid);
        await keepExport(stack);

        await stack.preview({ expectNoChanges: true, onOutput });

        // Drift on the SSH host: the URL edited. Only that target is updated; the next preview is clean.
        fs.writeFileSync(webConfig(), fs.readFileSync(webConfig(), "utf8").replace(CONNECT_AI_URL, "https://evil.example/mcp"));
        let before = printed.length;
        const preview = await stack.preview({ onOutput });
        expect(preview.changeSummary.update).toBe(1);
        expect(printed.slice(before).join("")).toMatch(
            new RegExp(`ssh ${web1.user.name}@127\\.0\\.0\\.1:${web1.ssh.port}: drifted: entry\\.url "https://evil\\.example/mcp"`),
        );
        let repair = await stack.up({ onOutput });
        expect(repair.summary.resourceChanges?.update).toBe(1);
        expect(webGet(headerOf(pat)).transport.url).toBe(CONNECT_AI_URL);
        // Drift here: the file deleted.
        fs.rmSync(localConfig());
        before = printed.length;
        repair = await stack.up({ onOutput });
        expect(repair.summary.resourceChanges?.update).toBe(1);
        expect(printed.slice(before).join("")).toContain("local: drifted: file-missing");
        expect(codexMcpGet(path.dirname(localConfig()), "connectai", { Authorization: headerOf(pat) })).toMatchObject(connect);
        await stack.preview({ expectNoChanges: true, onOutput });
        await keepExport(stack);

        const destroy = await stack.destroy({ onOutput });
        expect(destroy.summary.result).toBe("succeeded");
        expect(fs.readFileSync(localConfig(), "utf8")).not.toContain("[mcp_servers.connectai]");
        expect(fs.readFileSync(webConfig(), "utf8")).not.toContain("[mcp_servers.connectai]");
        // Codex stays (uninstallOnDestroy is off).
        expect(fs.existsSync(webCodex())).toBe(true);
    }

    beforeAll(async () => {
        bin = toolchainBinWithHosts();
        codexBinDir();
        fleet = await startFleet(["web1"], { seed: npmSeed([codexVersion]) });
        [web1] = fleet.hosts;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "any-language-"));
        pkg = packageCheckout(path.join(dir, "codex-connect-pulumi"));
        localHome = path.join(dir, "home");
        fs.mkdirSync(localHome);
        sandbox = pulumiSandbox("any-language-state-");
        engine = {
            sandbox,
            bin,
            // The local targets' ~/.codex; the cached Codex is on PATH for them.
            path: [codexBinDir()],
            // npm (pulumi install, the package's npm install) and go (the Go host's builds) keep using this machine's caches.
            env: { HOME: localHome, npm_config_cache: path.join(os.homedir(), ".npm"), ...goEnv() },
        };
        env = sandboxEnv(sandbox, engine);
        processTable.start(100);
    });

    afterAll(async () => {
        processTable.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
        if (sandbox) fs.rmSync(sandbox.dir, { recursive: true, force: true });
        fleet?.stop();
    });

    test("the schema: the three components with their inputs, outputs and doc comments", () => {
        const schema = JSON.parse(
            execFileSync(path.join(bin, "pulumi"), ["package", "get-schema", pkg], { cwd: dir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
        );
        const r = schema.resources;
        expect(Object.keys(r).sort()).toEqual([
            "codex-connect-pulumi:index:CodexCli",
            "codex-connect-pulumi:index:CodexMcpServer",
            "codex-connect-pulumi:index:ConnectAiCodex",
        ]);
        const connect = r["codex-connect-pulumi:index:ConnectAiCodex"];
        expect(connect.isComponent).toBe(true);
        expect(connect.description).toMatch(/Connect AI/);
        expect(Object.keys(connect.inputProperties)).toEqual(
            expect.arrayContaining([
                "target",
                "auth",
                "email",
                "pat",
                "bearerTokenEnvVar",
                "envHttpHeaders",
                "serverName",
                "url",
                "codex",
                "verify",
                "takeOver",
            ]),
        );
        expect(connect.requiredInputs).toEqual(["target"]);
        expect(connect.inputProperties.pat.description).toMatch(/secret whatever the caller passes/);
        expect(Object.keys(connect.properties).sort()).toEqual([
            "codexPath",
            "codexVersion",
            "configPath",
            "drift",
            "loginCommand",
            "notReadyBecause",
            "ready",
            "repaired",
            "signIn",
        ]);
        expect(r["codex-connect-pulumi:index:CodexMcpServer"].requiredInputs).toEqual(["name", "target", "url"]);
        expect(r["codex-connect-pulumi:index:CodexMcpServer"].inputProperties.httpHeaders).toMatchObject({
            type: "object",
            additionalProperties: { type: "string" },
        });
        expect(r["codex-connect-pulumi:index:CodexCli"].requiredInputs).toEqual(["target"]);
        const t = schema.types;
        expect(t["codex-connect-pulumi:index:TargetKind"].enum.map((e: { value: string }) => e.value)).toEqual(["local", "ssh", "docker", "podman", "exec"]);
        expect(t["codex-connect-pulumi:index:ConnectAiAuth"].enum.map((e: { value: string }) => e.value)).toEqual([
            "oauth",
            "basic",
            "bearer-env",
            "env-headers",
        ]);
        expect(t["codex-connect-pulumi:index:TargetArgs"].required).toEqual(["kind"]);
        expect(t["codex-connect-pulumi:index:TargetArgs"].properties.hostKey.description).toMatch(/known_hosts/);
    });

    test("examples/yaml through the YAML language host: up, Codex reads both entries, clean preview, drift repaired, destroy", async () => {
        const stack = await exampleStack(path.join(pkg, "examples", "yaml"), PATS.yaml);
        await fullCycle(stack, PATS.yaml);
    });

    test("examples/typescript through the generated SDK (pulumi install): the same", async () => {
        const program = path.join(pkg, "examples", "typescript");
        execFileSync(path.join(bin, "pulumi"), ["install"], { cwd: program, env, stdio: ["ignore", "ignore", "inherit"] });
        expect(fs.existsSync(path.join(program, "node_modules", "@pulumi", "codex-connect-pulumi", "bin", "index.js"))).toBe(true);
        const stack = await exampleStack(program, PATS.typescript);
        await fullCycle(stack, PATS.typescript);
    });

    test("examples/go through the generated Go SDK (pulumi install, the Go language host): the same", async () => {
        // A checkout of its own: once examples/typescript is installed, the Node.js host finds that
        // SDK in examples/typescript/node_modules when it lists the plugins the package needs, and
        // every later `pulumi install` of a program that adds the checkout tries to download the
        // package itself (docs/any-language.md).
        const program = path.join(packageCheckout(path.join(dir, "for-go")), "examples", "go");
        goProgram = program;
        // Generates sdks/codex-connect-pulumi, which go.mod's replace names, then go mod tidy.
        execFileSync(path.join(bin, "pulumi"), ["install"], { cwd: program, env, stdio: ["ignore", "ignore", "inherit"] });
        expect(fs.existsSync(path.join(program, "sdks", "codex-connect-pulumi", "codexconnectpulumi", "connectAiCodex.go"))).toBe(true);
        // The committed go.mod and go.sum are what pulumi install leaves (a person's run changes neither).
        for (const f of ["go.mod", "go.sum"])
            expect(fs.readFileSync(path.join(program, f), "utf8")).toBe(fs.readFileSync(path.join(projectRoot, "examples", "go", f), "utf8"));
        const stack = await exampleStack(program, PATS.go);
        await fullCycle(stack, PATS.go);
    });

    test("a plain, non-secret PAT from a YAML program: kept secret by the components; bad input named", async () => {
        const program = path.join(dir, "plain");
        fs.mkdirSync(program);
        const codexHome = path.join(dir, "plain-codex");
        const yaml = (target: string) =>
            [
                "name: anylang-plain",
                "runtime: yaml",
                "packages:",
                `  codex-connect-pulumi: ${pkg}`,
                "resources:",
                "  plain:",
                "    type: codex-connect-pulumi:ConnectAiCodex",
                "    properties:",
                `      target: ${target}`,
                "      auth: basic",
                `      email: ${EMAIL}`,
                `      pat: ${PATS.plain}`,
                "      verify: false",
                "outputs:",
                "  configPath: ${plain.configPath}",
            ].join("\n") + "\n";
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), yaml(`{ kind: local, codexHome: ${codexHome} }`));
        const stack = await stackIn(program);
        const up = await stack.up({ onOutput });
        expect(up.outputs.configPath.value).toBe(path.join(codexHome, "config.toml"));
        expect(codexMcpGet(codexHome, "connectai", { Authorization: headerOf(PATS.plain) })).toMatchObject({
            transport: { http_headers: { Authorization: "<as expected>" } },
        });
        await stack.preview({ expectNoChanges: true, onOutput });
        // What the engine keeps for the components: no inputs at all; the header only inside the command's secret stdin.
        const deployment = JSON.parse(exportOf(stack)).deployment as { resources: Array<{ type: string; inputs?: Record<string, unknown> }> };
        expect(
            deployment.resources
                .filter((r) => r.type.startsWith("codex-connect"))
                .map((r) => r.type)
                .sort(),
        ).toEqual(["codex-connect-pulumi:index:ConnectAiCodex"]);
        for (const r of deployment.resources.filter((r) => r.type.startsWith("codex-connect:"))) expect(r.inputs ?? {}).toEqual({});
        await keepExport(stack);
        // A target that is not one: the error names the component and each field.
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), yaml(`{ kind: ssh, host: 127.0.0.1, port: 70000, container: x }`));
        const failed = await stack.preview({ onOutput }).then(
            () => "",
            (e: Error) => e.message,
        );
        expect(failed).toMatch(/ConnectAiCodex plain: invalid target: /);
        for (const problem of [
            "target.port: must be a whole number from 1 to 65535",
            "target.container: not a field of kind",
            "target.user: required for kind",
        ])
            expect(failed).toContain(problem);
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), yaml(`{ kind: local, codexHome: ${codexHome} }`));
        await stack.destroy({ onOutput });
        expect(fs.readFileSync(path.join(codexHome, "config.toml"), "utf8")).toBe("");
    });

    test("a git URL at a tag: pulumi package add over HTTPS, the schema, up and destroy from YAML", async () => {
        const git = await serveThisRepo(path.join(dir, "git"));
        try {
            const gitEnv = { ...env, SSL_CERT_FILE: git.caBundle };
            const pulumi = (cwd: string, ...args: string[]) =>
                execFileSync(path.join(bin, "pulumi"), args, { cwd, env: gitEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
            const program = path.join(dir, "from-git");
            fs.mkdirSync(program);
            fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: anylang-git\nruntime: yaml\n");
            pulumi(program, "package", "add", `${git.url}@${git.tag}`);
            const source = `${git.url.replace("https://", "")}@${git.tag}`;
            expect(fs.readFileSync(path.join(program, "Pulumi.yaml"), "utf8")).toContain(`packages:\n  codex-connect-pulumi: ${source}\n`);
            const schema = JSON.parse(pulumi(program, "package", "get-schema", `${git.url}@${git.tag}`));
            expect(schema.pluginDownloadURL).toBe(git.url.replace("https://", "git://"));
            expect(Object.keys(schema.resources).sort()).toEqual([
                "codex-connect-pulumi:index:CodexCli",
                "codex-connect-pulumi:index:CodexMcpServer",
                "codex-connect-pulumi:index:ConnectAiCodex",
            ]);
            expect(schema.resources["codex-connect-pulumi:index:ConnectAiCodex"].inputProperties.pat.description).toMatch(/secret whatever the caller passes/);

            const codexHome = path.join(dir, "git-codex");
            fs.appendFileSync(
                path.join(program, "Pulumi.yaml"),
                [
                    "resources:",
                    "  fromgit:",
                    "    type: codex-connect-pulumi:ConnectAiCodex",
                    "    properties:",
                    `      target: { kind: local, codexHome: ${codexHome} }`,
                    "      verify: false",
                    "outputs:",
                    "  configPath: ${fromgit.configPath}",
                    "",
                ].join("\n"),
            );
            const stack = await stackIn(program, { SSL_CERT_FILE: git.caBundle });
            const up = await stack.up({ onOutput });
            expect(up.outputs.configPath.value).toBe(path.join(codexHome, "config.toml"));
            expect(codexMcpGet(codexHome, "connectai")).toMatchObject({ transport: { type: "streamable_http", url: CONNECT_AI_URL }, startup_timeout_sec: 30 });
            await stack.preview({ expectNoChanges: true, onOutput });
            await stack.destroy({ onOutput });
            expect(fs.readFileSync(path.join(codexHome, "config.toml"), "utf8")).toBe("");
        } finally {
            git.stop();
        }
    });

    test("no credential in plain text: state files, stack exports, engine output, process table", () => {
        processTable.stop();
        const haystacks: Array<[string, string]> = [
            ["engine output", printed.join("")],
            ["stack exports", exports.join("\n")],
            ["process table", processTable.text()],
        ];
        for (const f of filesUnder(path.join(sandbox.dir, "state"))) haystacks.push([f, fs.readFileSync(f, "utf8")]);
        for (const p of [
            path.join(pkg, "examples", "yaml"),
            path.join(pkg, "examples", "typescript"),
            ...(goProgram ? [goProgram] : []),
            path.join(dir, "plain"),
        ]) {
            const f = path.join(p, `Pulumi.${stackName}.yaml`);
            if (fs.existsSync(f)) haystacks.push([f, fs.readFileSync(f, "utf8")]);
        }
        // The scan sees what it should: the components, the SSH command, and the sampler ran.
        expect(haystacks.some(([n, h]) => n.includes("state") && h.includes("codex-connect-pulumi:index:ConnectAiCodex"))).toBe(true);
        expect(haystacks.some(([n, h]) => n.includes("state") && h.includes("command:local:Command"))).toBe(true);
        expect(processTable.samples).toBeGreaterThan(50);
        // The SSH key: its base64 body lines but the first, which is the same in every unencrypted
        // ed25519 key ("openssh-key-v1", "none", "none", one key, "ssh-e"): any other run's key in the
        // process table matched it.
        const keyLines = web1.ssh.clientKey
            .split("\n")
            .filter((l) => l.length > 40 && !l.startsWith("-----"))
            .slice(1);
        expect(keyLines.length).toBeGreaterThan(0);
        const secrets = [...secretsOf(PATS.yaml), ...secretsOf(PATS.typescript), ...secretsOf(PATS.go), ...secretsOf(PATS.plain), ...keyLines];
        const leaks = haystacks
            .filter(([, h]) => secrets.some((s) => h.includes(s)))
            .map(([n, h]) =>
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
});
