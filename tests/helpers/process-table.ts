// The process table as `ps -eww -o args=` shows it (every process's whole command line), sampled
// while a suite runs so that its secret scan can look for credentials in any process's arguments.
// Read from /proc in this process: a shell and a ps for each of ten samples a second cost a tenth of
// a core, most of a sample's time, on a 2-core machine that runs the engine too. Each distinct line
// is kept once (the scan looks for substrings of a line; a line seen a thousand times says no more).
import * as fs from "fs";

export class ProcessTable {
    /** How many times the table was read (the scan's witness that the sampler ran). */
    samples = 0;
    private readonly lines = new Set<string>();
    private timer: NodeJS.Timeout | undefined;

    /** Samples every `ms` milliseconds until stop(). */
    start(ms = 100): this {
        this.timer ??= setInterval(() => this.sample(), ms);
        return this;
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
    }

    /** One reading of every process's command line (NULs between the arguments become spaces, as ps shows them). */
    sample(): void {
        for (const pid of fs.readdirSync("/proc")) {
            if (!/^\d+$/.test(pid)) continue;
            try {
                const args = fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0+$/, "").replace(/\0/g, " ");
                if (args) this.lines.add(args);
            } catch {
                // gone meanwhile
            }
        }
        this.samples++;
    }

    /** Every distinct line seen, one per line. */
    text(): string {
        return [...this.lines].join("\n") + "\n";
    }
}
