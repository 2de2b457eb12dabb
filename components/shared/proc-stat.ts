// A process as Linux's /proc/PID/stat tells it: its name, parent and start time (clock ticks since
// boot, which tells a live process from another that reuses its pid). Undefined where there is no
// such process, or no /proc.
import * as fs from "fs";

export interface ProcStat {
    comm: string;
    ppid: number;
    start: string;
}

export function procStat(pid: number): ProcStat | undefined {
    try {
        const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // The name is in parentheses and may hold spaces and parentheses: the fields follow the last ")".
        const close = s.lastIndexOf(")");
        const rest = s.slice(close + 2).split(" ");
        return { comm: s.slice(s.indexOf("(") + 1, close), ppid: Number(rest[1]), start: rest[19] };
    } catch {
        return undefined;
    }
}
