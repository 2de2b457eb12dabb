// The feeder's lifeline: it runs under the command plugin, which runs under the Pulumi CLI. When
// the CLI is killed (SIGKILL, an OOM kill, a CI job cancelled), the plugin lives on as an orphan and
// so would the feeder and the runner it started, writing to a target that no engine will record.
// This watches the CLI from the feeder and says when it is gone. Linux only (/proc); elsewhere,
// and when the feeder was not started by the plugin (by hand), there is nothing to watch.
import { procStat as stat } from "../shared/proc-stat";

const PLUGIN = "pulumi-resource-command";
const POLL_MS = 1_000;

/** The command plugin among this process's ancestors (a shell may sit between), and its parent: the engine. */
function findEngine(): { plugin: number; engine: number; engineStart: string } | undefined {
    let pid = process.ppid;
    for (let hops = 0; hops < 8 && pid > 1; hops++) {
        const p = stat(pid);
        if (!p) return undefined;
        if (p.comm === PLUGIN.slice(0, 15)) {
            const e = stat(p.ppid);
            return e && p.ppid > 1 ? { plugin: pid, engine: p.ppid, engineStart: e.start } : undefined;
        }
        pid = p.ppid;
    }
    return undefined;
}

/** An AbortSignal that fires when the engine that started this feeder is gone (never, when there is none to watch). */
export function engineGone(): { signal: AbortSignal; stop(): void } {
    const ac = new AbortController();
    const found = findEngine();
    if (!found) return { signal: ac.signal, stop: () => undefined };
    const timer = setInterval(() => {
        const plugin = stat(found.plugin);
        const engine = stat(found.engine);
        if (plugin?.ppid === found.engine && engine?.start === found.engineStart) return;
        clearInterval(timer);
        ac.abort();
    }, POLL_MS);
    timer.unref();
    return { signal: ac.signal, stop: () => clearInterval(timer) };
}
