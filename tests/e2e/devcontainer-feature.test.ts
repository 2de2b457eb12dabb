// The Dev Container Feature (features/src/codex-connect) in a real root filesystem: its install.sh
// runs as the dev container tooling runs it while building an image (as root, from a copy of the
// feature in /tmp/dev-container-features/, options as upper-case variables, _REMOTE_USER=vscode),
// in a debootstrap Debian container (tests/helpers/rootfs.ts); the real Codex inside reads what it
// wrote. Basic auth: the layer the Feature made (what an image would hold) holds no PAT; the entry is
// written at container start by the postStartCommand recipe, from a secret in the environment.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { codexVersion } from "../helpers/codex";
import { npmSeed } from "../helpers/fleet";
import { suiteNeeding } from "../helpers/needs";
import { DevContainer, filesContaining, startDevContainer } from "../helpers/rootfs";
import { projectRoot } from "../helpers/toolchain";

const feature = path.join(projectRoot, "features", "src", "codex-connect");
const CONFIG = "/home/vscode/.codex/config.toml";
const EMAIL = "ada@example.com";
const PAT = "PAT-devcontainer-feature-5be07d";
const header = "Basic " + Buffer.from(`${EMAIL}:${PAT}`).toString("base64");
const secrets = [PAT, header.slice(6), header];

/** The option ids' environment names, as the dev container tooling derives them. */
const envName = (id: string) =>
    id
        .replace(/[^\w_]/g, "_")
        .replace(/^[\d_]+/g, "_")
        .toUpperCase();

/**
 * install.sh as the tooling runs it: the feature copied into the container, the built-in variables
 * and the options (defaults from devcontainer-feature.json, then the given ones) in env files,
 * sourced with `set -a`, run as root from the feature's directory.
 */
function runFeature(c: DevContainer, options: Record<string, string>) {
    const spec = JSON.parse(fs.readFileSync(path.join(feature, "devcontainer-feature.json"), "utf8"));
    const dir = c.at("/tmp/dev-container-features/codex-connect_0");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.cpSync(feature, dir, { recursive: true });
    fs.writeFileSync(
        c.at("/tmp/dev-container-features/devcontainer-features.builtin.env"),
        "_CONTAINER_USER=root\n_REMOTE_USER=vscode\n_CONTAINER_USER_HOME=/root\n_REMOTE_USER_HOME=/home/vscode\n",
    );
    const values: Record<string, string> = Object.fromEntries(
        Object.entries(spec.options as Record<string, { default: string }>).map(([id, o]) => [id, String(o.default)]),
    );
    Object.assign(values, options);
    fs.writeFileSync(
        path.join(dir, "devcontainer-features.env"),
        Object.entries(values)
            .map(([id, v]) => `${envName(id)}=${JSON.stringify(v)}\n`)
            .join(""),
    );
    // npm_config_cache: the shared download of Codex (the feature otherwise uses a throwaway cache).
    return c.exec(
        [
            "sh",
            "-c",
            "cd /tmp/dev-container-features/codex-connect_0 && set -a && . ../devcontainer-features.builtin.env && . ./devcontainer-features.env && set +a && chmod +x ./install.sh && ./install.sh",
        ],
        {
            user: "root",
            env: { npm_config_cache: "/root/.npm" },
            timeout: 900_000,
        },
    );
}

/** A command that must have succeeded; what it printed on stderr is the failure's message. */
function expectOk(r: { status: number | null; stderr: string }): void {
    if (r.status !== 0) throw new Error(`exited ${r.status}:\n${r.stderr.slice(-3000)}`);
}

const suite = suiteNeeding({ root: true });

suite("the Dev Container Feature, installed into a real root filesystem as the dev container tooling does", () => {
    let a: DevContainer;
    let b: DevContainer;
    const mine = '# the image\'s own settings\nmodel = "o3"\n';

    /** What `codex mcp get NAME --json` parsed inside, as vscode; headers compared, never printed. */
    function codexGet(c: DevContainer, name = "connectai", env: Record<string, string> = {}) {
        const r = c.exec(["codex", "mcp", "get", name, "--json"], { env });
        if (r.status !== 0) throw new Error(`codex mcp get ${name} exited ${r.status}: ${r.stderr.slice(-400)}`);
        const got = JSON.parse(r.stdout);
        const hh = got.transport?.http_headers;
        if (hh?.Authorization !== undefined) hh.Authorization = hh.Authorization === header ? "<as expected>" : "<different>";
        return got;
    }

    beforeAll(() => {
        execFileSync(path.join(projectRoot, "scripts", "build-feature.sh"), { stdio: ["ignore", "ignore", "inherit"] });
        const seed = npmSeed([codexVersion]);
        a = startDevContainer("feat-a", { npmSeed: seed, rootSeed: true });
        b = startDevContainer("feat-b", { npmSeed: seed, rootSeed: true });
        // The image already has a config.toml of vscode's (dotfiles): the feature keeps it.
        fs.mkdirSync(a.at("/home/vscode/.codex"), { mode: 0o700 });
        fs.writeFileSync(a.at(CONFIG), mine, { mode: 0o600 });
        execFileSync("chown", ["-R", `${a.uid}:${a.gid}`, a.at("/home/vscode/.codex")]);
    });

    afterAll(() => {
        a?.remove();
        b?.remove();
    });

    test("the feature's metadata: the options, none of them a credential; the runner it carries is the built one", () => {
        const spec = JSON.parse(fs.readFileSync(path.join(feature, "devcontainer-feature.json"), "utf8"));
        expect(spec.id).toBe(path.basename(feature));
        expect(spec.version).toBe(JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")).version);
        expect(Object.keys(spec.options)).toEqual([
            "version",
            "serverName",
            "url",
            "startupTimeoutSec",
            "toolTimeoutSec",
            "auth",
            "bearerTokenEnvVar",
            "envHttpHeaders",
        ]);
        expect(spec.options.version.default).toBe(codexVersion);
        expect(spec.options.auth.enum).toEqual(["oauth", "bearer-env", "env-headers", "none"]);
        expect(fs.readFileSync(path.join(feature, "codex-mcp-runner.js"))).toEqual(
            fs.readFileSync(path.join(projectRoot, "dist", "runner", "codex-mcp-runner.js")),
        );
    });

    test("auth oauth (the defaults): Codex in the global prefix with the container's Node 18, codex-mcp on PATH, the entry in vscode's file, the image's settings kept", () => {
        const r = runFeature(a, {});
        expectOk(r);
        expect(a.exec(["codex", "--version"]).stdout).toContain(codexVersion);
        expect(a.exec(["sh", "-c", "command -v codex; command -v codex-mcp; node --version"]).stdout.split("\n")).toEqual([
            "/usr/local/bin/codex",
            "/usr/local/bin/codex-mcp",
            expect.stringMatching(/^v18\./),
            "",
        ]);
        expect(fs.statSync(a.at("/usr/local/lib/node_modules/@openai/codex/package.json")).uid).toBe(0);
        const st = fs.statSync(a.at(CONFIG));
        expect([st.uid, st.gid, st.mode & 0o777]).toEqual([a.uid, a.gid, 0o600]);
        const text = fs.readFileSync(a.at(CONFIG), "utf8");
        expect(text.startsWith(mine)).toBe(true);
        expect(codexGet(a)).toMatchObject({
            name: "connectai",
            enabled: true,
            transport: { type: "streamable_http", url: "https://mcp.cloud.cdata.com/mcp", bearer_token_env_var: null, http_headers: null },
            startup_timeout_sec: 30,
        });
        // vscode's own codex-mcp sees the entry as desired.
        expect(a.exec(["codex-mcp", "show-drift"]).status).toBe(0);
        // Nothing of the build's npm cache stays behind beyond what was there: no cache under /tmp.
        expect(fs.readdirSync(a.at("/tmp")).filter((f) => f !== "dev-container-features")).toEqual([]);
    });

    test("the feature run again with other options (a rebuild): bearer-env, then env-headers; Codex is not installed twice", () => {
        let r = runFeature(a, {
            serverName: "docs",
            url: "https://docs.example/mcp",
            startupTimeoutSec: "45",
            toolTimeoutSec: "120",
            auth: "bearer-env",
            bearerTokenEnvVar: "DOCS_TOKEN",
        });
        expectOk(r);
        expect(r.stdout).not.toMatch(/installed|upgraded/);
        expect(codexGet(a, "docs")).toMatchObject({
            transport: { url: "https://docs.example/mcp", bearer_token_env_var: "DOCS_TOKEN", http_headers: null },
            startup_timeout_sec: 45,
            tool_timeout_sec: 120,
        });
        r = runFeature(a, {
            serverName: "docs",
            url: "https://docs.example/mcp",
            auth: "env-headers",
            envHttpHeaders: "X-Api-Key=DOCS_KEY, X-Tenant=DOCS_TENANT",
        });
        expectOk(r);
        expect(codexGet(a, "docs")).toMatchObject({
            transport: {
                url: "https://docs.example/mcp",
                bearer_token_env_var: null,
                env_http_headers: { "X-Api-Key": "DOCS_KEY", "X-Tenant": "DOCS_TENANT" },
            },
            startup_timeout_sec: 30,
        });
        // Both servers, the image's settings first.
        expect(fs.readFileSync(a.at(CONFIG), "utf8")).toMatch(
            /^# the image's own settings\nmodel = "o3"\n[\s\S]*\[mcp_servers\.connectai\][\s\S]*\[mcp_servers\.docs\]/,
        );
    });

    test("bad options fail before anything is installed, with what to do", () => {
        const r = runFeature(b, { auth: "basic" });
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("Basic auth: postStartCommand");
        expect(runFeature(b, { auth: "bearer-env" }).stderr).toContain("needs the bearerTokenEnvVar option");
        expect(fs.existsSync(b.at("/usr/local/bin/codex"))).toBe(false);
    });

    test("Basic auth: the feature's layer (what the image holds) has no PAT; postStartCommand writes the entry from the environment at start", () => {
        const r = runFeature(b, { auth: "none" });
        expectOk(r);
        expect(b.exec(["codex", "--version"]).stdout).toContain(codexVersion);
        expect(fs.existsSync(b.at(CONFIG))).toBe(false);
        // Installed through codex-mcp install-codex: marked as this tool's, for vscode.
        const marker = b.at("/usr/local/lib/node_modules/@openai/codex/.installed-by-codex-connect-pulumi");
        expect(fs.readFileSync(marker, "utf8")).toBe("vscode\n");
        // The image: everything the container holds on top of the base root filesystem.
        expect(b.overlay).toBe(true);
        expect(filesContaining(b.layer, secrets)).toEqual([]);
        // Container start, as vscode: the secret arrives in the environment (read here from stdin, so
        // that no command line holds it), the postStartCommand recipe writes the entry.
        const start = b.exec(
            [
                "sh",
                "-c",
                "IFS= read -r CONNECT_AI_PAT && export CONNECT_AI_PAT && exec codex-mcp ensure --basic-email ada@example.com --pat-env CONNECT_AI_PAT",
            ],
            { input: `${PAT}\n` },
        );
        expectOk(start);
        for (const s of secrets) expect(start.stdout + start.stderr).not.toContain(s);
        expect(codexGet(b)).toMatchObject({ transport: { url: "https://mcp.cloud.cdata.com/mcp", http_headers: { Authorization: "<as expected>" } } });
        const st = fs.statSync(b.at(CONFIG));
        expect([st.uid, st.mode & 0o777]).toEqual([b.uid, 0o600]);
        // The credential is in the running container's config.toml only.
        expect(filesContaining(b.layer, secrets)).toEqual(["home/vscode/.codex/config.toml"]);
        // A second start changes nothing.
        const again = b.exec(
            [
                "sh",
                "-c",
                "IFS= read -r CONNECT_AI_PAT && export CONNECT_AI_PAT && exec codex-mcp ensure --basic-email ada@example.com --pat-env CONNECT_AI_PAT",
            ],
            { input: `${PAT}\n` },
        );
        expect(again.stdout).toContain("already as desired");
        // And the Codex the feature installed goes with uninstall-codex (root, for vscode).
        expectOk(b.exec(["codex-mcp", "uninstall-codex", "--user", "vscode"], { user: "root" }));
        expect(fs.existsSync(b.at("/usr/local/lib/node_modules/@openai/codex"))).toBe(false);
    });
});
