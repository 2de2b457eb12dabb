// The package as another Pulumi program gets it: `npm pack` of this project, installed into a fresh
// TypeScript program in a temp directory, type-checked against the package's declarations; the
// program is the README's library example exactly as written there. Up, a clean preview and
// destroy through the real engine, its docker target through a `docker` stand-in on PATH that checks
// the preset's argument vector and maps `exec -i -u vscode devbox` onto a test account. Nothing is
// written into the program's folder or its node_modules at run time.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexBinDir, codexMcpGet, codexVersion } from "../helpers/codex";
import { npmSeed } from "../helpers/fleet";
import { caEnvArgs } from "../helpers/ca-env";
import { suiteNeeding } from "../helpers/needs";
import { sandboxStack } from "../helpers/stack";
import { projectRoot } from "../helpers/toolchain";
import { createUser, TestUser } from "../helpers/users";

const PAT = "PAT-package-e2e-4f0a2b";
const header = "Basic " + Buffer.from(`ada@example.com:${PAT}`).toString("base64");
const own = require(path.join(projectRoot, "package.json"));

/** The first ```ts block after the marker comment in README.md. */
function readmeExample(): string {
    const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8");
    const at = readme.indexOf("<!-- the program below is run by tests/e2e/package.test.ts -->");
    const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
    if (at < 0 || !m) throw new Error("README.md: the marked example is missing");
    return m[1];
}

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

suite("the packed package in a fresh TypeScript program, running the README's example", () => {
    let devbox: TestUser;
    let dir: string;
    let program: string;
    let home: string;
    let standin: string;
    let stack: Stack;
    let remove: (() => Promise<void>) | undefined;
    let before: Map<string, number>;
    let ownBeforePack: string;
    let ownAfterPack: string;
    const printed: string[] = [];
    const onOutput = (s: string) => printed.push(s);
    const devboxConfig = () => path.join(devbox.home, ".codex", "config.toml");
    const calls = () => fs.readFileSync(path.join(standin, "calls.log"), "utf8").trim().split("\n");

    beforeAll(async () => {
        codexBinDir();
        devbox = createUser("cxd");
        fs.cpSync(npmSeed([codexVersion]), path.join(devbox.home, ".npm"), { recursive: true });
        spawnSync("chown", ["-R", `${devbox.uid}:${devbox.gid}`, path.join(devbox.home, ".npm")]);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "package-e2e-"));
        fs.chmodSync(dir, 0o755);
        ownBeforePack = fs.readFileSync(path.join(projectRoot, "package.json"), "utf8");
        const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
            cwd: projectRoot,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
        })
            .trim()
            .split("\n")
            .pop()!;
        ownAfterPack = fs.readFileSync(path.join(projectRoot, "package.json"), "utf8");
        program = path.join(dir, "program");
        fs.mkdirSync(program);
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: package-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
        fs.writeFileSync(path.join(program, "index.ts"), readmeExample());
        fs.writeFileSync(
            path.join(program, "tsconfig.json"),
            JSON.stringify(
                {
                    compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true, types: ["node"] },
                    files: ["index.ts"],
                },
                null,
                2,
            ),
        );
        const dev = own.devDependencies;
        fs.writeFileSync(
            path.join(program, "package.json"),
            JSON.stringify(
                {
                    name: "package-e2e",
                    private: true,
                    main: "index.ts",
                    dependencies: {
                        "codex-connect-pulumi": `file:../${tarball}`,
                        "@pulumi/pulumi": dev["@pulumi/pulumi"],
                        "@pulumi/command": dev["@pulumi/command"],
                    },
                    devDependencies: { typescript: dev.typescript, "ts-node": dev["ts-node"], "@types/node": dev["@types/node"] },
                },
                null,
                2,
            ),
        );
        execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], {
            cwd: program,
            stdio: ["ignore", "ignore", "inherit"],
        });

        home = path.join(dir, "home");
        fs.mkdirSync(home);
        standin = path.join(dir, "bin");
        fs.mkdirSync(standin);
        fs.writeFileSync(
            path.join(standin, "docker"),
            [
                "#!/bin/sh",
                `echo "$1 $2 $3 $4 $5 $6 $7" >> ${standin}/calls.log`,
                'if [ "$1 $2 $3 $4 $5" != "exec -i -u vscode devbox" ]; then echo "docker stand-in: no such container or user: $*" >&2; exit 125; fi',
                "shift 5",
                `exec runuser -u ${devbox.name} -- env -i HOME=${devbox.home} USER=${devbox.name} PATH=/usr/bin:/bin ${caEnvArgs().join(" ")} "$@"`,
            ].join("\n") + "\n",
            { mode: 0o755 },
        );
        // HOME: the local targets' ~/.codex; the cached Codex is on PATH for them.
        ({ stack, remove } = await sandboxStack({ name: "package", workDir: program, path: [standin, codexBinDir()], env: { HOME: home } }));
        await stack.setConfig("pat", { value: PAT, secret: true });
        before = snapshot(program);
    });

    afterAll(async () => {
        await remove?.();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
        devbox?.remove();
    });

    test("what is installed: compiled JavaScript with types and the prebuilt runner, no sources; the program type-checks", () => {
        const pkg = path.join(program, "node_modules", "codex-connect-pulumi");
        const files = (fs.readdirSync(pkg, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(pkg, f)).isFile());
        expect(files).toEqual(
            expect.arrayContaining(["package.json", "dist/components/index.js", "dist/components/index.d.ts", "dist/runner/codex-mcp-runner.js"]),
        );
        expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
        // The shipped manifest: what a consumer needs, none of the repository's scripts (prepare builds
        // from sources a tarball does not hold) or devDependencies; the repository's own is back as it was.
        const shipped = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8"));
        const { scripts, devDependencies, ...rest } = own;
        expect(scripts.prepare && devDependencies).toBeTruthy();
        expect(shipped).toMatchObject(rest);
        expect(shipped).not.toHaveProperty("scripts");
        expect(shipped).not.toHaveProperty("devDependencies");
        for (const k of ["main", "types", "exports", "bin", "dependencies", "peerDependencies", "engines"]) expect(shipped[k]).toBeTruthy();
        expect(ownAfterPack === ownBeforePack).toBe(true);
        expect(fs.existsSync(path.join(projectRoot, ".package.json.packing"))).toBe(false);
        const tsc = spawnSync(process.execPath, [path.join(program, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", program], {
            encoding: "utf8",
        });
        expect(tsc.stdout + tsc.stderr).toBe("");
    });

    test("up: Codex and the Connect AI entry in the dev container, Codex and the docs server here", async () => {
        const up = await stack.up({ onOutput });
        expect(up.summary.result).toBe("succeeded");
        expect(new Set(calls())).toEqual(new Set(["exec -i -u vscode devbox /bin/sh -c"]));
        const devboxCodex = path.join(devbox.home, ".local", "bin", "codex");
        const got = spawnSync(
            "runuser",
            ["-u", devbox.name, "--", "env", "-i", `HOME=${devbox.home}`, "PATH=/usr/bin:/bin", devboxCodex, "mcp", "get", "connectai", "--json"],
            { encoding: "utf8" },
        );
        expect(got.status).toBe(0);
        const parsed = JSON.parse(got.stdout);
        expect(parsed.transport.http_headers.Authorization === header).toBe(true); // compared, never printed
        expect(parsed).toMatchObject({ transport: { url: "https://mcp.cloud.cdata.com/mcp" }, startup_timeout_sec: 30 });
        expect(fs.statSync(devboxConfig()).uid).toBe(devbox.uid);
        expect(codexMcpGet(path.join(home, ".codex"), "docs")).toMatchObject({
            transport: { url: "https://docs.example/mcp", bearer_token_env_var: "DOCS_TOKEN" },
        });
    });

    test("a second preview expects no changes", async () => {
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("destroy removes both entries; nothing was written into the program or its node_modules", async () => {
        await stack.destroy({ onOutput });
        expect(fs.readFileSync(devboxConfig(), "utf8")).toBe("");
        expect(fs.readFileSync(path.join(home, ".codex", "config.toml"), "utf8")).toBe("");
        const after = snapshot(program);
        const changed = [...after].filter(([f, m]) => before.get(f) !== m).map(([f]) => f);
        expect(changed.filter((f) => f !== `Pulumi.${stack.name}.yaml`)).toEqual([]);
        expect(printed.join("")).not.toContain(PAT);
        expect(printed.join("")).not.toContain(header.slice(6));
    });
});
