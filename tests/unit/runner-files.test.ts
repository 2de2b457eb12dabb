// The runner's file primitives, deterministically: the compare-and-swap refuses a file that
// changed since it was read, strict UTF-8 names the broken byte, a live holder's lock is kept.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decodeUtf8, FileError, invalidUtf8At, replaceIfUnchanged, withLock } from "../../components/runner/files";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runner-files-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("replaceIfUnchanged", () => {
    test("replaces when the file still holds what was read; refuses, leaving it and no temp file, when it changed", () => {
        const f = path.join(dir, "config.toml");
        fs.writeFileSync(f, "a = 1\n");
        expect(replaceIfUnchanged(f, "a = 1\n", "a = 2\n")).toBe(true);
        expect(fs.readFileSync(f, "utf8")).toBe("a = 2\n");
        expect(fs.statSync(f).mode & 0o777).toBe(0o600);
        // Someone else (Codex) saved it since our read of "a = 2\n".
        fs.writeFileSync(f, 'a = 2\nmodel = "o3"\n');
        expect(replaceIfUnchanged(f, "a = 2\n", "a = 3\n")).toBe(false);
        expect(fs.readFileSync(f, "utf8")).toBe('a = 2\nmodel = "o3"\n');
        expect(fs.readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    });

    test("absent is a state too: created only if still absent", () => {
        const f = path.join(dir, "new.toml");
        expect(replaceIfUnchanged(f, undefined, "x = 1\n")).toBe(true);
        expect(replaceIfUnchanged(f, undefined, "x = 2\n")).toBe(false);
        expect(fs.readFileSync(f, "utf8")).toBe("x = 1\n");
    });
});

describe("strict UTF-8", () => {
    test("the first invalid byte, with its line and column; valid text (BOM included) passes unchanged", () => {
        const bad = Buffer.concat([Buffer.from('a = 1\nb = 2\nc = "'), Buffer.from([0xc3, 0x28]), Buffer.from('"\n')]);
        expect(invalidUtf8At(bad)).toBe(17);
        let err: FileError | undefined;
        try {
            decodeUtf8("/x/config.toml", bad);
        } catch (e) {
            err = e as FileError;
        }
        expect(err).toMatchObject({ code: "invalid-utf8", line: 3, column: 6 });
        expect(err!.message).toContain("/x/config.toml");
        const good = Buffer.from('\ufeffname = "Zoë 🚀"\n');
        expect(invalidUtf8At(good)).toBe(-1);
        expect(decodeUtf8("f", good)).toBe('\ufeffname = "Zoë 🚀"\n');
    });
});

describe("withLock", () => {
    test("a lock held by a live process is not broken, whatever its age; a dead holder's is", () => {
        const lock = path.join(dir, ".config.toml.lock");
        // This very process holds it (alive), and it looks an hour old.
        fs.writeFileSync(lock, `${process.pid} - ${os.hostname()}`);
        const old = new Date(Date.now() - 3600_000);
        fs.utimesSync(lock, old, old);
        expect(() => withLock(lock, 300, () => "ran")).toThrow(/another run holds/);
        expect(fs.existsSync(lock)).toBe(true);
        // A pid that cannot exist (above pid_max) is gone.
        fs.writeFileSync(lock, `4194305 - ${os.hostname()}`);
        expect(withLock(lock, 300, () => "ran")).toBe("ran");
        expect(fs.existsSync(lock)).toBe(false);
    });

    test("a holder on another host is never judged from here", () => {
        const lock = path.join(dir, ".other.lock");
        fs.writeFileSync(lock, `4194305 - some-other-host`);
        expect(() => withLock(lock, 200, () => "ran")).toThrow(/another run holds/);
        fs.rmSync(lock);
    });
});
