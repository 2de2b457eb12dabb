// Ansible at scale: bench/ansible/codex-connectai.yml over the scale fleet's inventory (the same file
// the fleet program reads), -f at the benchmark's parallelism, Codex expected in the machine-wide
// prefix (codex_prefix: the npm task finds it at the version and installs nothing), host keys
// checked against the same known_hosts file. Each phase has its own ControlPath directory; the CPU
// wrapper stops the persistent connections when the playbook ends and counts their time.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runPlaybook } from "./ansible-run";
import { PhaseRun, ScaleDriver, ScalePhase } from "./scale-driver";
import { ScaleFleet } from "./scale-fleet";
import { EMAIL, PAT } from "./scale-pulumi";

let runs = 0;

export function ansibleDriver(fleet: ScaleFleet, o: { parallel: number; codexPrefix: string; usageDir: string; timeoutMs?: number }): ScaleDriver {
    const names = fleet.hosts.map((h) => h.name);
    const first = names[0];
    const vars = path.join(fleet.controllerDir, "ansible-vars.json");
    const npmGlobalConfig = execFileSync("npm", ["config", "get", "globalconfig"], { encoding: "utf8" }).trim();
    fs.writeFileSync(vars, JSON.stringify({ connect_ai_email: EMAIL, connect_ai_pat: PAT, npm_globalconfig: npmGlobalConfig, codex_prefix: o.codexPrefix }), {
        mode: 0o600,
    });
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    const play = async (extra: string[], what: string, expect: (changed: Record<string, number>) => boolean): Promise<PhaseRun> => {
        const controlDir = fs.mkdtempSync(path.join(fleet.controllerDir, "cp-"));
        try {
            const r = await runPlaybook({
                inventory: fleet.inventory,
                varsFile: vars,
                forks: o.parallel,
                controlDir,
                extra,
                hosts: names,
                usageFile: path.join(o.usageDir, `ansible-${process.pid}-${++runs}.json`),
                ownGroup: true,
                timeoutMs: o.timeoutMs,
            });
            if (!expect(r.changed)) {
                const changed = Object.entries(r.changed).filter(([, c]) => c > 0);
                throw new Error(
                    `ansible ${what}: unexpected changes on ${changed.length} host(s): ${JSON.stringify(Object.fromEntries(changed.slice(0, 10)))}`,
                );
            }
            if (!r.usage) throw new Error("ansible-playbook: no CPU figures from bench/rusage.py");
            return { usage: r.usage, processes: 1 };
        } finally {
            fs.rmSync(controlDir, { recursive: true, force: true });
        }
    };
    return {
        tool: "ansible",
        label: "Ansible",
        shards: 1,
        runner: "ansible-playbook",
        concurrency: 1,
        perStack: o.parallel,
        begin: async () => undefined,
        phase(phase: ScalePhase) {
            // A first run: CODEX_HOME made and the entry written on every host (Codex found, not installed).
            if (phase === "first") return play([], "first run", (c) => names.every((h) => c[h] >= 1));
            if (phase === "noop-preview") return play(["--check", "--diff"], "--check --diff", (c) => total(c) === 0);
            if (phase === "noop-up") return play([], "no-op run", (c) => total(c) === 0);
            return play([], "repair", (c) => c[first] > 0 && total(c) === c[first]);
        },
        verify: () => undefined,
        stateBytes: () => undefined,
        end: async () => undefined,
    };
}
