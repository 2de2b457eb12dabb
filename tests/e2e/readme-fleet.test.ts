// The README's "A fleet" block as a person runs it: taken from README.md (an edit there changes
// this test), with `pulumi` the shell function the README names, in a fresh clone, as a fresh
// account with its own HOME, its key in ~/.ssh/id_ed25519 and its PAT in ~/.connect-ai-pat, not
// interactively (the PAT reaches `pulumi config set --secret pat` on stdin). Only what must differ
// on a test machine is replaced (SUBSTITUTIONS). Then the real Codex of each account reads its
// entry, `pulumi preview --expect-no-changes`, `npm run up` and `npm run down` on that stack and
// their summaries, and the PAT searched for in everything printed and stored.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { caEnv } from "../helpers/ca-env";
import { freshClone } from "../helpers/clone";
import { accountCodex, accountMcpGet, codexVersion } from "../helpers/codex";
import { FleetHost, npmSeed, startFleet } from "../helpers/fleet";
import { suiteNeeding } from "../helpers/needs";
import { summaryOf, verdictOf } from "../helpers/run-summary";
import { projectRoot, toolchainBin } from "../helpers/toolchain";
import { createUser, TestUser } from "../helpers/users";

const PAT = "PAT-readme-fleet-4e81c2";
const EMAIL = "ada@example.com"; // the README's
const HEADER = "Basic " + Buffer.from(`${EMAIL}:${PAT}`).toString("base64");
const SECRETS = [PAT, HEADER.slice("Basic ".length), HEADER];
/** The account's own settings, added to its file after the first up. */
const MINE = '# mine\nmodel = "o3"\n';

/** The first sh block of the README's "## A fleet" section. */
function fleetBlock(): string {
    const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("\n## A fleet\n"));
    const m = /\n```sh\n([\s\S]*?)\n```\n/.exec(section.slice(0, section.indexOf("\n## ", 1)));
    if (!m) throw new Error('README.md: no ```sh block in "## A fleet"');
    return m[1];
}

/**
 * What differs on a test machine, each replacement required to match (a README that no longer
 * has the text fails here, rather than running something else):
 * - the SSH host is a real sshd on 127.0.0.1, on a free port, logging into a test account;
 * - no container engine runs on this machine: the dev container target becomes an exec target
 *   whose prefix (`env`) runs the runner here, as the account running the block.
 */
function substitutions(web1: FleetHost): Array<[RegExp, string]> {
    return [
        [/10\.0\.0\.5/g, "127.0.0.1"],
        [/('targets\[0\]\.port' |ssh-keyscan -p )22\b/g, `$1${web1.ssh.port}`],
        [/('targets\[0\]\.user' )dev$/gm, `$1${web1.user.name}`],
        [/^(pulumi config set --path 'targets\[1\]\.kind' )docker\b.*$/gm, "$1exec"],
        [/^(pulumi config set --path 'targets\[1\]\.)container' devbox$/gm, "$1prefix[0]' env"],
        [/^pulumi config set --path 'targets\[1\]\.user' vscode\n/gm, ""],
    ];
}

const suite = suiteNeeding({ root: true, sshd: true });

suite("the README's fleet section, run as written", () => {
    let fleet: Awaited<ReturnType<typeof startFleet>>;
    let web1: FleetHost;
    let me: TestUser;
    let pulumiDir: string;
    let clone: string;
    const printed: string[] = [];
    const STACK_FILES = () => path.join(clone, ".pulumi-state", ".pulumi", "stacks", "codex-connect");

    /** Commands as the account types them in its clone, with `pulumi` as the README defines it. */
    function asMe(command: string, input?: string) {
        const env = { HOME: me.home, USER: me.name, LOGNAME: me.name, SHELL: "/bin/bash", PATH: `${pulumiDir}:/usr/local/bin:/usr/bin:/bin`, ...caEnv() };
        const script = `set -euo pipefail\ncd "$1"\npulumi() { npm run --silent pulumi -- "$@"; }\n${command}\n`;
        const r = spawnSync(
            "runuser",
            ["-u", me.name, "--", "env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "bash", "-c", script, "_", clone],
            {
                encoding: "utf8",
                input: input ?? "",
                timeout: 20 * 60_000,
            },
        );
        const out = `${r.stdout}\n${r.stderr}`;
        printed.push(out);
        return { status: r.status, out, stdout: r.stdout };
    }
    const ok = (r: { status: number | null; out: string }) =>
        expect({ status: r.status, tail: r.status === 0 ? "" : r.out.slice(-3000) }).toEqual({ status: 0, tail: "" });

    const codexOf = (u: TestUser) => accountCodex(u.home);
    const configOf = (u: TestUser) => path.join(u.home, ".codex", "config.toml");
    /** What the account's Codex parsed; the header compared here and replaced, never printed. */
    const codexGet = (u: TestUser) => accountMcpGet(u, HEADER);

    beforeAll(async () => {
        const seed = npmSeed([codexVersion]);
        fleet = await startFleet(["web1"], { seed });
        web1 = fleet.hosts[0];
        me = createUser("cxq");
        // Pulumi as installed on this machine (README: the toolchain): a copy the account can run.
        pulumiDir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-fleet-pulumi-"));
        for (const f of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-command"]) fs.copyFileSync(path.join(toolchainBin(), f), path.join(pulumiDir, f));
        for (const f of fs.readdirSync(pulumiDir)) fs.chmodSync(path.join(pulumiDir, f), 0o755);
        fs.chmodSync(pulumiDir, 0o755);
        // The account's own files, as the README assumes them: its SSH key and its PAT.
        fs.mkdirSync(path.join(me.home, ".ssh"), { mode: 0o700 });
        fs.writeFileSync(path.join(me.home, ".ssh", "id_ed25519"), web1.ssh.clientKey, { mode: 0o600 });
        fs.writeFileSync(path.join(me.home, ".connect-ai-pat"), `${PAT}\n`, { mode: 0o600 });
        // Codex for the exec target from the machine's npm cache instead of 400 MB from the registry.
        fs.cpSync(seed, path.join(me.home, ".npm"), { recursive: true });
        spawnSync("chown", ["-R", `${me.uid}:${me.gid}`, me.home]);
        clone = freshClone(path.join(me.home, "codex-connect-pulumi"), me);
    });

    afterAll(() => {
        me?.remove();
        fleet?.stop();
        if (pulumiDir) fs.rmSync(pulumiDir, { recursive: true, force: true });
    });

    test(
        "the block, with the host, port, user and container target replaced: it runs, and both accounts' Codex read the entry",
        () => {
            const original = fleetBlock();
            let block = original;
            for (const [from, to] of substitutions(web1)) {
                expect({ from: from.source, matches: (original.match(from) ?? []).length > 0 }).toEqual({ from: from.source, matches: true });
                block = block.replace(from, to);
            }
            // The parts the README is responsible for, left as written.
            expect(block).toMatch(/^export STACK=fleet\b/);
            expect(block).toMatch(/^pulumi config set --secret pat < ~\/\.connect-ai-pat\b/m);
            expect(block).toMatch(/\npulumi up --yes\s*$/);
            expect(block).not.toMatch(/10\.0\.0\.5|docker|vscode/);

            const r = asMe(block, ""); // stdin is not a terminal, and holds nothing: the PAT comes from the file as the block says
            ok(r);
            expect(r.out).toContain("pulumi: stack fleet in file://");
            expect(r.out).not.toContain("stack local");
            // Only the fleet stack exists: the bare `pulumi config set` lines never touched npm run up's.
            expect(fs.existsSync(path.join(clone, "Pulumi.local.yaml"))).toBe(false);
            expect(fs.readdirSync(STACK_FILES()).filter((f) => !f.startsWith("fleet."))).toEqual([]);
            expect(fs.readFileSync(path.join(clone, "Pulumi.fleet.yaml"), "utf8")).toMatch(/codex-connect:pat:\n\s+secure: /);

            for (const u of [web1.user, me]) {
                expect({ account: u.name, got: codexGet(u) }).toEqual({
                    account: u.name,
                    got: expect.objectContaining({
                        name: "connectai",
                        enabled: true,
                        transport: expect.objectContaining({
                            type: "streamable_http",
                            url: "https://mcp.cloud.cdata.com/mcp",
                            http_headers: { Authorization: "<as expected>" },
                        }),
                        startup_timeout_sec: 30,
                    }),
                });
                expect(spawnSync(codexOf(u), ["--version"], { encoding: "utf8" }).stdout).toContain(codexVersion);
                const st = fs.statSync(configOf(u));
                expect({ account: u.name, mode: st.mode & 0o777, uid: st.uid }).toEqual({ account: u.name, mode: 0o600, uid: u.uid });
            }
        },
        25 * 60_000,
    );

    test("pulumi preview --expect-no-changes on the same stack passes", () => {
        ok(asMe("export STACK=fleet\npulumi preview --expect-no-changes"));
    });

    test("npm run up on that stack: the user's settings kept, their edit of the entry on web1 repaired, and per target what is there", () => {
        for (const u of [web1.user, me]) fs.writeFileSync(configOf(u), MINE + "\n" + fs.readFileSync(configOf(u), "utf8"));
        fs.writeFileSync(configOf(web1.user), fs.readFileSync(configOf(web1.user), "utf8").replace("startup_timeout_sec = 30", "startup_timeout_sec = 5"));
        const r = asMe("STACK=fleet npm run up");
        ok(r);
        expect(r.out).toMatch(/Resources:[\s~]+1 updated/);
        const basic = "(Basic auth: the email and the PAT kept in the stack)";
        expect(summaryOf(r.stdout).sort()).toEqual(
            [
                `  web1: Codex ${codexVersion} at ${codexOf(web1.user)}; connectai in ${configOf(web1.user)} ${basic}; repaired: entry.startup_timeout_sec`,
                `  devbox: Codex ${codexVersion} at ${codexOf(me)}; connectai in ${configOf(me)} ${basic}`,
            ].sort(),
        );
        expect(codexGet(web1.user).startup_timeout_sec).toBe(30);
        // Each target gets Codex's verdict under it; no credential signs Codex in on this stack.
        expect(verdictOf(r.stdout).filter((l) => l.includes("Codex is not signed in")).length).toBe(2);
        // The repair kept the previous file, without the entry, in this tool's backup.
        expect(fs.readFileSync(`${configOf(web1.user)}.bak`, "utf8")).toBe(MINE);
        expect(r.out).toContain("the same as JSON: STACK=fleet npm run pulumi -- stack output targets");
        const json = asMe("STACK=fleet npm run --silent pulumi -- stack output targets --json");
        ok(json);
        expect(Object.keys(JSON.parse(json.stdout)).sort()).toEqual(["devbox", "web1"]);
    });

    test("npm run down on that stack: both entries and this tool's backup gone, the user's settings and Codex stay, and it says so per target", () => {
        const r = asMe("STACK=fleet npm run down");
        ok(r);
        expect(r.out).toMatch(/\d+ deleted/);
        const lines = summaryOf(r.stdout);
        expect(lines.slice(0, 2).sort()).toEqual(
            [
                `  web1: removed the connectai entry from ${configOf(web1.user)}; the rest of the file is unchanged; Codex stays (${codexVersion} at ${codexOf(web1.user)})`,
                `  devbox: removed the connectai entry from ${configOf(me)}; the rest of the file is unchanged; Codex stays (${codexVersion} at ${codexOf(me)})`,
            ].sort(),
        );
        expect(lines.slice(2)).toEqual([
            "  (to uninstall Codex too: STACK=fleet npm run pulumi -- config set uninstallCodexOnDestroy true, then STACK=fleet npm run up to record it, then STACK=fleet npm run down)",
        ]);
        for (const u of [web1.user, me]) {
            // The file holds the user's settings only; no backup, temporary file or lock is left beside it.
            const left = fs.readdirSync(path.dirname(configOf(u))).filter((f) => /bak|\.(tmp|prev|lock)$/.test(f));
            expect({ account: u.name, config: fs.readFileSync(configOf(u), "utf8"), left }).toEqual({ account: u.name, config: MINE, left: [] });
            const list = spawnSync("runuser", ["-u", u.name, "--", "env", "-i", `HOME=${u.home}`, "PATH=/usr/bin:/bin", codexOf(u), "mcp", "list", "--json"], {
                encoding: "utf8",
            });
            expect({ account: u.name, status: list.status, servers: list.status === 0 ? JSON.parse(list.stdout) : list.stderr }).toEqual({
                account: u.name,
                status: 0,
                servers: [],
            });
        }
    });

    test("the PAT, its base64 and the header: in nothing printed, nor in the stack's files or the sshd log", () => {
        const stateDir = path.join(clone, ".pulumi-state");
        const files = (fs.readdirSync(stateDir, { recursive: true }) as string[]).map((f) => path.join(stateDir, f)).filter((f) => fs.statSync(f).isFile());
        const haystacks: Array<[string, string]> = [
            ["printed", printed.join("\n")],
            ["Pulumi.fleet.yaml", fs.readFileSync(path.join(clone, "Pulumi.fleet.yaml"), "utf8")],
            ["sshd log", web1.ssh.log()],
            ...files.map((f): [string, string] => [f, fs.readFileSync(f, "utf8")]),
        ];
        // The scan reads the real things: the state of the commands, and the runs' output.
        expect(haystacks.some(([n, h]) => n.includes(".pulumi-state") && h.includes("command:local:Command"))).toBe(true);
        expect(printed.join("\n")).toContain("pulumi: stack fleet");
        expect(haystacks.filter(([, h]) => SECRETS.some((s) => h.includes(s))).map(([n]) => n)).toEqual([]);
    });
});
