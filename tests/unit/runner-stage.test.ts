// The SSH targets' runner script as the probe leaves it (runner-stage.ts): written when missing or
// different, left alone when it is this runner's, never half-written.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REMOTE_SCRIPT, targetScript } from "../../components/launcher";
import { stageTargetScript } from "../../components/runner-stage";

describe("stageTargetScript", () => {
    let home: string;
    beforeEach(() => {
        home = fs.mkdtempSync(path.join(os.tmpdir(), "stage-"));
    });
    afterEach(() => fs.rmSync(home, { recursive: true, force: true }));
    const file = () => path.join(home, REMOTE_SCRIPT);

    test("missing: written 0700 in a 0700 directory, as the script for this runner", () => {
        expect(stageTargetScript("exports.main=1", home)).toBe(true);
        expect(fs.readFileSync(file(), "utf8")).toBe(targetScript("exports.main=1"));
        expect(fs.statSync(file()).mode & 0o777).toBe(0o700);
        expect(fs.statSync(path.dirname(file())).mode & 0o777).toBe(0o700);
    });

    test("already this runner's: not written again (same inode, same mtime)", () => {
        stageTargetScript("exports.main=1", home);
        const before = fs.statSync(file());
        expect(stageTargetScript("exports.main=1", home)).toBe(false);
        const after = fs.statSync(file());
        expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    });

    test("another version or edited: replaced by a rename (a reader of the old one keeps the old one)", () => {
        stageTargetScript("exports.main=1", home);
        const old = fs.openSync(file(), "r");
        expect(stageTargetScript("exports.main=2", home)).toBe(true);
        expect(fs.readFileSync(file(), "utf8")).toBe(targetScript("exports.main=2"));
        expect(fs.readFileSync(old, "utf8")).toBe(targetScript("exports.main=1"));
        fs.closeSync(old);
        expect(fs.readdirSync(path.dirname(file()))).toEqual([path.basename(file())]);
    });
});
