// Hosts whose output is hostile or broken cannot hurt the controller or the other hosts: the real
// engine runs the fleet program against real sshd hosts whose login shells print a flood of more than
// 1 GB, a banner without a newline, or binary garbage after the answer, and whose files carry
// terminal escapes (a Codex package.json version, a config.toml link's target name). The state stays
// a few KB per target, the raw bytes the engine prints hold no control character of a target's, and
// a host that fails fails alone and recovers at the next up.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexVersion } from "../helpers/codex";
import { FleetHost, npmSeed, setTargetsConfig, startFleet } from "../helpers/fleet";
import { sandboxStack } from "../helpers/stack";
import { suiteNeeding } from "../helpers/needs";

const FLOOD_BYTES = 1100 * 1024 * 1024;
// Only the SSH session's own shell prints: the shells the runner starts inside it inherit the mark.
const once = (body: string) => `if [ -n "$SSH_CONNECTION" ] && [ -z "$CXM_PRINTED" ]; then export CXM_PRINTED=1; ${body}; fi\n`;
const BASHRC: Record<string, string> = {
    // While ~/flooding exists: the first up and preview (each SSH session costs seconds).
    flood: once(`[ -e ~/flooding ] && yes 'flooding the session with a login banner' | head -c ${FLOOD_BYTES}`),
    banner: once("printf 'Welcome to banner'"),
    // Binary noise after the answer, from a process that holds the session open for a minute.
    tail: once("(sleep 2; head -c 3000000 /dev/urandom; sleep 60) &"),
    evil: once("printf '\\033]0;pwned by the banner\\007'"),
};
const ESCAPES = "\u001b]0;pwned\u0007\u001b[2J";
/** Bytes no target may put on the operator's terminal: C0 controls but newline, tab and CR (the engine's own line handling), and DEL. */
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const suite = suiteNeeding({ root: true, sshd: true });

suite("hostile and broken hosts, through the real engine", () => {
    let fleet: Awaited<ReturnType<typeof startFleet>>;
    let stack: Stack;
    let remove: (() => Promise<void>) | undefined;
    const hosts: Record<string, FleetHost> = {};
    const raw: Buffer[] = [];
    const onOutput = (s: string) => raw.push(Buffer.from(s));
    const configOf = (h: FleetHost) => path.join(h.user.home, ".codex", "config.toml");
    const label = (h: FleetHost) => `ssh ${h.user.name}@127.0.0.1:${h.ssh.port}`;
    const printedSince = (n: number) => Buffer.concat(raw.slice(n)).toString("latin1");
    const codexPackage = (h: FleetHost) => path.join(h.user.home, ".local", "lib", "node_modules", "@openai", "codex", "package.json");

    beforeAll(async () => {
        fleet = await startFleet(Object.keys(BASHRC), { seed: npmSeed([codexVersion]) });
        for (const h of fleet.hosts) {
            hosts[h.name] = h;
            fs.writeFileSync(path.join(h.user.home, ".bashrc"), BASHRC[h.name]);
            fs.chownSync(path.join(h.user.home, ".bashrc"), h.user.uid, h.user.gid);
        }
        fs.writeFileSync(path.join(hosts.flood.user.home, "flooding"), "");
        // The flood is real: one SSH session to the host prints more than 1 GB before any command runs.
        const seen = spawnSync(
            "sh",
            [
                "-c",
                `ssh -q -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i ${hosts.flood.keyFile} -p ${hosts.flood.ssh.port} ${hosts.flood.user.name}@127.0.0.1 true | wc -c`,
            ],
            { encoding: "utf8" },
        );
        expect(Number(seen.stdout.trim())).toBeGreaterThanOrEqual(FLOOD_BYTES);

        ({ stack, remove } = await sandboxStack({ name: "hostile" }));
        await setTargetsConfig(
            stack,
            fleet.hosts.map((h) => h.target),
        );
    });

    afterAll(async () => {
        await remove?.();
        fleet?.stop();
    });

    test("up: every host converges, whatever its login shell prints; the state keeps a few KB per target", async () => {
        const up = await stack.up({ onOutput, color: "never" });
        // The stack, and a component and its command per host (the default provider is not counted).
        expect(up.summary.resourceChanges).toEqual({ create: 1 + 2 * fleet.hosts.length });
        for (const h of fleet.hosts) expect(fs.readFileSync(configOf(h), "utf8")).toContain("[mcp_servers.connectai]");
        const state = await stack.exportStack();
        const commands = (state.deployment.resources as Array<{ type: string; outputs?: Record<string, unknown> }>).filter(
            (r) => r.type === "command:local:Command",
        );
        expect(commands).toHaveLength(fleet.hosts.length);
        for (const c of commands) expect(JSON.stringify(c.outputs).length).toBeLessThan(8 * 1024);
        expect(JSON.stringify(state).length).toBeLessThan(8 * 1024 * (fleet.hosts.length + 2));
        // The outputs the program reads back are whole: the answer was found behind the banners.
        const targets = up.outputs.targets.value as Record<string, { configPath: string; codex: string }>;
        for (const h of fleet.hosts) expect(targets[h.name]).toMatchObject({ configPath: configOf(h), codex: expect.stringContaining(codexVersion) });
        expect(printedSince(0)).not.toMatch(RAW_CONTROL);
    });

    test("a preview after that expects no changes: nothing a host printed is drift", async () => {
        await stack.preview({ expectNoChanges: true, onOutput, color: "never" });
        fs.rmSync(path.join(hosts.flood.user.home, "flooding"));
    });

    test("terminal escapes in a Codex version and in a link's name are shown escaped, never raw; the broken host fails alone and recovers", async () => {
        const pkg = JSON.parse(fs.readFileSync(codexPackage(hosts.evil), "utf8"));
        fs.writeFileSync(codexPackage(hosts.evil), JSON.stringify({ ...pkg, version: `${codexVersion}${ESCAPES}` }));
        const linkTarget = path.join(hosts.tail.user.home, `gone${ESCAPES}.toml`);
        fs.rmSync(configOf(hosts.tail));
        fs.symlinkSync(linkTarget, configOf(hosts.tail));
        fs.lchownSync(configOf(hosts.tail), hosts.tail.user.uid, hosts.tail.user.gid);

        const before = raw.length;
        await stack.preview({ onOutput, color: "never" });
        const preview = printedSince(before);
        expect(preview).toContain(`${label(hosts.evil)}: drifted: codex-version ${codexVersion}\\x1b]0;pwned\\x07\\x1b[2J`);
        expect(preview).toContain(`${label(hosts.tail)}: could not be probed: `);
        expect(preview).toContain("gone\\x1b]0;pwned\\x07\\x1b[2J.toml");
        expect(preview).not.toMatch(RAW_CONTROL);

        const upAt = raw.length;
        await expect(stack.up({ onOutput, color: "never", continueOnError: true })).rejects.toThrow(label(hosts.tail));
        const up = printedSince(upAt);
        expect(up).not.toMatch(RAW_CONTROL);
        expect(up).toContain("gone\\x1b]0;pwned\\x07\\x1b[2J.toml");
        // The others converged: evil's Codex is reinstalled at the pinned version.
        expect(JSON.parse(fs.readFileSync(codexPackage(hosts.evil), "utf8")).version).toBe(codexVersion);

        fs.rmSync(configOf(hosts.tail));
        await stack.up({ onOutput, color: "never" });
        expect(fs.readFileSync(configOf(hosts.tail), "utf8")).toContain("[mcp_servers.connectai]");
        await stack.preview({ expectNoChanges: true, onOutput, color: "never" });
        expect(printedSince(0)).not.toMatch(RAW_CONTROL);
    });

    test("destroy: every entry removed, through the same banners and floods", async () => {
        await stack.destroy({ onOutput, color: "never" });
        for (const h of fleet.hosts) expect(fs.readFileSync(configOf(h), "utf8")).not.toContain("[mcp_servers.connectai]");
        expect(printedSince(0)).not.toMatch(RAW_CONTROL);
    });
});
