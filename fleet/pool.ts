// At most `limit` jobs at a time, each started as soon as one before it finished, in order. A job
// that throws is the caller's to turn into a result (work() should not throw); `stopped()` true
// starts no further job (those get `skip(item)`).

export async function runPool<T, R>(
    items: readonly T[],
    limit: number,
    work: (item: T) => Promise<R>,
    options: { done?: (result: R, item: T, finished: number) => void; stopped?: () => boolean; skip?: (item: T) => R } = {},
): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    let finished = 0;
    const worker = async () => {
        for (;;) {
            const i = next++;
            if (i >= items.length) return;
            if (options.stopped?.() && options.skip) {
                results[i] = options.skip(items[i]);
                continue;
            }
            results[i] = await work(items[i]);
            options.done?.(results[i], items[i], ++finished);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    return results;
}
