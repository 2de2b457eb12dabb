// The runner's one error, and what every other error of its parts becomes: a code, a message, and
// where in config.toml when the editor found the problem. Its own file because every step of a
// request throws it (place.ts, for-account.ts, operations.ts) and runRequest turns it into the result.
import { ConfigEntryError } from "../core/config-entry";
import { AccountError } from "./account";
import { FileError } from "./files";
import { CallerGone } from "./lifeline";

export class RunnerError extends Error {
    constructor(
        readonly code: string,
        message: string,
        readonly line?: number,
        readonly column?: number,
    ) {
        super(message);
    }
}

/** Whatever a step threw, as the runner reports it: an editor's message prefixed with config.toml's path. */
export function asRunnerError(e: unknown, configPath: string): RunnerError {
    if (e instanceof ConfigEntryError) return new RunnerError(e.code, `${configPath}: ${e.message}`, e.line, e.column);
    if (e instanceof FileError) return new RunnerError(e.code, e.message, e.line, e.column);
    if (e instanceof AccountError || e instanceof CallerGone) return new RunnerError(e.code, e.message);
    return e instanceof RunnerError ? e : new RunnerError("internal", (e as Error).message);
}
