// One run of bench/ansible/codex-connectai.yml, as both benchmarks make it: forks K, pipelining on,
// host keys checked (the inventory's ssh args say against which file), its own ControlPath
// directory (persistent connections of one run are not reused by the next), and the recap read
// back: what changed on each host, and nothing unreachable or failed.
import * as fs from "fs";
import * as path from "path";
import { codexVersion } from "../tests/helpers/codex";
import { projectRoot } from "../tests/helpers/toolchain";
import { runTool, Usage } from "./common";

export const PLAYBOOK = path.join(projectRoot, "bench", "ansible", "codex-connectai.yml");

export interface PlaybookOptions {
    inventory: string;
    /** An --extra-vars file (secrets: kept out of argv). */
    varsFile: string;
    forks: number;
    controlDir: string;
    /** More arguments (--check --diff). */
    extra?: string[];
    /** Under bench/rusage.py: the controller's CPU time, the persistent connections included. */
    usageFile?: string;
    /** Hosts that must each be in the recap (the run's inventory). */
    hosts?: string[];
    /** In a process group of its own (stopped as one by an interrupted benchmark), and a time limit. */
    ownGroup?: boolean;
    timeoutMs?: number;
}

export interface PlaybookRun {
    /** changed= per host, from the recap. */
    changed: Record<string, number>;
    usage?: Usage;
}

export async function runPlaybook(o: PlaybookOptions): Promise<PlaybookRun> {
    const args = ["-i", o.inventory, "-f", String(o.forks), "-e", `@${o.varsFile}`, "-e", `codex_version=${codexVersion}`, ...(o.extra ?? []), PLAYBOOK];
    const env = {
        ...process.env,
        ANSIBLE_PIPELINING: "True",
        ANSIBLE_HOST_KEY_CHECKING: "True",
        ANSIBLE_SSH_CONTROL_PATH_DIR: o.controlDir,
        ANSIBLE_NOCOLOR: "1",
        ANSIBLE_RETRY_FILES_ENABLED: "False",
        ANSIBLE_CALLBACKS_ENABLED: "ansible.posix.profile_tasks",
    };
    const r = await runTool("ansible-playbook", args, { env, usageFile: o.usageFile, ownGroup: o.ownGroup, timeoutMs: o.timeoutMs });
    const out = r.stdout + r.stderr;
    // BENCH_LOG_DIR=dir keeps every playbook's output (with per-task times) for profiling.
    if (process.env.BENCH_LOG_DIR)
        fs.appendFileSync(path.join(process.env.BENCH_LOG_DIR, `ansible-${o.forks}.log`), `\n=== ${(o.extra ?? []).join(" ") || "run"}\n${out}`);
    if (r.code !== 0) throw new Error(`ansible-playbook exited ${r.code}:\n${out.split("\n").slice(-30).join("\n")}`);
    const recap = [...out.matchAll(/^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)];
    const bad = recap.filter((m) => m[3] !== "0" || m[4] !== "0").map((m) => m[1]);
    if (bad.length)
        throw new Error(
            `ansible-playbook: unreachable or failed hosts: ${bad.slice(0, 10).join(", ")}${bad.length > 10 ? ` and ${bad.length - 10} more` : ""}`,
        );
    const changed = Object.fromEntries(recap.map((m) => [m[1], Number(m[2])]));
    const missing = (o.hosts ?? []).filter((h) => !(h in changed));
    if (missing.length)
        throw new Error(
            `ansible-playbook: no recap line for ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ` and ${missing.length - 10} more` : ""}`,
        );
    return { changed, usage: r.usage };
}
