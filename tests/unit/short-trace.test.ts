// plainPromiseTraces: the SDK's promise traces formatted without the source-map hook, every other
// trace through it, and nothing changed when PULUMI_DEBUG_PROMISE_LEAKS asks for those traces.
import { plainPromiseTraces } from "../../components/short-trace";

const original = Error.prepareStackTrace;
afterEach(() => {
    Error.prepareStackTrace = original;
});

/** A stand-in for source-map-support's hook: marks what it formatted. */
const mapped = (error: Error, frames: NodeJS.CallSite[]) => `MAPPED ${error.message} ${frames.length}`;

function debuggablePromise() {
    return new Error("tracked").stack;
}
function somewhereElse() {
    return new Error("other").stack;
}

test("the SDK's promise traces skip the hook; the rest go through it", () => {
    Error.prepareStackTrace = mapped;
    plainPromiseTraces({});
    const tracked = debuggablePromise()!;
    expect(tracked).toMatch(/^Error: tracked\n    at debuggablePromise \(.*short-trace\.test\.ts:\d+:\d+\)/);
    expect(tracked).not.toContain("MAPPED");
    expect(somewhereElse()).toMatch(/^MAPPED other \d+$/);
});

test("with PULUMI_DEBUG_PROMISE_LEAKS set, or no hook installed, nothing changes", () => {
    Error.prepareStackTrace = mapped;
    plainPromiseTraces({ PULUMI_DEBUG_PROMISE_LEAKS: "true" });
    expect(Error.prepareStackTrace).toBe(mapped);
    expect(debuggablePromise()).toMatch(/^MAPPED tracked/);
    delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    plainPromiseTraces({});
    expect(Error.prepareStackTrace).toBeUndefined();
});
