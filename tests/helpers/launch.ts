// The bundled runner started exactly as a transport starts it (`/bin/sh -c LAUNCHER`, the runner and
// the request on stdin), as some account with some environment; its one JSON line parsed.
import { spawnSync } from "child_process";
import * as path from "path";
import { LAUNCHER, launcherInput } from "../../components/protocol/launcher";
import { caEnv } from "./ca-env";
import type { RunnerRequest, RunnerResult } from "../../components/protocol/types";

export type LaunchResult = RunnerResult & { error?: { code: string; message: string; line?: number; column?: number } };

/** A login's environment on this machine: its shell, a PATH with this Node, the machine's CA and proxy settings. */
export function loginEnv(home: string, user: string): NodeJS.ProcessEnv {
    const pass = ["HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"].filter((k) => process.env[k] !== undefined);
    return {
        HOME: home,
        USER: user,
        SHELL: "/bin/bash",
        PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
        ...caEnv(),
        ...Object.fromEntries(pass.map((k) => [k, process.env[k]])),
    };
}

/** Runs one request; `printed` collects everything the runner wrote (for the suites' secret scans). */
export function launch(req: RunnerRequest, opts: { uid?: number; gid?: number; env: NodeJS.ProcessEnv; printed?: string[] }): LaunchResult {
    const r = spawnSync("/bin/sh", ["-c", LAUNCHER], {
        input: launcherInput(JSON.stringify(req)),
        encoding: "utf8",
        ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
        env: opts.env,
    });
    opts.printed?.push(r.stdout, r.stderr);
    const line = r.stdout.trim().split("\n").pop() ?? "";
    try {
        return JSON.parse(line);
    } catch {
        throw new Error(`runner printed no JSON (exit ${r.status}): ${r.stdout.slice(0, 500)} ${r.stderr.slice(0, 500)}`);
    }
}
