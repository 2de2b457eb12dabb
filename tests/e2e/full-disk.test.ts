// A full or read-only disk never costs the user anything: CODEX_HOME is a 200 KB tmpfs holding a
// 38 KB config.toml (comments, other servers, the user's own entry), filled to every page boundary
// of the runner's sequence of writes (lock, saved entry, ownership record, backup, temporary config,
// ownership record again). After every run, byte for byte: either success with exactly the expected
// files, or failure with every file as before, no temporary or kept file left, and an error naming
// the file. Then EROFS (the whole CODEX_HOME, and a linked config.toml on a read-only mount), and
// the verify-then-restore path with the real Codex, which rejects a config it cannot load.
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyEntry, captureEntry, McpEntry, removeEntry } from "../../components/core/config-entry";
import { codexBinDir } from "../helpers/codex";
import { launch, LaunchResult, loginEnv } from "../helpers/launch";
import { suiteNeeding } from "../helpers/needs";
import type { RunnerRequest } from "../../components/protocol/types";

const NAME = "connectai";
const entry1: McpEntry = { url: "https://mcp.cloud.cdata.com/mcp", startup_timeout_sec: 30 };
const entry2: McpEntry = { url: "https://mcp.eu.cdata.com/mcp", startup_timeout_sec: 45, bearer_token_env_var: "CONNECT_AI_TOKEN" };
/** A root setting Codex 0.169 refuses to load ("unknown variant"): every `codex mcp get` fails. */
const CODEX_REJECTS = 'approval_policy = "sometimes"\n';

/** The user's file: ~38 KB of comments and servers, their own entry NAME in the middle. */
function userConfig(): string {
    let t = '# my Codex settings\nmodel = "o3"\n\n';
    for (let i = 0; t.length < 38_000; i++) {
        t += `# server ${i}: ${"notes ".repeat(8)}\n[mcp_servers.s${i}]\nurl = "https://s${i}.example/mcp"\nstartup_timeout_sec = ${i + 1}\n\n`;
        if (i === 40) t += `# my own Connect AI entry\n[mcp_servers.${NAME}]\nurl = "https://mine.example/mcp"\n\n`;
    }
    return t + "# the end\n";
}

type Files = Record<string, { mode: string; text: string }>;

/** Every file in dir but the filler, with its mode and bytes. */
/** The record with its random digest key and the digests it keys as placeholders (their bytes are this run's). */
function placeheld(record: string): string {
    try {
        const r = JSON.parse(record);
        if (r.key) r.key = "<key>";
        for (const s of Object.values(r.servers ?? {}) as Array<{ applied?: string }>) if (s.applied) s.applied = "<applied>";
        return JSON.stringify(r, null, 2) + "\n";
    } catch {
        return record; // not JSON: compared as it is
    }
}

function snap(dir: string): Files {
    const out: Files = {};
    for (const n of fs.readdirSync(dir).sort()) {
        if (n === "filler") continue;
        const text = fs.readFileSync(path.join(dir, n), "latin1");
        out[n] = { mode: (fs.statSync(path.join(dir, n)).mode & 0o777).toString(8), text: n === ".codex-mcp-owner.json" ? placeheld(text) : text };
    }
    return out;
}

function clear(dir: string): void {
    for (const n of fs.readdirSync(dir)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
}

function put(dir: string, files: Files): void {
    clear(dir);
    for (const [n, f] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, n), Buffer.from(f.text, "latin1"));
        fs.chmodSync(path.join(dir, n), parseInt(f.mode, 8));
    }
}

/** Fills dir's file system so that exactly k pages are free. */
function leaveFree(dir: string, k: number): void {
    const st = fs.statfsSync(dir);
    fs.writeFileSync(path.join(dir, "filler"), Buffer.alloc((st.bavail - k) * st.bsize));
    expect({ k, free: fs.statfsSync(dir).bavail }).toEqual({ k, free: k });
}

const pages = (text: string) => Math.ceil(Buffer.byteLength(text) / 4096);

/** The file an error names (`writing X for Y`: Y; `writing L` / `creating L`: L), without its side-file suffix. */
function named(message: string): string | undefined {
    const m = /(?:writing|creating) (\S+?)(?: for (\S+?))?[;,]/.exec(message);
    return m ? (m[2] ?? m[1]) : undefined;
}

suiteNeeding({ root: true })("a full or read-only disk: nothing of the user's is lost", () => {
    const mounts: string[] = [];
    const env = loginEnv("/root", "root");
    const run = (req: RunnerRequest, extra: NodeJS.ProcessEnv = {}): LaunchResult => launch(req, { env: { ...env, ...extra } });

    function tmpfs(size: string): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "full-disk-"));
        execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir]);
        mounts.push(dir);
        return dir;
    }

    afterAll(() => {
        for (const m of mounts.reverse()) {
            try {
                execFileSync("umount", ["-l", m]);
                fs.rmdirSync(m);
            } catch (e) {
                process.stderr.write(`full-disk cleanup of ${m}: ${(e as Error).message}\n`);
            }
        }
    });

    const original = userConfig();
    const e1 = applyEntry(original, NAME, entry1);
    const e2 = applyEntry(e1, NAME, entry2);
    /** The ownership record: the server's record, and the hash of the config.toml.bak this tool wrote. */
    // An ensure that got as far as its record keeps the digest of the entry it wrote, under the target's key.
    const owner = (r: { token?: string; [k: string]: unknown }, bak?: string) =>
        JSON.stringify(
            {
                servers: { [NAME]: r.token ? { ...r, applied: "<applied>" } : r },
                ...(bak !== undefined ? { backup: createHash("sha256").update(bak).digest("hex") } : {}),
                ...(r.token ? { key: "<key>" } : {}),
            },
            null,
            2,
        ) + "\n";

    describe("ENOSPC at every page boundary", () => {
        let home: string;
        const states: Files[] = [];
        const cfg = () => path.join(home, "config.toml");
        const ops: Array<{ title: string; req: RunnerRequest }> = [
            { title: "first ensure (adopts the user's entry)", req: { op: "ensure", name: NAME, entry: entry1, token: "t1", verify: false } },
            { title: "second ensure (another entry)", req: { op: "ensure", name: NAME, entry: entry2, token: "t2", verify: false } },
            { title: "remove (gives the user's entry back)", req: { op: "remove", name: NAME } },
        ];

        beforeAll(() => {
            home = tmpfs("200k");
            fs.writeFileSync(cfg(), original, { mode: 0o644 });
            fs.chmodSync(cfg(), 0o644);
            states.push(snap(home));
            for (const op of ops) {
                const r = run({ ...op.req, codexHome: home });
                expect({ op: op.title, error: r.error }).toEqual({ op: op.title, error: undefined });
                states.push(snap(home));
            }
        });

        test("with ample space, the three runs leave exactly the expected files", () => {
            const saved = captureEntry(original, NAME)!;
            expect(states[0]).toEqual({ "config.toml": { mode: "644", text: original } });
            expect(states[1]).toEqual({
                ".codex-mcp-owner.json": { mode: "600", text: owner({ saved: true, token: "t1", fileMode: "0644" }, removeEntry(original, NAME)) },
                [`.codex-mcp-saved.${NAME}.toml`]: { mode: "600", text: saved },
                "config.toml": { mode: "600", text: e1 },
                "config.toml.bak": { mode: "600", text: removeEntry(original, NAME) },
            });
            expect(removeEntry(e1, NAME)).toBe(removeEntry(original, NAME)); // so the second ensure leaves the backup as it is
            expect(states[2]).toEqual({
                ...states[1],
                ".codex-mcp-owner.json": { mode: "600", text: owner({ saved: true, token: "t2", fileMode: "0644" }, removeEntry(e1, NAME)) },
                "config.toml": { mode: "600", text: e2 },
                "config.toml.bak": { mode: "600", text: removeEntry(e1, NAME) },
            });
            // The user's file back byte for byte, with its own mode, and this tool's backup gone with the entry.
            expect(states[3]).toEqual({ "config.toml": { mode: "644", text: original } });
        });

        test.each([0, 1, 2])("op %i at k = 0 .. K free pages: success with the expected files, or failure with every file as before", (i) => {
            // Every k the file system allows, from full to empty (more than the run's writes need at once).
            put(home, states[i]);
            const K = fs.statfsSync(home).bavail;
            expect(K).toBeGreaterThan(3 + pages(original) + pages(e2) + 2);
            const outcomes: Array<{ k: number; ok: boolean; message?: string }> = [];
            for (let k = 0; k <= K; k++) {
                put(home, states[i]);
                leaveFree(home, k);
                const r = run({ ...ops[i].req, codexHome: home });
                const after = snap(home);
                const label = `${ops[i].title}, ${k} pages free`;
                const file = r.error ? named(r.error.message) : undefined;
                expect({ label, ok: r.ok, code: r.error?.code, namesAFileThere: file?.startsWith(home + "/"), files: after }).toEqual(
                    r.ok
                        ? { label, ok: true, code: undefined, namesAFileThere: undefined, files: states[i + 1] }
                        : { label, ok: false, code: "no-space", namesAFileThere: true, files: states[i] },
                );
                expect({ label, message: r.error?.message ?? "" }).toEqual({
                    label,
                    message: r.ok
                        ? ""
                        : expect.stringMatching(
                              /^no space left on device \(ENOSPC\) (writing|creating) \/\S+.*; (nothing was changed|the previous file was restored)$/,
                          ),
                });
                outcomes.push({ k, ok: r.ok, message: r.error?.message });
            }
            // Both outcomes occur, and more space never turns a success into a failure.
            const firstOk = outcomes.findIndex((o) => o.ok);
            expect({ failsWithNoSpace: !outcomes[0].ok, succeedsWithK: outcomes[K].ok }).toEqual({ failsWithNoSpace: true, succeedsWithK: true });
            expect(outcomes.slice(firstOk).filter((o) => !o.ok)).toEqual([]);
            // Every write of the run was hit by a boundary: the files the failures name. (The second
            // ensure leaves config.toml.bak alone: it already holds the file without the entry; the
            // remove deletes it, which needs no space.)
            const hit = new Set(outcomes.filter((o) => !o.ok).map((o) => path.basename(named(o.message!)!)));
            const expected = [
                [".config.toml.lock", `.codex-mcp-saved.${NAME}.toml`, ".codex-mcp-owner.json", "config.toml.bak", "config.toml"],
                [".config.toml.lock", "config.toml", ".codex-mcp-owner.json"],
                [".config.toml.lock", "config.toml"],
            ][i];
            expect([...hit].sort()).toEqual([...expected].sort());
            // A failure after config.toml was replaced (the record written last) put it back, and says so.
            const afterSwap = outcomes.filter((o) => o.message?.endsWith("; the previous file was restored"));
            expect(afterSwap.map((o) => path.basename(named(o.message!)!))).toEqual(i < 2 ? [".codex-mcp-owner.json"] : []);
        });
    });

    describe("EROFS", () => {
        test("CODEX_HOME remounted read-only: ensure fails naming the lock, nothing changes; remove likewise", () => {
            const home = tmpfs("200k");
            fs.writeFileSync(path.join(home, "config.toml"), original, { mode: 0o600 });
            const before = snap(home);
            execFileSync("mount", ["-o", "remount,ro", home]);
            try {
                for (const req of [
                    { op: "ensure", name: NAME, entry: entry1, verify: false },
                    { op: "remove", name: NAME },
                ] as RunnerRequest[]) {
                    const r = run({ ...req, codexHome: home });
                    expect({ op: req.op, ok: r.ok, error: r.error, files: snap(home) }).toEqual({
                        op: req.op,
                        ok: false,
                        error: { code: "read-only", message: `read-only file system (EROFS) creating ${home}/.config.toml.lock; nothing was changed` },
                        files: before,
                    });
                }
            } finally {
                execFileSync("mount", ["-o", "remount,rw", home]);
            }
        });

        test("config.toml linked into a read-only mount: the first ensure fails at the temporary file and takes back its record, saved entry and backup", () => {
            const home = tmpfs("200k");
            const dotfiles = tmpfs("200k");
            const real = path.join(dotfiles, "config.toml");
            fs.writeFileSync(real, original, { mode: 0o600 });
            fs.symlinkSync(real, path.join(home, "config.toml"));
            const before = { home: snap(home), dotfiles: snap(dotfiles) };
            execFileSync("mount", ["-o", "remount,ro", dotfiles]);
            try {
                const r = run({ op: "ensure", name: NAME, entry: entry1, verify: false, codexHome: home });
                expect(r.error?.code).toBe("read-only");
                expect(r.error?.message).toMatch(
                    new RegExp(
                        `^read-only file system \\(EROFS\\) writing ${dotfiles}/\\.config\\.toml\\.\\d+\\.[0-9a-f]{8}\\.tmp for ${real}; nothing was changed$`,
                    ),
                );
                // No .codex-mcp-owner.json, saved entry or backup is left in CODEX_HOME: the link is all there is.
                expect({ home: snap(home), dotfiles: snap(dotfiles) }).toEqual(before);
                expect(fs.readdirSync(home)).toEqual(["config.toml"]);
            } finally {
                execFileSync("mount", ["-o", "remount,rw", dotfiles]);
            }
        });
    });

    describe("verify on, with the real Codex", () => {
        const broken = CODEX_REJECTS + original;

        test("Codex cannot load the file: from a full disk up, either ENOSPC or verify-failed and the previous file restored; every file as before", () => {
            const home = tmpfs("200k");
            const PATH = `${codexBinDir()}:${env.PATH}`;
            put(home, { "config.toml": { mode: "600", text: broken } });
            const K = fs.statfsSync(home).bavail;
            const codes: string[] = [];
            // Up to the third verify failure in a row: beyond it every write fits and each run is the same.
            const settled = () => codes.length >= 3 && codes.slice(-3).every((c) => c === "verify-failed");
            for (let k = 0; k <= K && !settled(); k++) {
                put(home, { "config.toml": { mode: "600", text: broken } });
                const before = snap(home);
                leaveFree(home, k);
                const r = run({ op: "ensure", name: NAME, entry: entry1, verify: true, codexHome: home }, { PATH });
                const label = `${k} pages free`;
                expect({ label, ok: r.ok, files: snap(home) }).toEqual({ label, ok: false, files: before });
                expect({ label, message: r.error!.message }).toEqual({
                    label,
                    message:
                        r.error!.code === "verify-failed"
                            ? expect.stringMatching(
                                  /^Codex did not read the entry as written \(codex mcp list exited with 1: [\s\S]*\); the previous file was restored$/,
                              )
                            : expect.stringMatching(/^no space left on device \(ENOSPC\) .*; nothing was changed$/),
                });
                codes.push(r.error!.code);
            }
            const firstVerify = codes.indexOf("verify-failed");
            expect({ first: codes[0], settled: settled(), noSpaceOnlyBelow: codes.slice(firstVerify).filter((c) => c !== "verify-failed") }).toEqual({
                first: "no-space",
                settled: true,
                noSpaceOnlyBelow: [],
            });
        });

        test("another program saves config.toml while Codex verifies: it is not restored, the message says so, and a remove still gives the user's entry back", () => {
            const home = tmpfs("200k");
            const cfg = path.join(home, "config.toml");
            fs.writeFileSync(cfg, broken, { mode: 0o600 });
            // A `codex` that, when asked `mcp list`, first saves the file as Codex itself does (write,
            // rename; its umask gives 0644), then runs the real one.
            const wrapDir = fs.mkdtempSync(path.join(os.tmpdir(), "full-disk-codex-"));
            const added = '\n[projects."/work/x"]\ntrust_level = "trusted"\n';
            fs.writeFileSync(
                path.join(wrapDir, "codex"),
                `#!/bin/sh\numask 022\nif [ "$1" = mcp ] && [ "$2" = list ]; then\n  f="$CODEX_HOME/config.toml"\n  cat "$f" > "$CODEX_HOME/.saving" && printf '%s' '${added}' >> "$CODEX_HOME/.saving" && mv "$CODEX_HOME/.saving" "$f"\nfi\nexec ${path.join(codexBinDir(), "codex")} "$@"\n`,
                { mode: 0o755 },
            );
            try {
                const r = run({ op: "ensure", name: NAME, entry: entry1, verify: true, codexHome: home }, { PATH: `${wrapDir}:${env.PATH}` });
                expect(r.error?.code).toBe("verify-failed");
                expect(r.error?.message).toMatch(
                    new RegExp(
                        `^Codex did not read the entry as written \\([\\s\\S]*\\); ${cfg} was changed by another program after this run wrote it, so it was left as it is; the previous file, without this entry, is ${cfg}\\.bak$`,
                    ),
                );
                expect(r.error?.message).not.toMatch(/restored/);
                // Our write and the other program's edit (with the mode it gave the file); the record that
                // the entry is ours, and the user's saved entry, stay.
                const ours = applyEntry(broken, NAME, entry1) + added;
                expect(snap(home)).toEqual({
                    ".codex-mcp-owner.json": { mode: "600", text: owner({ saved: true }, removeEntry(broken, NAME)) },
                    [`.codex-mcp-saved.${NAME}.toml`]: { mode: "600", text: captureEntry(broken, NAME)! },
                    "config.toml": { mode: "644", text: ours },
                    "config.toml.bak": { mode: "600", text: removeEntry(broken, NAME) },
                });
                const rm = run({ op: "remove", name: NAME, codexHome: home });
                expect(rm.error).toBeUndefined();
                expect(rm).toMatchObject({ ok: true, restored: true, backupRemoved: `${cfg}.bak` });
                expect(fs.readFileSync(cfg, "utf8")).toBe(broken + added);
                expect(fs.readdirSync(home)).toEqual(["config.toml"]);
            } finally {
                fs.rmSync(wrapDir, { recursive: true, force: true });
            }
        });
    });
});
