// The stack trace that @pulumi/pulumi (3.200 and later) takes when a resource is constructed, and
// that the engine keeps in the state beside the resource's source position (the trace's first
// frame): part of every resource's state, in every snapshot, for frames that are the same in
// every resource (this package's calls, the program's loader, the language host's run loop). A
// component keeps its source position, the program's line that declares it, as its whole trace; a
// command this package declares under it keeps none (its position would be a line of this package,
// and its parent's says where it comes from).
import * as path from "path";

const OURS = __dirname + path.sep;

const ours = (f: NodeJS.CallSite) => (f.getFileName() ?? "").startsWith(OURS);
// Node's own frames (node:internal/...) locate nothing: the engine records them as empty.
const node = (f: NodeJS.CallSite) => (f.getFileName() ?? "node:").startsWith("node:");

/** The frames down to the first one after this package's: the SDK's, the component's constructor, its caller. */
function toCaller(frames: NodeJS.CallSite[]): NodeJS.CallSite[] {
    const first = frames.findIndex(ours);
    const caller = first < 0 ? -1 : frames.findIndex((f, i) => i > first && !ours(f) && !node(f));
    return caller < 0 ? frames : frames.slice(0, caller + 1);
}

/**
 * The next stack trace taken in this process is cut: down to the caller of this package ("caller"),
 * or to nothing ("none"). Call it right before the resource's constructor, which takes its trace
 * synchronously, and the function it returns right after it (should the constructor take none).
 */
export function shortTraces(keep: "caller" | "none"): () => void {
    const previous = Error.prepareStackTrace;
    const once = (error: Error, frames: NodeJS.CallSite[]) => {
        Error.prepareStackTrace = previous;
        const kept = keep === "none" ? [] : toCaller(frames);
        return previous ? previous(error, kept) : `${error}${kept.map((f) => `\n    at ${f}`).join("")}`;
    };
    Error.prepareStackTrace = once;
    return () => {
        if (Error.prepareStackTrace === once) Error.prepareStackTrace = previous;
    };
}

/**
 * The SDK formats a stack trace for every promise it tracks (its runtime/debuggable.js, several per
 * resource), through the source-map-support hook its `run` command installs; they are printed only
 * when PULUMI_DEBUG_PROMISE_LEAKS is set. Formatting those plainly, without the source-map lookups,
 * saves about a tenth of a program's CPU per resource (docs/benchmarks.md, "Where a target's
 * controller CPU goes"). Every other trace is formatted as before. For a program's entry, called
 * once; does nothing when that variable is set (the traces are then read).
 */
export function plainPromiseTraces(env: NodeJS.ProcessEnv = process.env): void {
    const mapped = Error.prepareStackTrace;
    if (!mapped || env.PULUMI_DEBUG_PROMISE_LEAKS) return;
    Error.prepareStackTrace = (error, frames) =>
        frames[0]?.getFunctionName() === "debuggablePromise" ? `${error}${frames.map((f) => `\n    at ${f}`).join("")}` : mapped(error, frames);
}
