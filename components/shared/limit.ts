// At most n tasks at a time, the rest waiting in the order they came. Pure (no I/O).

/** A function that runs each task it is given when fewer than n of its tasks are running. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
    let running = 0;
    const waiting: Array<() => void> = [];
    const next = () => {
        running--;
        waiting.shift()?.();
    };
    return <T>(task: () => Promise<T>) =>
        new Promise<T>((resolve, reject) => {
            const start = () => {
                running++;
                task().then(resolve, reject).finally(next);
            };
            if (running < n) start();
            else waiting.push(start);
        });
}
