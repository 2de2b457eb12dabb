// Ctrl-C and SIGTERM while shards run. Ctrl-C reaches the running Pulumi CLIs too (one process
// group): each cancels as Pulumi does, and no further shard starts. SIGTERM (a cancelled job)
// reaches only this process: it is passed on as Pulumi's Ctrl-C, through the signal every run takes.

export interface Interrupt {
    /** Aborted on SIGTERM: the Automation API then sends each running CLI its Ctrl-C. */
    readonly signal: AbortSignal;
    /** Whether either signal came: no further shard starts. */
    interrupted(): boolean;
}

/** Listens for both signals from now on, for the rest of the process. */
export function onInterrupt(): Interrupt {
    let interrupted = false;
    const abort = new AbortController();
    process.on("SIGINT", () => {
        if (!interrupted) process.stderr.write("\nfleet: interrupted: no further shard starts; the running ones stop as Pulumi does on Ctrl-C\n");
        interrupted = true;
    });
    process.on("SIGTERM", () => {
        interrupted = true;
        abort.abort();
    });
    return { signal: abort.signal, interrupted: () => interrupted };
}
