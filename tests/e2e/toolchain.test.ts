// The provisioned toolchain, proven with the real engine: `pulumi up`, a no-change preview and
// `destroy`, once from the command line and once through the Automation API.
import { execFileSync } from "child_process";
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

const pinned: string = require(path.join(projectRoot, "package.json")).dependencies["@pulumi/pulumi"];

describe("Pulumi toolchain", () => {
    test("the CLI reports the version pinned in package.json", () => {
        const out = execFileSync(path.join(toolchainBin(), "pulumi"), ["version"], { encoding: "utf8" });
        expect(out.trim()).toBe(`v${pinned}`);
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
            pulumi("up", "--yes", "--skip-preview");
            expect(fs.readFileSync(target, "utf8")).toBe(`token=${secret}\n`);
            expect(fs.statSync(target).mode & 0o777).toBe(0o600);

            pulumi("preview", "--expect-no-changes");

            // The scan reads the real state files (the resource is in them), and the secret is not.
            expect(filesContaining(path.join(dir, "state"), "pulumi-nodejs:dynamic:Resource")).not.toEqual([]);
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
            expect(fs.readFileSync(target, "utf8")).toBe(`token=${secret}\n`);

            const preview = await stack.preview({ expectNoChanges: true });
            expect(preview.changeSummary.same).toBe(2);

            // exportStack() decrypts secrets, so scan the state files on disk instead.
            expect(filesContaining(path.join(dir, "state"), "pulumi-nodejs:dynamic:Resource")).not.toEqual([]);
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
