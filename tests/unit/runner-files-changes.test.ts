// The runner's journaled writes (Changes), with the failures a real disk gives injected into fs:
// short writes are completed, a write that cannot complete replaces nothing and leaves no temporary
// file, a file system without hard links gets a checked copy, a rollback puts back only what this
// run wrote, and a killed run's side files are swept. (The full-disk e2e suite does the same on a
// real tmpfs; what it cannot produce on this machine, EDQUOT and a file system without hard links, is here.)
import * as path from "path";
import { Changes, removeStaleSides } from "../../components/runner/files";

// The fs module itself (not an import wrapper), so that spies reach runner-files' calls.
const fs: typeof import("fs") = require("fs");
const os: typeof import("os") = require("os");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runner-changes-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => jest.restoreAllMocks());

const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
const sides = () => fs.readdirSync(dir).filter((n) => /\.(tmp|prev)$/.test(n));

function fresh(name: string, text: string, mode = 0o644): string {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    fs.chmodSync(f, mode);
    return f;
}

const realWrite = fs.writeSync;
/** fs.writeSync that writes at most `max` bytes per call, then throws `code` once `limit` bytes went to one descriptor. */
function shortWrites(max: number, limit = Infinity, code = "ENOSPC") {
    const written = new Map<number, number>();
    return jest.spyOn(fs, "writeSync").mockImplementation(((fd: number, buf: Buffer, offset?: number, length?: number) => {
        const off = offset ?? 0;
        const len = length ?? buf.length - off;
        const so = written.get(fd) ?? 0;
        if (so >= limit) throw errno(code);
        const n = realWrite(fd, buf, off, Math.min(len, max, limit - so));
        written.set(fd, so + n);
        return n;
    }) as typeof fs.writeSync);
}

describe("Changes: checked writes", () => {
    test("short writes are continued until every byte is written", () => {
        const f = fresh("a.toml", "old\n");
        const text = "x = 1\n".repeat(5000);
        shortWrites(1000);
        const c = new Changes();
        expect(c.replaceIfUnchanged(f, "old\n", text, 0o600)).toBe(true);
        c.commit();
        expect(fs.readFileSync(f, "utf8")).toBe(text);
        expect(sides()).toEqual([]);
    });

    test.each(["ENOSPC", "EDQUOT"])("%s after a short write: nothing replaced, no temporary file, an error naming both files", (code) => {
        const f = fresh("b.toml", "old\n");
        shortWrites(4096, 8192, code);
        const c = new Changes();
        let err: Error | undefined;
        try {
            c.replace(f, "y = 2\n".repeat(5000), 0o600);
        } catch (e) {
            err = e as Error;
        }
        const reason = code === "ENOSPC" ? "no space left on device" : "disk quota exceeded";
        expect(err?.message).toMatch(new RegExp(`^${reason} \\(${code}\\) writing ${dir}/\\.b\\.toml\\.\\d+\\.[0-9a-f]{8}\\.tmp for ${f}$`));
        expect(fs.readFileSync(f, "utf8")).toBe("old\n");
        expect(sides()).toEqual([]);
        expect(c.any).toBe(false);
    });

    test("an error from close counts: nothing replaced", () => {
        const f = fresh("c.toml", "old\n");
        const realClose = fs.closeSync;
        jest.spyOn(fs, "closeSync").mockImplementationOnce((fd: number) => {
            realClose(fd);
            throw errno("EIO");
        });
        expect(() => new Changes().replace(f, "z = 3\n", 0o600)).toThrow(/^input\/output error \(EIO\) writing .*\.tmp for .*c\.toml$/);
        expect(fs.readFileSync(f, "utf8")).toBe("old\n");
        expect(sides()).toEqual([]);
    });
});

describe("Changes: kept aside and put back", () => {
    test("rollback puts back the old inode (mode and bytes) and removes a file this run created; commit drops the kept files", () => {
        const f = fresh("d.toml", "mine\n", 0o644);
        const created = path.join(dir, "new.json");
        const c = new Changes();
        c.replace(f, "ours\n", 0o600);
        c.replace(f, "ours again\n", 0o600);
        c.replace(created, "{}\n", 0o600);
        expect(sides().filter((n) => n.endsWith(".prev"))).toHaveLength(1); // one kept copy per file: the original
        const back = c.rollback(f);
        expect(back).toEqual({ restored: [f, created], problems: [] });
        expect({ text: fs.readFileSync(f, "utf8"), mode: fs.statSync(f).mode & 0o777, created: fs.existsSync(created) }).toEqual({
            text: "mine\n",
            mode: 0o644,
            created: false,
        });
        expect(sides()).toEqual([]);

        const d = new Changes();
        d.replace(f, "kept\n", 0o600);
        d.commit();
        expect(fs.readFileSync(f, "utf8")).toBe("kept\n");
        expect(sides()).toEqual([]);
    });

    test("a file another program changed after this run wrote it is left as it is, said so, and the other changes stay", () => {
        const f = fresh("e.toml", "mine\n");
        const record = fresh("e.json", "old record\n");
        const c = new Changes();
        c.replace(record, "new record\n", 0o600);
        c.replace(f, "ours\n", 0o600);
        fs.writeFileSync(f, "ours\nand theirs\n");
        const back = c.rollback(f);
        expect(back).toEqual({ restored: [], problems: [`${f} was changed by another program after this run wrote it, so it was left as it is`] });
        expect(fs.readFileSync(f, "utf8")).toBe("ours\nand theirs\n");
        expect(fs.readFileSync(record, "utf8")).toBe("new record\n");
        expect(sides()).toEqual([]);
    });

    test("no hard links here (EPERM): a checked copy is kept instead, and put back", () => {
        const f = fresh("f.toml", "mine\n", 0o640);
        jest.spyOn(fs, "linkSync").mockImplementation(() => {
            throw errno("EPERM");
        });
        const c = new Changes();
        c.replace(f, "ours\n", 0o600);
        expect(sides()).toHaveLength(1);
        expect(c.rollback(f)).toEqual({ restored: [f], problems: [] });
        expect({ text: fs.readFileSync(f, "utf8"), mode: fs.statSync(f).mode & 0o777 }).toEqual({ text: "mine\n", mode: 0o640 });
        expect(sides()).toEqual([]);
    });

    test("no hard links and no space for the copy: fails before replacing anything", () => {
        const f = fresh("g.toml", "mine\n".repeat(2000));
        jest.spyOn(fs, "linkSync").mockImplementation(() => {
            throw errno("EXDEV");
        });
        // The temporary file fits; the copy of the old file (the second descriptor) does not.
        const realOpen = fs.openSync;
        let opened = 0;
        jest.spyOn(fs, "openSync").mockImplementation(((p: string, flags: string, mode?: number) => {
            if (String(p).endsWith(".prev")) opened++;
            return realOpen(p, flags, mode);
        }) as typeof fs.openSync);
        const write = jest.spyOn(fs, "writeSync");
        write.mockImplementation(((fd: number, buf: Buffer, off?: number, len?: number) => {
            if (opened > 0) throw errno("ENOSPC");
            return realWrite(fd, buf, off, len);
        }) as typeof fs.writeSync);
        expect(() => new Changes().replace(f, "ours\n", 0o600)).toThrow(
            /^no space left on device \(ENOSPC\) writing .*\.g\.toml\.\d+\.[0-9a-f]{8}\.prev for .*g\.toml$/,
        );
        expect(fs.readFileSync(f, "utf8")).toBe("mine\n".repeat(2000));
        expect(sides()).toEqual([]);
    });

    test("remove and chmod are undone too", () => {
        const f = fresh("h.toml", "mine\n", 0o644);
        const g = fresh("h.json", "record\n", 0o600);
        const c = new Changes();
        c.chmod(f, 0o600);
        c.remove(g);
        expect(fs.existsSync(g)).toBe(false);
        expect(c.rollback(f)).toEqual({ restored: [g], problems: [] });
        expect({ mode: fs.statSync(f).mode & 0o777, record: fs.readFileSync(g, "utf8") }).toEqual({ mode: 0o644, record: "record\n" });
        expect(sides()).toEqual([]);
    });
});

describe("removeStaleSides", () => {
    test("removes our side files of a process that is gone; keeps a live process's, and names that are not ours", () => {
        const dead = 4194305; // above pid_max: cannot exist
        const names = [
            `.config.toml.${dead}.0a1b2c3d.tmp`,
            `.config.toml.${dead}.0a1b2c3d.prev`,
            `.config.toml.${process.ppid}.0a1b2c3d.tmp`,
            `.notes.txt.${dead}.0a1b2c3d.tmp`,
            "config.toml",
        ];
        const sub = fs.mkdtempSync(path.join(dir, "stale-"));
        for (const n of names) fs.writeFileSync(path.join(sub, n), "x");
        removeStaleSides(sub, (n) => n === "config.toml");
        expect(fs.readdirSync(sub).sort()).toEqual([`.config.toml.${process.ppid}.0a1b2c3d.tmp`, `.notes.txt.${dead}.0a1b2c3d.tmp`, "config.toml"].sort());
    });
});
