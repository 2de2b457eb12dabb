// The README's library example, exactly as written there, as a program inside the project with
// the real engine. Its docker target goes through a `docker` stand-in on PATH that checks the
// preset's argument vector and maps `exec -i -u vscode devbox` onto a test account.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { codexBinDir, codexMcpGet, codexVersion } from "../helpers/codex";
import { npmSeed } from "../helpers/fleet";
import { suiteNeeding } from "../helpers/needs";
import { projectRoot, pulumiSandbox, toolchainBin } from "../helpers/toolchain";
import { createUser, TestUser } from "../helpers/users";

const PAT = "PAT-readme-example-d0c5";
const header = "Basic " + Buffer.from(`ada@example.com:${PAT}`).toString("base64");

/** The first ```ts block after the marker comment in README.md. */
function readmeExample(): string {
    const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8");
    const at = readme.indexOf("<!-- the program below is run by tests/e2e/readme-example.test.ts -->");
    const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
    if (at < 0 || !m) throw new Error("README.md: the marked example is missing");
    return m[1];
}

const suite = suiteNeeding({ root: true });

suite("the README's library example, with the real engine", () => {
    let devbox: TestUser;
    let dir: string;
    let home: string;
    let standin: string;
    let sandbox: ReturnType<typeof pulumiSandbox>;
    let stack: Stack;
    const printed: string[] = [];
    const onOutput = (s: string) => printed.push(s);
    const devboxConfig = () => path.join(devbox.home, ".codex", "config.toml");
    const calls = () => fs.readFileSync(path.join(standin, "calls.log"), "utf8").trim().split("\n");

    beforeAll(async () => {
        codexBinDir();
        devbox = createUser("cxd");
        fs.cpSync(npmSeed([codexVersion]), path.join(devbox.home, ".npm"), { recursive: true });
        spawnSync("chown", ["-R", `${devbox.uid}:${devbox.gid}`, path.join(devbox.home, ".npm")]);
        // The program in a folder of its own inside the project, where ./components is the project's.
        dir = fs.mkdtempSync(path.join(projectRoot, ".tmp-readme-example-"));
        fs.symlinkSync(path.join(projectRoot, "components"), path.join(dir, "components"));
        fs.writeFileSync(path.join(dir, "index.ts"), readmeExample());
        fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "readme-example", "private": true, "main": "index.ts" }\n');
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: readme-example\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
        home = path.join(dir, "home");
        fs.mkdirSync(home);
        standin = path.join(dir, "bin");
        fs.mkdirSync(standin);
        const ca = ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`);
        fs.writeFileSync(
            path.join(standin, "docker"),
            [
                "#!/bin/sh",
                `echo "$1 $2 $3 $4 $5 $6 $7" >> ${standin}/calls.log`,
                'if [ "$1 $2 $3 $4 $5" != "exec -i -u vscode devbox" ]; then echo "docker stand-in: no such container or user: $*" >&2; exit 125; fi',
                "shift 5",
                `exec runuser -u ${devbox.name} -- env -i HOME=${devbox.home} USER=${devbox.name} PATH=/usr/bin:/bin ${ca.join(" ")} "$@"`,
            ].join("\n") + "\n",
            { mode: 0o755 },
        );
        sandbox = pulumiSandbox("readme-example-");
        const ws = await LocalWorkspace.create({
            workDir: dir,
            pulumiCommand: await PulumiCommand.get({ root: path.dirname(toolchainBin()) }),
            pulumiHome: sandbox.env.PULUMI_HOME,
            // HOME: the local target's ~/.codex; the cached Codex is on PATH for it.
            envVars: { ...(sandbox.env as Record<string, string>), HOME: home, PATH: `${toolchainBin()}:${standin}:${codexBinDir()}:${process.env.PATH}` },
        });
        stack = await Stack.create(`readme${process.pid}`, ws);
        await stack.setConfig("pat", { value: PAT, secret: true });
    });

    afterAll(async () => {
        await stack?.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
        devbox?.remove();
    });

    test("up: Codex and the Connect AI entry in the dev container, Codex and the docs server here", async () => {
        const up = await stack.up({ onOutput });
        expect(up.summary.result).toBe("succeeded");
        expect(new Set(calls())).toEqual(new Set(["exec -i -u vscode devbox /bin/sh -c"]));
        const devboxCodex = path.join(devbox.home, ".local", "bin", "codex");
        const got = spawnSync("runuser", ["-u", devbox.name, "--", "env", "-i", `HOME=${devbox.home}`, "PATH=/usr/bin:/bin", devboxCodex, "mcp", "get", "connectai", "--json"], { encoding: "utf8" });
        expect(got.status).toBe(0);
        const parsed = JSON.parse(got.stdout);
        expect(parsed.transport.http_headers.Authorization === header).toBe(true); // compared, never printed
        expect(parsed).toMatchObject({ transport: { url: "https://mcp.cloud.cdata.com/mcp" }, startup_timeout_sec: 30 });
        expect(fs.statSync(devboxConfig()).uid).toBe(devbox.uid);
        expect(codexMcpGet(path.join(home, ".codex"), "docs")).toMatchObject({ transport: { url: "https://docs.example/mcp", bearer_token_env_var: "DOCS_TOKEN" } });
    });

    test("a second preview expects no changes", async () => {
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("destroy removes both entries", async () => {
        await stack.destroy({ onOutput });
        expect(fs.readFileSync(devboxConfig(), "utf8")).toBe("");
        expect(fs.readFileSync(path.join(home, ".codex", "config.toml"), "utf8")).toBe("");
        expect(printed.join("")).not.toContain(PAT);
        expect(printed.join("")).not.toContain(header.slice(6));
    });
});
