// Dev containers, for real, without a container engine: the fleet program (index.ts) with the real
// engine against three dev containers, each a debootstrap Debian root filesystem (Debian's Node 18,
// the account vscode; tests/helpers/rootfs.ts) in its own overlay: one through the `docker` preset,
// one through the `podman` preset (stand-ins on PATH that accept only the presets' exact argument
// vector, `exec -i -u vscode CONTAINER CMD...`, and enter the container with namespaces and chroot),
// one through an exec target whose raw prefix is `unshare ... chroot ROOT runuser -u vscode --`.
// Fresh up (Codex installed inside by the container's Node 18, the real `codex mcp get --json`
// inside agreeing), a clean preview, drift on each repaired, the secret scanned for, destroy.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexBinDir, codexVersion } from "../helpers/codex";
import { npmSeed, setSecretConfig } from "../helpers/fleet";
import { suiteNeeding } from "../helpers/needs";
import { DevContainer, engineStandins, filesContaining, rootfsImage, startDevContainer } from "../helpers/rootfs";
import { PulumiSandbox, sandboxStack } from "../helpers/stack";
import { projectRoot } from "../helpers/toolchain";

const EMAIL = "ada@example.com";
const PAT = "PAT-devcontainer-e2e-7a3e19";
const b64 = Buffer.from(`${EMAIL}:${PAT}`).toString("base64");
const header = `Basic ${b64}`;
const CONFIG = "/home/vscode/.codex/config.toml";
const CODEX = "/home/vscode/.local/bin/codex";

const suite = suiteNeeding({ root: true });

suite("the fleet program against dev containers (docker and podman presets, a raw exec prefix), with the real engine", () => {
    let dkr: DevContainer, pdm: DevContainer, raw: DevContainer;
    let standins: ReturnType<typeof engineStandins>;
    let binDir: string;
    let sandbox: PulumiSandbox;
    let stack: Stack;
    let remove: (() => Promise<void>) | undefined;
    const printed: string[] = [];
    const onOutput = (s: string) => printed.push(s);
    const all = () => [dkr, pdm, raw];
    const rawLabel = () => `exec ${raw.prefix().join(" ")}`;

    /** What the real Codex inside the container parsed; the header is compared here, never printed. */
    function codexGet(c: DevContainer) {
        const r = c.exec([CODEX, "mcp", "get", "connectai", "--json"]);
        if (r.status !== 0) throw new Error(`codex mcp get in ${c.name} exited ${r.status}: ${r.stderr.slice(-500)}`);
        const got = JSON.parse(r.stdout);
        const hh = got.transport?.http_headers;
        if (hh?.Authorization !== undefined) hh.Authorization = hh.Authorization === header ? "<as expected>" : "<different>";
        return got;
    }

    beforeAll(async () => {
        const t0 = Date.now();
        const image = rootfsImage();
        process.stderr.write(
            `devcontainer: image ${image.dir} (${image.builtIn ? `built in ${image.builtIn} s` : "cached"}, ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
        );
        codexBinDir();
        const seed = npmSeed([codexVersion]);
        dkr = startDevContainer("dkr", { npmSeed: seed });
        pdm = startDevContainer("pdm", { npmSeed: seed });
        raw = startDevContainer("raw", { npmSeed: seed });
        binDir = fs.mkdtempSync(path.join(os.tmpdir(), `devcontainer-${process.pid}-bin-`));
        standins = engineStandins(binDir, { docker: { "devbox-docker": dkr }, podman: { "devbox-podman": pdm } });

        ({ stack, sandbox, remove } = await sandboxStack({ name: "devc", path: [binDir] }));
        await stack.setAllConfig({ auth: { value: "basic" }, email: { value: EMAIL } });
        setSecretConfig(stack, sandbox.env, "pat", PAT);
        await stack.workspace.setAllConfig(
            stack.name,
            {
                "targets[0].name": { value: "dkr" },
                "targets[0].kind": { value: "docker" },
                "targets[0].container": { value: "devbox-docker" },
                "targets[0].user": { value: "vscode" },
                "targets[1].name": { value: "pdm" },
                "targets[1].kind": { value: "podman" },
                "targets[1].container": { value: "devbox-podman" },
                "targets[1].user": { value: "vscode" },
                "targets[2].name": { value: "raw" },
                "targets[2].kind": { value: "exec" },
                ...Object.fromEntries(raw.prefix().map((a, i) => [`targets[2].prefix[${i}]`, { value: a }])),
            },
            true,
        );
    });

    afterAll(async () => {
        await remove?.();
        for (const c of [dkr, pdm, raw]) c?.remove();
        if (binDir) fs.rmSync(binDir, { recursive: true, force: true });
    });

    test("the containers: Debian's Node 18, no Codex, the account vscode, nothing of this machine's", () => {
        for (const c of all()) {
            expect(c.exec(["node", "--version"]).stdout).toMatch(/^v18\./);
            expect(c.exec(["id", "-un"]).stdout.trim()).toBe("vscode");
            expect(c.exec(["sh", "-c", "command -v codex || echo none"]).stdout.trim()).toBe("none");
            // In its own pid namespace: the container sees its own processes only.
            expect(c.exec(["sh", "-c", "ls /proc | grep -c '^[0-9]'"]).stdout.trim()).toMatch(/^[1-5]$/);
        }
        // The stand-ins take the presets' vector only, as an engine they fail on anything else.
        const docker = path.join(binDir, "docker");
        expect(spawnSync(docker, ["exec", "-i", "-u", "vscode", "devbox-docker", "id", "-un"], { encoding: "utf8" }).stdout).toBe("vscode\n");
        expect(spawnSync(path.join(binDir, "podman"), ["exec", "-i", "devbox-podman", "id", "-un"], { encoding: "utf8" }).stdout).toBe("root\n");
        expect(spawnSync(docker, ["exec", "-it", "devbox-docker", "true"]).status).toBe(125);
        expect(spawnSync(docker, ["run", "devbox-docker"]).status).toBe(125);
        expect(spawnSync(docker, ["exec", "-i", "-u", "vscode", "devbox-podman", "true"]).status).toBe(125);
        fs.rmSync(path.join(binDir, "calls.log"));
        // The raw prefix as the engine will run it (this machine's environment, no /dev bound in).
        const r = spawnSync(raw.prefix()[0], [...raw.prefix().slice(1), "sh", "-c", 'echo "$(id -un) $HOME $(node --version)"'], { encoding: "utf8" });
        expect(r.stdout.trim()).toMatch(/^vscode \/home\/vscode v18\./);
    });

    test("fresh up: Codex installed inside each container with its Node 18, the entry owned by vscode, 0600, and the real Codex inside agrees", async () => {
        const up = await stack.up({ onOutput });
        expect(up.summary.result).toBe("succeeded");
        // Each preset's exact argument vector reached its engine (and nothing else did).
        expect(new Set(standins.calls())).toEqual(
            new Set(["docker exec -i -u vscode devbox-docker /bin/sh -c", "podman exec -i -u vscode devbox-podman /bin/sh -c"]),
        );
        const targets = up.outputs.targets.value as Record<string, { configPath: string; codex: string }>;
        for (const c of all()) {
            expect(targets[c.name]).toMatchObject({ configPath: CONFIG, codex: `${codexVersion} at ${CODEX}` });
            const st = fs.statSync(c.at(CONFIG));
            expect([st.uid, st.gid, st.mode & 0o777]).toEqual([c.uid, c.gid, 0o600]);
            expect(fs.statSync(c.at("/home/vscode/.codex")).uid).toBe(c.uid);
            // Codex is inside the container (its own layer), run by the container's Node.
            expect(c.exec([CODEX, "--version"]).stdout).toContain(codexVersion);
            expect(c.exec(["sh", "-c", `head -1 "$(readlink -f ${CODEX})"`]).stdout.trim()).toBe("#!/usr/bin/env node");
            expect(fs.existsSync(path.join(c.layer, "home/vscode/.local/lib/node_modules/@openai/codex/package.json"))).toBe(true);
            expect(codexGet(c)).toMatchObject({
                name: "connectai",
                transport: { type: "streamable_http", url: "https://mcp.cloud.cdata.com/mcp", http_headers: { Authorization: "<as expected>" } },
                startup_timeout_sec: 30,
            });
        }
        // Nothing was written on this machine's side of the containers: no ~/.codex appeared in the image.
        expect(fs.existsSync(path.join(rootfsImage().dir, "home/vscode/.codex"))).toBe(false);
    });

    test("a second preview expects no changes", async () => {
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("drift in each container (URL edited, mode loosened, Codex removed): preview names each, up repairs each, no flapping", async () => {
        fs.writeFileSync(dkr.at(CONFIG), fs.readFileSync(dkr.at(CONFIG), "utf8").replace("https://mcp.cloud.cdata.com/mcp", "https://evil.example/mcp"));
        fs.chmodSync(pdm.at(CONFIG), 0o644);
        expect(raw.exec(["npm", "uninstall", "-g", "--prefix", "/home/vscode/.local", "@openai/codex"]).status).toBe(0);
        expect(fs.existsSync(raw.at(CODEX))).toBe(false);
        const before = printed.length;
        const preview = await stack.preview({ onOutput });
        expect(preview.changeSummary.update).toBe(3);
        const said = printed.slice(before).join("");
        expect(said).toMatch(/docker devbox-docker: drifted: .*entry\.url/);
        expect(said).toMatch(/podman devbox-podman: drifted: .*file-mode 0644/);
        expect(said).toContain(`${rawLabel()}: drifted: codex-missing`);
        const up = await stack.up({ onOutput });
        expect(up.summary.resourceChanges?.update).toBe(3);
        expect(codexGet(dkr).transport.url).toBe("https://mcp.cloud.cdata.com/mcp");
        expect(fs.statSync(pdm.at(CONFIG)).mode & 0o777).toBe(0o600);
        expect(raw.exec([CODEX, "--version"]).stdout).toContain(codexVersion);
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("an admin's layers inside a container (never this machine's /etc): an entry Codex will not use fails the update naming the layer; allowCodexOverrides reports it as not ready", async () => {
        type Out = Record<string, { ready?: boolean; notReadyBecause?: string[] }>;
        const layer = (c: DevContainer, file: string, text: string) => {
            fs.mkdirSync(path.dirname(c.at(file)), { recursive: true });
            fs.writeFileSync(c.at(file), text);
        };
        // An allowlist that does not name connectai disables it; a system config.toml adds a value the stack does not set.
        layer(dkr, "/etc/codex/requirements.toml", '[mcp_servers.docs.identity]\nurl = "https://docs.example/mcp"\n');
        layer(pdm, "/etc/codex/config.toml", "[mcp_servers.connectai]\ntool_timeout_sec = 5\n");
        const inSync = await stack.up({ onOutput });
        const out = inSync.outputs.targets.value as Out;
        expect(inSync.summary.resourceChanges?.update ?? 0).toBe(0);
        // Nothing ran, so the verdict is the probe's: Codex's own reasons, the layer named.
        expect(out.dkr.ready).toBe(false);
        expect(out.dkr.notReadyBecause).toContain(
            "Codex will not use [mcp_servers.connectai] as written: disabled by requirements (/etc/codex/requirements.toml)",
        );
        expect(out.pdm.notReadyBecause).toContain(
            "Codex will not use [mcp_servers.connectai] as written: tool_timeout_sec: Codex reads 5, want null (set by /etc/codex/config.toml)",
        );
        // An update (a loosened mode) is refused on both, naming the layer; the files stay as they were.
        for (const c of [dkr, pdm]) fs.chmodSync(c.at(CONFIG), 0o644);
        await expect(stack.up({ onOutput })).rejects.toThrow(
            /Codex will not use \[mcp_servers\.connectai\] as written in \/home\/vscode\/\.codex\/config\.toml: disabled by requirements \(\/etc\/codex\/requirements\.toml\); allowCodexOverrides: true accepts that/,
        );
        expect(fs.statSync(dkr.at(CONFIG)).mode & 0o777).toBe(0o644);
        await stack.setConfig("allowCodexOverrides", { value: "true" });
        const allowed = await stack.up({ onOutput });
        expect(fs.statSync(pdm.at(CONFIG)).mode & 0o777).toBe(0o600);
        expect((allowed.outputs.targets.value as Out).pdm.notReadyBecause).toContain(
            "Codex will not use [mcp_servers.connectai] as written: tool_timeout_sec: Codex reads 5, want null (set by /etc/codex/config.toml)",
        );
        for (const [c, f] of [
            [dkr, "/etc/codex/requirements.toml"],
            [pdm, "/etc/codex/config.toml"],
        ] as const)
            fs.rmSync(c.at(f));
        await stack.setConfig("allowCodexOverrides", { value: "false" });
        const back = await stack.up({ onOutput });
        for (const n of ["dkr", "pdm"]) expect((back.outputs.targets.value as Out)[n].notReadyBecause!.filter((r) => r.includes("will not use"))).toEqual([]);
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("the PAT, its base64 and the header: nowhere in the state, the engine's output or the stand-ins' log; in each container only in config.toml", () => {
        const secrets = [PAT, b64, header];
        const files = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : [path.join(dir, d.name)]));
        const haystacks: Array<[string, string]> = [
            ["engine output", printed.join("")],
            ["stand-in calls", standins.calls().join("\n")],
            ["stack config", fs.readFileSync(path.join(projectRoot, `Pulumi.${stack.name}.yaml`), "utf8")],
        ];
        for (const f of files(path.join(sandbox.dir, "state"))) haystacks.push([f, fs.readFileSync(f, "utf8")]);
        expect(haystacks.some(([n, h]) => n.includes("state") && h.includes("command:local:Command"))).toBe(true);
        expect(haystacks.filter(([, h]) => secrets.some((s) => h.includes(s))).map(([n]) => n)).toEqual([]);
        for (const c of all()) expect(filesContaining(c.layer, secrets)).toEqual(["home/vscode/.codex/config.toml"]);
    });

    test("destroy: the entry leaves every container's config.toml; Codex stays", async () => {
        const destroy = await stack.destroy({ onOutput });
        expect(destroy.summary.result).toBe("succeeded");
        for (const c of all()) {
            expect(fs.readFileSync(c.at(CONFIG), "utf8")).toBe("");
            expect(c.exec([CODEX, "--version"]).stdout).toContain(codexVersion);
        }
    });
});
