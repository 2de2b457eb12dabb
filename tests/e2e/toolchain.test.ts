// The provisioned toolchain, proven with the real engine: `pulumi up`, a no-change preview and
// `destroy`, once from the command line and once through the Automation API, with the upstream
// language host and the command plugin (@pulumi/command) from bin/ and nothing downloaded.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { projectRoot, pulumiSandbox, toolchainBin } from "../helpers/toolchain";

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
/** What the engine says when it runs the command plugin from bin/ (on PATH) rather than a download. */
const commandFromBin = () => `using pulumi-resource-command from $PATH at ${path.join(toolchainBin(), "pulumi-resource-command")}`;

describe("Pulumi toolchain", () => {
    test("the CLI reports the version pinned in package.json", () => {
        const out = execFileSync(path.join(toolchainBin(), "pulumi"), ["version"], { encoding: "utf8" });
        expect(out.trim()).toBe(`v${pinned}`);
    });

    test("a second run of the script reuses the cached bin/ with all three parts", () => {
        const bin = toolchainBin();
        const r = spawnSync(path.join(projectRoot, "scripts", "pulumi-toolchain.sh"), [], { encoding: "utf8" });
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
            expect(up).toContain(commandFromBin());

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
        const { dir, env } = pulumiSandbox("smoke-auto-");
        const target = path.join(dir, "out.txt");
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(toolchainBin()) });
        const ws = await LocalWorkspace.create({
            workDir: smokeDir,
            pulumiCommand,
            pulumiHome: env.PULUMI_HOME,
            envVars: env as Record<string, string>,
        });
        const stack = await Stack.create("auto", ws);
        try {
            await stack.setConfig("path", { value: target });
            await stack.setConfig("token", { value: secret, secret: true });
            const up = await stack.up();
            expect(up.summary.result).toBe("succeeded");
            expect(up.outputs.path.value).toBe(target);
            expect(up.outputs.commandStdout.value).toBe("ok");
            expect(up.stdout).toContain(commandFromBin());
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
            fs.rmSync(path.join(smokeDir, "Pulumi.auto.yaml"), { force: true });
        }
    });
});
