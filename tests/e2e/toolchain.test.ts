// The provisioned toolchain, proven with the real engine: `pulumi up`, a no-change preview and
// `destroy`, once from the command line and once through the Automation API, with the upstream
// language host from bin/, the command plugin (@pulumi/command) from Pulumi's plugin cache, nothing
// taken from PATH and nothing downloaded.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sandboxStack } from "../helpers/stack";
import { ambientPluginWarnings, projectRoot, pulumiSandbox, toolchainBin } from "../helpers/toolchain";

const smokeDir = path.join(projectRoot, "tests", "smoke");
const secret = "SMOKE-TOKEN-7f3a9c";
/** Every file under dir whose bytes contain needle: what is on disk is what an attacker reads. */
function filesContaining(dir: string, needle: string): string[] {
    return (fs.readdirSync(dir, { recursive: true }) as string[])
        .map((f) => path.join(dir, f))
        .filter((f) => fs.statSync(f).isFile() && fs.readFileSync(f).includes(needle));
}

// The pins: devDependencies (the package itself takes @pulumi/* as peer dependencies with ranges).
const dependencies: Record<string, string> = require(path.join(projectRoot, "package.json")).devDependencies;
const pinned = dependencies["@pulumi/pulumi"];
const commandPinned = dependencies["@pulumi/command"];
const script = path.join(projectRoot, "scripts", "pulumi-toolchain.sh");
/** Where `pulumi plugin install` puts the command plugin in a PULUMI_HOME. */
const installedCommand = (home: string) => path.join(home, "plugins", `resource-command-v${commandPinned}`, "pulumi-resource-command");
const sameBytes = (a: string, b: string) => fs.readFileSync(a).equals(fs.readFileSync(b));

describe("Pulumi toolchain", () => {
    test("the CLI reports the version pinned in package.json", () => {
        const out = execFileSync(path.join(toolchainBin(), "pulumi"), ["version"], { encoding: "utf8" });
        expect(out.trim()).toBe(`v${pinned}`);
    });

    test("a second run of the script reuses the cached bin/ with all three parts", () => {
        const bin = toolchainBin();
        const r = spawnSync(script, [], { encoding: "utf8" });
        expect(r.status).toBe(0);
        expect(r.stdout.trim().split("\n").pop()).toBe(bin);
        expect(r.stderr).toMatch(/ready \(cached; pulumi from \w+, language host from \w+, command plugin from \w+\)/);
        for (const f of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-command", "pulumi-resource-pulumi-nodejs"]) {
            expect(fs.statSync(path.join(bin, f)).mode & 0o111).not.toBe(0);
        }
    });

    test("the language host is the upstream one at the same version", () => {
        // Only the upstream host has -version (it prints and exits); the host this replaced would serve gRPC.
        const out = execFileSync(path.join(toolchainBin(), "pulumi-language-nodejs"), ["-version"], {
            encoding: "utf8",
            timeout: 10_000,
        });
        expect(out.trim()).toBe(`v${pinned}`);
    });

    test("the command plugin is the version @pulumi/command is pinned to", () => {
        const { dir, env } = pulumiSandbox("smoke-schema-");
        const plugin = path.join(toolchainBin(), "pulumi-resource-command");
        const schema = JSON.parse(execFileSync("pulumi", ["package", "get-schema", plugin], { cwd: dir, env, encoding: "utf8" }));
        expect({ name: schema.name, version: schema.version }).toEqual({ name: "command", version: commandPinned });
    });

    test("--install-plugins: the command plugin into the PULUMI_HOME's plugin cache, nothing copied again, a different file replaced", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "install-plugins-"));
        const env = { ...process.env, PULUMI_HOME: home };
        const run = () => spawnSync(script, ["--install-plugins"], { env, encoding: "utf8" });
        const ours = path.join(toolchainBin(), "pulumi-resource-command");
        try {
            const first = run();
            expect({ status: first.status, said: first.stderr.includes(`installing the command plugin ${commandPinned} into ${home}/plugins`) }).toEqual({
                status: 0,
                said: true,
            });
            expect(sameBytes(installedCommand(home), ours)).toBe(true);
            const listed = JSON.parse(execFileSync(path.join(toolchainBin(), "pulumi"), ["plugin", "ls", "--json"], { env, encoding: "utf8" }));
            expect(listed.map((p: { kind: string; name: string; version: string }) => `${p.kind} ${p.name} ${p.version}`)).toEqual([
                `resource command ${commandPinned}`,
            ]);

            const { ino, mtimeMs } = fs.statSync(installedCommand(home));
            const second = run();
            expect({ status: second.status, installing: second.stderr.includes("installing") }).toEqual({ status: 0, installing: false });
            expect(fs.statSync(installedCommand(home))).toMatchObject({ ino, mtimeMs });

            fs.appendFileSync(installedCommand(home), "not the plugin");
            expect(run().stderr).toContain(`installing the command plugin ${commandPinned}`);
            expect(sameBytes(installedCommand(home), ours)).toBe(true);
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });

    test("a sandbox's plugin cache holds the command plugin as a hard link, and the engine takes it from there, not from PATH", () => {
        const { dir, env } = pulumiSandbox("smoke-no-plugin-");
        try {
            const plugin = installedCommand(env.PULUMI_HOME!);
            expect(sameBytes(plugin, path.join(toolchainBin(), "pulumi-resource-command"))).toBe(true);
            expect(fs.statSync(plugin).nlink).toBeGreaterThan(1);
            // Without it, bin/ on PATH does not help: the engine looks for it in the plugin cache only.
            fs.rmSync(path.dirname(plugin), { recursive: true });
            const pulumi = (...args: string[]) => spawnSync("pulumi", [...args, "--non-interactive"], { cwd: smokeDir, env, encoding: "utf8" });
            pulumi("stack", "init", "noplugin");
            pulumi("config", "set", "path", path.join(dir, "out.txt"));
            pulumi("config", "set", "token", "not-a-secret-here");
            const preview = pulumi("preview");
            expect(preview.status).not.toBe(0);
            expect(preview.stdout).toContain(`no resource plugin 'pulumi-resource-command' found in the workspace at version v${commandPinned}`);
        } finally {
            fs.rmSync(path.join(smokeDir, "Pulumi.noplugin.yaml"), { force: true });
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("pulumi up, preview --expect-no-changes and destroy from the command line", () => {
        const { dir, env } = pulumiSandbox("smoke-cli-");
        const target = path.join(dir, "out.txt");
        const output: string[] = [];
        const pulumi = (...args: string[]) => {
            const out = execFileSync("pulumi", [...args, "--non-interactive"], {
                cwd: smokeDir,
                env,
                encoding: "utf8",
            });
            output.push(out);
            return out;
        };
        pulumi("stack", "init", "cli");
        pulumi("config", "set", "path", target);
        execFileSync("pulumi", ["config", "set", "--secret", "token", "--non-interactive"], {
            cwd: smokeDir,
            env,
            input: secret,
        });
        try {
            const up = pulumi("up", "--yes", "--skip-preview");
            expect(fs.readFileSync(target, "utf8")).toBe(`token=${secret}\n`);
            expect(fs.statSync(target).mode & 0o777).toBe(0o600);
            expect(pulumi("stack", "output", "commandStdout").trim()).toBe("ok");
            expect(ambientPluginWarnings(up)).toEqual([]);

            pulumi("preview", "--expect-no-changes");

            // The scan reads the real state files (the resources are in them), and the secret is not.
            expect(filesContaining(path.join(dir, "state"), "pulumi-nodejs:dynamic:Resource")).not.toEqual([]);
            expect(filesContaining(path.join(dir, "state"), "command:local:Command")).not.toEqual([]);
            expect(filesContaining(path.join(dir, "state"), secret)).toEqual([]);

            pulumi("destroy", "--yes", "--skip-preview");
            expect(fs.existsSync(target)).toBe(false);
            expect(output.join("\n")).not.toContain(secret);
        } finally {
            fs.rmSync(path.join(smokeDir, "Pulumi.cli.yaml"), { force: true });
        }
    });

    test("up, preview and destroy through the Automation API", async () => {
        const { stack, sandbox, remove } = await sandboxStack({ name: "smoke-auto", stackName: "auto", workDir: smokeDir });
        const { dir } = sandbox;
        const target = path.join(dir, "out.txt");
        try {
            await stack.setConfig("path", { value: target });
            await stack.setConfig("token", { value: secret, secret: true });
            const up = await stack.up();
            expect(up.summary.result).toBe("succeeded");
            expect(up.outputs.path.value).toBe(target);
            expect(up.outputs.commandStdout.value).toBe("ok");
            expect(ambientPluginWarnings(up.stdout)).toEqual([]);
            expect(fs.readFileSync(target, "utf8")).toBe(`token=${secret}\n`);

            const preview = await stack.preview({ expectNoChanges: true });
            expect(preview.changeSummary.same).toBe(3);

            // exportStack() decrypts secrets, so scan the state files on disk instead.
            expect(filesContaining(path.join(dir, "state"), "pulumi-nodejs:dynamic:Resource")).not.toEqual([]);
            expect(filesContaining(path.join(dir, "state"), "command:local:Command")).not.toEqual([]);
            expect(filesContaining(path.join(dir, "state"), secret)).toEqual([]);

            const destroy = await stack.destroy();
            expect(destroy.summary.result).toBe("succeeded");
            expect(fs.existsSync(target)).toBe(false);
            expect(up.stdout + preview.stdout + destroy.stdout).not.toContain(secret);
        } finally {
            await remove();
        }
    });
});
