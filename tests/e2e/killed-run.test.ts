// A `pulumi up` killed half-way (SIGKILL of the CLI: an OOM kill, a cancelled CI job), through the
// real CLI against a real sshd host that is installing Codex at that moment: the run on the host
// stops instead of finishing with no engine to record it, no process of ours outlives the CLI for
// long, and the next runs say what to run and then recover.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexVersion } from "../helpers/codex";
import { FleetHost, npmSeed, setTargetsConfig, startFleet } from "../helpers/fleet";
import { sandboxStack } from "../helpers/stack";
import { suiteNeeding } from "../helpers/needs";
import { projectRoot, toolchainBin } from "../helpers/toolchain";

const suite = suiteNeeding({ root: true, sshd: true });

const pids = (args: string[]) => spawnSync("pgrep", args, { encoding: "utf8" }).stdout.split("\n").filter(Boolean);

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!ok()) {
        if (Date.now() > end) throw new Error(`not within ${ms / 1000} s: ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

suite("a pulumi up killed half-way", () => {
    let fleet: Awaited<ReturnType<typeof startFleet>>;
    let host: FleetHost;
    let stack: Stack;
    let remove: (() => Promise<void>) | undefined;
    let env: NodeJS.ProcessEnv;
    const pulumi = (args: string[]) =>
        spawnSync(path.join(toolchainBin(), "pulumi"), [...args, "--stack", stack.name, "--non-interactive", "--color", "never"], {
            cwd: projectRoot,
            env,
            encoding: "utf8",
            timeout: 600_000,
        });

    /** This stack's feeders: other suites' runs (jest's other worker) have feeders of their own. */
    const feeders = () =>
        pids(["-f", "codex-mcp-runner.js __feed"]).filter((pid) => {
            try {
                return fs.readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`PULUMI_HOME=${env.PULUMI_HOME}`);
            } catch {
                return false; // gone meanwhile
            }
        });

    beforeAll(async () => {
        fleet = await startFleet(["busy"], { seed: npmSeed([codexVersion]) });
        host = fleet.hosts[0];
        ({ stack, env, remove } = await sandboxStack({ name: "killed" }));
        await setTargetsConfig(stack, [host.target]);
    });

    afterAll(async () => {
        await remove?.();
        fleet?.stop();
    });

    test("killed while the host installs Codex: the host's run stops unwritten, nothing of ours lingers, the next up says what to run, then converges", async () => {
        const config = path.join(host.user.home, ".codex", "config.toml");
        const cli: ChildProcess = spawn(path.join(toolchainBin(), "pulumi"), ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack.name], {
            cwd: projectRoot,
            env,
            stdio: "ignore",
        });
        // The host's account runs npm: the runner is installing Codex, the config is not written yet.
        await until("npm running as the host's account", () => pids(["-u", host.user.name, "-f", "npm"]).length > 0, 180_000);
        expect(fs.existsSync(config)).toBe(false);
        expect(feeders().length).toBeGreaterThan(0); // the filter below finds this stack's feeder
        cli.kill("SIGKILL");

        // The feeder sees the engine gone and ends the session; the runner on the host stops its npm
        // and exits before writing; nothing of the account's keeps running.
        await until("no feeder left on the controller", () => feeders().length === 0, 15_000);
        await until("no process of the host's account left", () => pids(["-u", host.user.name]).length === 0, 30_000);
        expect(fs.existsSync(config)).toBe(false);

        // The lock of the killed run: Pulumi says what to run.
        const locked = pulumi(["up", "--yes", "--skip-preview"]);
        expect(locked.status).not.toBe(0);
        expect(locked.stdout + locked.stderr).toContain("pulumi cancel");
        // What npm run up and npm run down do about it by themselves (a pipeline runs pulumi cancel).
        const cleared = spawnSync("node", [path.join(projectRoot, "scripts", "clear-stale-lock.js"), stack.name], { env, encoding: "utf8" });
        expect({ status: cleared.status, said: cleared.stderr }).toEqual({
            status: 0,
            said: expect.stringMatching(/is locked by a run that is gone \(pid \d+, killed\?\): pulumi cancel/),
        });

        const next = pulumi(["up", "--yes", "--skip-preview"]);
        expect({ status: next.status, out: next.status === 0 ? "" : next.stdout + next.stderr }).toEqual({ status: 0, out: "" });
        expect(fs.readFileSync(config, "utf8")).toContain("[mcp_servers.connectai]");
        const preview = pulumi(["preview", "--expect-no-changes"]);
        expect({ status: preview.status, out: preview.status === 0 ? "" : preview.stdout + preview.stderr }).toEqual({ status: 0, out: "" });
    });
});
