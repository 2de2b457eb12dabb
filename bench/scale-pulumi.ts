// Pulumi at scale: the fleet program over the scale fleet's Ansible inventory, as one stack or as S
// shard stacks, run by the CLI as a pipeline runs it (`pulumi preview --expect-no-changes`,
// `pulumi up --yes --skip-preview --json`) with a file backend of its own per deployment.
//
// The shards run one of two ways:
//   fleet  the project's `npm run fleet -- preview|up --shards S --base STACK --concurrency K` (the
//          Automation API runs the stacks <base>-shard-<i>, made from the base stack), when the
//          checkout has it; Pulumi's --parallel p through PULUMI_PARALLEL;
//   cli    one `pulumi` CLI per shard stack, K at a time (what a CI job per shard does), the stacks
//          <base>-shard-<i> made here: with the stack key `shard: "i/S"` when the program has it,
//          else each with an inventory of its own hosts (a stand-in for a program without the key).
// Either way the bound on target operations is K stacks at once × --parallel p each (p = the
// benchmark's --parallel / K), equal to Ansible's forks.
import * as fs from "fs";
import * as path from "path";
import { codexVersion } from "../tests/helpers/codex";
import { setSecretConfig } from "../tests/helpers/fleet";
import { sandboxStack } from "../tests/helpers/stack";
import { projectRoot, pulumiSandbox, toolchainBin } from "../tests/helpers/toolchain";
import { changesOf, runTool, tail, ToolRun, Usage } from "./common";
import { atCleanup, RUN_PREFIX, STACK_PREFIX } from "./scale-cleanup";
import { PhaseRun, pool, ScaleDriver, ScalePhase, sumUsage } from "./scale-driver";
import { ScaleFleet, writeInventory } from "./scale-fleet";

export const EMAIL = "bench@example.com";
export const PAT = "PAT-bench-0c9e11";
export const URL = "https://mcp.cloud.cdata.com/mcp";

const PROJECT = "codex-connect";
// js-yaml (a dependency of the package), typed by what this file uses.
const yaml: { load(text: string): unknown; dump(value: unknown): string } = require("js-yaml");

/** Whether the fleet program has the `shard` stack key (Pulumi.yaml declares it). */
export function programHasShardKey(): boolean {
    const doc = yaml.load(fs.readFileSync(path.join(projectRoot, "Pulumi.yaml"), "utf8")) as { config?: Record<string, unknown> };
    return !!doc.config && "shard" in doc.config;
}

/** The fleet command as `npm run build` makes it (scripts/fleet.sh runs it). */
const FLEET_JS = path.join(projectRoot, "dist", "fleet", "fleet.js");

/** Whether this checkout has the `fleet` command (package.json's scripts.fleet, built into dist/fleet/fleet.js). */
export function hasFleetCommand(): boolean {
    return !!JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")).scripts?.fleet && fs.existsSync(FLEET_JS);
}

/** K stacks at once and --parallel p each, so that K × p stays within `parallel`. */
export function shardPlan(shards: number, parallel: number, maxConcurrency: number): { concurrency: number; perStack: number } {
    const concurrency = Math.max(1, Math.min(shards, maxConcurrency, parallel));
    return { concurrency, perStack: Math.max(1, Math.floor(parallel / concurrency)) };
}

export interface PulumiScaleOptions {
    shards: number;
    parallel: number;
    shardConcurrency: number;
    runner: "cli" | "fleet";
    codexPrefix: string;
    /** Where the CPU wrapper's files go. */
    usageDir: string;
    /** A phase's processes are stopped past this (each CLI run, or the fleet command). */
    timeoutMs?: number;
}

let usageFiles = 0;

export interface PulumiScaleDriver extends ScaleDriver {
    /** One CLI command on the first stack (after begin), under the CPU wrapper, with more environment; rejects on a non-zero exit. */
    cliOnFirstStack(args: string[], env?: Record<string, string>): Promise<ToolRun & { usage: Usage }>;
}

export function pulumiDriver(fleet: ScaleFleet, o: PulumiScaleOptions): PulumiScaleDriver {
    const n = fleet.hosts.length;
    const { concurrency, perStack } = o.shards === 1 ? { concurrency: 1, perStack: o.parallel } : shardPlan(o.shards, o.parallel, o.shardConcurrency);
    const base = `${STACK_PREFIX}n${n}-s${o.shards}`;
    const stacks = o.shards === 1 ? [base] : Array.from({ length: o.shards }, (_, i) => `${base}-shard-${i}`);
    const runner = o.shards === 1 ? "cli" : o.runner;
    const withKey = programHasShardKey();
    let sandbox: { dir: string; env: NodeJS.ProcessEnv } | undefined;
    let removeAll: (() => void) | undefined;
    const stackFile = (s: string) => path.join(projectRoot, `Pulumi.${s}.yaml`);
    const checkpoint = (s: string) => path.join(sandbox!.dir, "state", ".pulumi", "stacks", PROJECT, `${s}.json`);
    const pulumi = path.join(toolchainBin(), "pulumi");
    const usageFile = () => path.join(o.usageDir, `pulumi-${process.pid}-${++usageFiles}.json`);

    const cli = async (args: string[], env: Record<string, string> = {}): Promise<ToolRun & { usage: Usage }> => {
        const r = await runTool(pulumi, [...args, "--non-interactive"], {
            env: { ...sandbox!.env, ...env },
            usageFile: usageFile(),
            ownGroup: true,
            timeoutMs: o.timeoutMs,
        });
        if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}: ${tail(r.stderr || r.stdout)}`);
        if (!r.usage) throw new Error(`pulumi ${args[0]}: no CPU figures from bench/rusage.py`);
        return r as ToolRun & { usage: Usage };
    };

    /** The shard stacks of the cli runner: the base stack's file with the shard's own key, then `stack init` (which keeps it). */
    async function makeShardStacks(): Promise<void> {
        const baseDoc = yaml.load(fs.readFileSync(stackFile(base), "utf8")) as { config: Record<string, unknown> };
        await pool(
            4,
            stacks.map((s, i) => async () => {
                const config = { ...baseDoc.config };
                if (withKey) config[`${PROJECT}:shard`] = `${i}/${o.shards}`;
                else {
                    const file = path.join(fleet.controllerDir, `hosts-${s}.ini`);
                    writeInventory(
                        file,
                        fleet.hosts.filter((_, h) => h % o.shards === i),
                        fleet.sshd,
                        fleet.knownHosts,
                    );
                    config[`${PROJECT}:inventory`] = file;
                }
                fs.writeFileSync(stackFile(s), yaml.dump({ ...baseDoc, config }));
                await cli(["stack", "init", s]);
            }),
        );
    }

    /**
     * The fleet command over the shard stacks (its first `up` makes them from the base stack, and
     * every run copies the base's configuration into each): one process, measured as a whole, run
     * as `npm run fleet` runs it (node dist/fleet/fleet.js, without npm's and the toolchain check's
     * start), Pulumi's --parallel through PULUMI_PARALLEL (the command has no option for it). Its
     * table's total line must say what the phase did.
     */
    async function viaFleet(phase: ScalePhase): Promise<PhaseRun> {
        const command = phase === "noop-preview" ? "preview" : "up";
        const none = phase === "noop-preview" || phase === "noop-up";
        const argv = [
            FLEET_JS,
            command,
            "--shards",
            String(o.shards),
            "--base",
            base,
            "--concurrency",
            String(concurrency),
            ...(none ? ["--expect-no-changes"] : []),
        ];
        const r = await runTool(process.execPath, argv, {
            env: { ...sandbox!.env, PULUMI_PARALLEL: String(perStack) },
            usageFile: usageFile(),
            ownGroup: true,
            timeoutMs: o.timeoutMs,
        });
        const out = `${r.stdout}\n${r.stderr}`;
        if (r.code !== 0 || !r.usage) throw new Error(`npm run fleet -- ${argv.slice(1).join(" ")} exited ${r.code}: ${tail(out, 8)}`);
        const total = /^total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(out);
        if (!total) throw new Error(`npm run fleet -- ${command}: no total line in its output: ${tail(out, 8)}`);
        const [targets, changed, drifted, failed] = total.slice(1).map(Number);
        const want = phase === "first" ? n : phase === "drift" ? 1 : 0;
        if (targets !== n || changed !== want || failed !== 0)
            throw new Error(
                `npm run fleet -- ${command} (${phase}): ${targets} targets, ${changed} changed, ${drifted} drifted, ${failed} failed; want ${n} targets, ${want} changed, none failed`,
            );
        return { usage: r.usage, processes: 1 };
    }

    /** One phase on every stack, K at a time, each checked by its own summary. */
    async function overStacks(args: string[], check: (changes: Record<string, number>[]) => void, json: boolean): Promise<PhaseRun> {
        const runs = await pool(
            concurrency,
            stacks.map((s) => () => cli([...args, "--stack", s, "--parallel", String(perStack)])),
        );
        if (json) check(runs.map((r) => changesOf(r.stdout)));
        return { usage: sumUsage(runs.map((r) => r.usage)), processes: runs.length };
    }

    const sum = (cs: Record<string, number>[], k: string) => cs.reduce((a, c) => a + (c[k] ?? 0), 0);
    const expect = (what: string, ok: boolean, cs: Record<string, number>[]) => {
        if (!ok) throw new Error(`pulumi ${what}: unexpected changes ${JSON.stringify(cs.filter((c) => Object.keys(c).some((k) => k !== "same")))}`);
    };
    const up = ["up", "--yes", "--skip-preview", "--json"];

    return {
        tool: "pulumi",
        label: o.shards === 1 ? "Pulumi, one stack" : `Pulumi, ${o.shards} shards`,
        shards: o.shards,
        // How the shards ran: the fleet command, or a CLI per stack selecting by the shard key or by an inventory of its own.
        runner: runner === "cli" && o.shards > 1 ? (withKey ? "cli+shard-key" : "cli+split-inventory") : runner,
        concurrency,
        perStack,
        async begin() {
            sandbox = pulumiSandbox(`${RUN_PREFIX}pulumi-`);
            const box = sandbox;
            removeAll = atCleanup(`the stacks ${base}*`, () => {
                for (const f of fs.readdirSync(projectRoot).filter((f) => f.startsWith(`Pulumi.${base}`) && f.endsWith(".yaml")))
                    fs.rmSync(path.join(projectRoot, f), { force: true });
                fs.rmSync(box.dir, { recursive: true, force: true });
            });
            const { stack } = await sandboxStack({ name: base, stackName: base, sandbox });
            await stack.setAllConfig({
                auth: { value: "basic" },
                email: { value: EMAIL },
                url: { value: URL },
                codexVersion: { value: codexVersion },
                inventory: { value: fleet.inventory },
                knownHosts: { value: fleet.knownHosts },
            });
            setSecretConfig(stack, sandbox.env, "pat", PAT);
            if (o.shards > 1 && runner === "cli") await makeShardStacks();
        },
        async phase(phase: ScalePhase) {
            if (runner === "fleet") return viaFleet(phase);
            // A first up creates per stack the stack itself, and per target one component and one command.
            if (phase === "first")
                return overStacks(
                    up,
                    (cs) => expect("up (first)", sum(cs, "create") === 2 * n + stacks.length && !sum(cs, "update") && !sum(cs, "delete"), cs),
                    true,
                );
            if (phase === "noop-preview") return overStacks(["preview", "--expect-no-changes"], () => undefined, false);
            if (phase === "noop-up")
                return overStacks(
                    up,
                    (cs) => expect("up (no-op)", !sum(cs, "create") && !sum(cs, "update") && !sum(cs, "delete") && !sum(cs, "replace"), cs),
                    true,
                );
            return overStacks(
                up,
                (cs) => expect("up (repair)", sum(cs, "update") === 1 && !sum(cs, "create") && !sum(cs, "delete") && !sum(cs, "replace"), cs),
                true,
            );
        },
        verify() {
            // Every target in exactly one stack, and each found the machine-wide Codex (installed nothing).
            const want = `${codexVersion} at ${path.join(o.codexPrefix, "bin", "codex")}`;
            const seen = new Map<string, string>();
            for (const s of stacks) {
                const resources = (JSON.parse(fs.readFileSync(checkpoint(s), "utf8")).checkpoint.latest?.resources ?? []) as Array<{
                    type: string;
                    outputs?: { targets?: Record<string, { codex?: string }> };
                }>;
                const targets = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs?.targets ?? {};
                for (const [name, t] of Object.entries(targets)) {
                    if (seen.has(name)) throw new Error(`pulumi: ${name} is in both ${seen.get(name)} and ${s}`);
                    seen.set(name, s);
                    if (t.codex !== want) throw new Error(`pulumi: ${name} (stack ${s}) says codex ${JSON.stringify(t.codex)}, want ${JSON.stringify(want)}`);
                }
            }
            const missing = fleet.hosts.filter((h) => !seen.has(h.name));
            if (missing.length)
                throw new Error(
                    `pulumi: no stack has ${missing
                        .slice(0, 5)
                        .map((h) => h.name)
                        .join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}`,
                );
        },
        stateBytes: () => stacks.reduce((a, s) => a + fs.statSync(checkpoint(s)).size, 0),
        cliOnFirstStack: (args, env) => cli([...args, "--stack", stacks[0]], env),
        async end() {
            removeAll?.();
            removeAll = undefined;
            sandbox = undefined;
        },
    };
}
