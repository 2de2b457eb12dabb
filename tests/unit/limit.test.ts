// limiter (components/shared/limit.ts) and the probes' bound (components/call-runner.ts): at most n
// tasks at a time, the rest started in order as slots free up, a failure freeing its slot too.
import { limiter } from "../../components/shared/limit";
import { probeParallel } from "../../components/call-runner";

test("at most n at a time; the others start in order as slots free up, failures included", async () => {
    const inTurn = limiter(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5 + (i % 4) * 3));
        running--;
        if (i % 5 === 0) throw new Error(`task ${i}`);
        return i;
    };
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => inTurn(task(i))));
    expect(most).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual(
        Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? `task ${i}` : i)),
    );
});

test("the probes' bound is the engine's --parallel as the language host passes it, at most 64; 16 without one", () => {
    expect([
        probeParallel({ PULUMI_NODEJS_PARALLEL: "50" }),
        probeParallel({ PULUMI_NODEJS_PARALLEL: "8" }),
        probeParallel({ PULUMI_NODEJS_PARALLEL: "2147483647" }),
        probeParallel({}),
        probeParallel({ PULUMI_NODEJS_PARALLEL: "x" }),
    ]).toEqual([50, 8, 64, 16, 16]);
});
