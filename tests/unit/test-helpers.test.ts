// The test run's own machinery that lets jest's workers run suites side by side: the lock around
// what they make once (tests/helpers/lock.ts) and the order of the suites (tests/helpers/sequencer.js).
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { withLock } from "../helpers/lock";
const { MEASURED } = require("../helpers/sequencer") as { MEASURED: Record<string, number> };

describe("withLock", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "lock-test-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("holds the file with this pid while fn runs, and removes it after, also when fn throws", () => {
        const file = path.join(dir, "a.lock");
        expect(withLock(file, () => fs.readFileSync(file, "utf8"))).toBe(`${process.pid}\n`);
        expect(fs.existsSync(file)).toBe(false);
        expect(() =>
            withLock(file, () => {
                throw new Error("inside");
            }),
        ).toThrow("inside");
        expect(fs.existsSync(file)).toBe(false);
    });

    test("takes over a lock whose process is gone, and one left empty for seconds", () => {
        const file = path.join(dir, "b.lock");
        const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim();
        fs.writeFileSync(file, `${gone}\n`);
        expect(withLock(file, () => "taken", 2000)).toBe("taken");
        fs.writeFileSync(file, "");
        const old = new Date(Date.now() - 60_000);
        fs.utimesSync(file, old, old);
        expect(withLock(file, () => "taken again", 2000)).toBe("taken again");
    });

    test("waits for a live holder, and names the file when it does not let go in time", async () => {
        const file = path.join(dir, "c.lock");
        const holder = spawn("sleep", ["30"]);
        fs.writeFileSync(file, `${holder.pid}\n`);
        try {
            expect(() => withLock(file, () => "never", 500)).toThrow(`${file}: still held after 0.5 s`);
            expect(fs.readFileSync(file, "utf8")).toBe(`${holder.pid}\n`);
        } finally {
            holder.kill();
        }
    });
});

test("the sequencer's measured suites are suites that exist", () => {
    const missing = Object.keys(MEASURED).filter((s) => !fs.existsSync(path.join(__dirname, "..", `${s}.test.ts`)));
    expect(missing).toEqual([]);
    expect(Object.keys(MEASURED).length).toBeGreaterThan(5);
});
