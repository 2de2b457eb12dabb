// More SSH hosts than their sshd lets handshake at once, through the real engine: 24 accounts
// behind one sshd with MaxStartups 8 (it drops every unauthenticated connection past 8), a
// CodexMcpServer on each, `--parallel 4`. The program's probes run at most --parallel at a time
// (components/call-runner.ts), so an up (4 probes and 4 commands at once) and a no-op preview (4
// probes) never meet the limit: every host is reached, the preview proposes nothing, sshd dropped
// nothing. Unbounded, the preview's 24 probes would start together and 16 would be dropped, their
// hosts "unreachable": a no-op preview of a fleet that proposes changes.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { suiteNeeding } from "../helpers/needs";
import { SharedSshd, startSharedSshd } from "../helpers/sshd";
import { sandboxStack } from "../helpers/stack";
import { projectRoot } from "../helpers/toolchain";
import { createUsers, removeUsers, TestUser } from "../helpers/users";

const HOSTS = 24;
const MAX_STARTUPS = 8;
const PARALLEL = 4;

const suite = suiteNeeding({ root: true, sshd: true });

suite("a fleet larger than its sshd's MaxStartups: probes bounded by --parallel", () => {
    let users: TestUser[] = [];
    let sshd: SharedSshd;
    let stack: Stack;
    let remove: (() => Promise<void>) | undefined;
    let dir: string;
    const printed: string[] = [];
    const onOutput = (s: string) => printed.push(s);
    const prefix = `cxh${process.pid.toString(36)}x`;
    const entryOf = (u: TestUser) => path.join(u.home, ".codex", "config.toml");
    const dropped = () =>
        sshd
            .log()
            .split("\n")
            .filter((l) => /past MaxStartups/.test(l)).length;

    beforeAll(async () => {
        users = createUsers(prefix, HOSTS);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "many-hosts-e2e-"));
        fs.chmodSync(dir, 0o755); // sshd reads the shared authorized_keys as each account
        sshd = await startSharedSshd({ allowUsers: [`${prefix}*`], dir: path.join(dir, "sshd"), maxStartups: MAX_STARTUPS });
        ({ stack, remove } = await sandboxStack({ name: "many-hosts", workDir: path.join(projectRoot, "tests", "programs", "many-hosts") }));
        await stack.setConfig("setup", { value: JSON.stringify({ port: sshd.port, hostKey: sshd.hostKey, users: users.map((u) => u.name) }) });
        await stack.setConfig("sshPrivateKey", { value: fs.readFileSync(sshd.clientKeyFile, "utf8"), secret: true });
    });

    afterAll(async () => {
        await remove?.();
        sshd?.stop();
        removeUsers(users);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test(`up with --parallel ${PARALLEL}: every one of the ${HOSTS} hosts gets its entry; sshd dropped no connection`, async () => {
        const r = await stack.up({ parallel: PARALLEL, onOutput });
        expect(r.summary.result).toBe("succeeded");
        expect(r.summary.resourceChanges).toEqual({ create: 2 * HOSTS + 1 });
        expect(
            users.filter((u) => !fs.readFileSync(entryOf(u), "utf8").includes('[mcp_servers.docs]\nurl = "https://docs.example/mcp"')).map((u) => u.name),
        ).toEqual([]);
        expect(dropped()).toBe(0);
    });

    test("a no-op preview reaches every host and proposes nothing; sshd dropped no connection", async () => {
        const r = await stack.preview({ parallel: PARALLEL, expectNoChanges: true, onOutput });
        expect(r.changeSummary).toEqual({ same: 2 * HOSTS + 1 });
        expect(printed.join("").match(/could not be probed[^\n]*/g) ?? []).toEqual([]);
        expect(dropped()).toBe(0);
    });

    test("destroy removes every entry", async () => {
        await stack.destroy({ parallel: PARALLEL, onOutput });
        expect(users.filter((u) => fs.existsSync(entryOf(u)) && fs.readFileSync(entryOf(u), "utf8").includes("[mcp_servers.docs]")).map((u) => u.name)).toEqual(
            [],
        );
    });
});
