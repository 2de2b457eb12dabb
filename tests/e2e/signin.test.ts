// Codex signed in by the fleet program, with the real engine and the real Codex CLI: an OpenAI API
// key from the stack secret openaiApiKey (codex login --with-api-key), a hand-made ChatGPT login
// on another target left alone, drift when someone signs out, a rotated key, a ChatGPT access token
// (codexAccessToken) checked by Codex against a loopback JWKS, destroy signing out only what the
// stack signed in, and the credentials (and unkeyed hashes of them) scanned for everywhere.
import { spawnSync } from "child_process";
import { createHash, generateKeyPairSync, KeyObject, sign } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexBinDir } from "../helpers/codex";
import { setSecretConfig, setTargetsConfig } from "../helpers/fleet";
import { sandboxStack } from "../helpers/stack";
import { projectRoot } from "../helpers/toolchain";
import { ProcessTable } from "../helpers/process-table";

const KEY1 = "sk-signin-e2e-first-0a1b2c3d4e5f";
const KEY2 = "sk-signin-e2e-rotated-9f8e7d6c5b";
const codex = () => path.join(codexBinDir(), "codex");

/** `codex login status` as a person would run it: exit 0 signed in, 1 not. Its output (a masked key) is not kept. */
function loginStatus(home: string): number | null {
    return spawnSync(codex(), ["login", "status"], { env: { ...process.env, CODEX_HOME: home }, stdio: "ignore" }).status;
}

const authOf = (home: string) => JSON.parse(fs.readFileSync(path.join(home, "auth.json"), "utf8")) as Record<string, unknown>;
const b64u = (v: string | Buffer) => Buffer.from(v).toString("base64url");

/** A ChatGPT login made by hand (what `codex login` in a browser leaves), offline. */
function chatgptAuth(): string {
    const jwt = `${b64u('{"alg":"none"}')}.${b64u(JSON.stringify({ email: "ada@example.com", exp: 4102444800, "https://api.openai.com/auth": { chatgpt_plan_type: "plus", chatgpt_account_id: "acct_hand" } }))}.c2ln`;
    return JSON.stringify({
        auth_mode: "chatgpt",
        OPENAI_API_KEY: null,
        tokens: { id_token: jwt, access_token: jwt, refresh_token: "rt-hand-made", account_id: "acct_hand" },
        last_refresh: "2026-11-30T00:00:00Z",
    });
}

/** An agent-identity access token signed by a key that a loopback JWKS endpoint serves (Codex checks it there). */
function accessTokenAndJwks(): { token: string; jwks: object } {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const agentKey = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
    const now = Math.floor(Date.now() / 1000);
    const head = b64u(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "e2e" }));
    const body = b64u(
        JSON.stringify({
            iss: "https://chatgpt.com/codex-backend/agent-identity",
            aud: "codex-app-server",
            iat: now,
            exp: now + 86_400,
            agent_runtime_id: "ar_e2e",
            agent_private_key: agentKey,
            account_id: "acct_e2e",
            chatgpt_user_id: "user_e2e",
            email: "ada@example.com",
            plan_type: "enterprise",
            chatgpt_account_is_fedramp: false,
        }),
    );
    const sig = sign("RSA-SHA256", Buffer.from(`${head}.${body}`), privateKey as KeyObject).toString("base64url");
    return { token: `${head}.${body}.${sig}`, jwks: { keys: [{ ...publicKey.export({ format: "jwk" }), kid: "e2e", alg: "RS256", use: "sig" }] } };
}

describe("Codex signed in from the stack, with the real engine and Codex", () => {
    let stack: Stack;
    let env: NodeJS.ProcessEnv;
    let remove: () => Promise<void>;
    let homes: string;
    let jwksServer: http.Server;
    let access: { token: string; jwks: object };
    const printed: string[] = [];
    const processTable = new ProcessTable();
    const environs = new Set<string>(); // most stay the same from one sample to the next
    /**
     * Every process's environment but the program's own: Pulumi's language host hands the program its
     * decrypted configuration in PULUMI_CONFIG (see docs/security.md, "Secrets"); nothing else may hold a credential.
     */
    function sampleEnvirons(): void {
        for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
            try {
                const env = fs.readFileSync(`/proc/${pid}/environ`, "latin1");
                if (!env.split("\0").some((v) => v.startsWith("PULUMI_CONFIG="))) environs.add(env);
            } catch {
                // gone meanwhile
            }
        }
    }
    let sampler: NodeJS.Timeout | undefined;
    const onOutput = (s: string) => printed.push(s);
    const home = (n: string) => path.join(homes, n);
    type Out = Record<string, { signIn?: string; driftFoundByThisRun: string[]; ready?: boolean; notReadyBecause?: string[] }>;

    beforeAll(async () => {
        codexBinDir();
        // Under HOME, not /tmp: Codex will not create its helper links under a temporary directory.
        homes = fs.mkdtempSync(path.join(os.homedir(), ".signin-e2e-"));
        for (const n of ["key", "chatgpt", "token"]) fs.mkdirSync(home(n), { mode: 0o700 });
        fs.writeFileSync(path.join(home("chatgpt"), "auth.json"), chatgptAuth(), { mode: 0o600 });
        access = accessTokenAndJwks();
        jwksServer = http.createServer((req, res) => {
            res.statusCode = req.url?.endsWith("/wham/agent-identities/jwks") ? 200 : 404;
            res.end(res.statusCode === 200 ? JSON.stringify(access.jwks) : "");
        });
        await new Promise<void>((ok) => jwksServer.listen(0, "127.0.0.1", ok));
        const port = (jwksServer.address() as { port: number }).port;
        // The account's own setting (an enterprise's ChatGPT endpoint): Codex verifies the token there.
        fs.writeFileSync(path.join(home("token"), "config.toml"), `# mine\nchatgpt_base_url = "http://127.0.0.1:${port}/backend-api"\n`, { mode: 0o600 });
        ({ stack, env, remove } = await sandboxStack({ name: "signin" }));
        // Local targets find this machine's cached Codex at the pinned version on PATH.
        stack.workspace.envVars.PATH = `${env.PATH!.split(":")[0]}:${codexBinDir()}:${process.env.PATH}`;
        await setTargetsConfig(stack, [
            { name: "key", kind: "local", codexHome: home("key") },
            { name: "chatgpt", kind: "local", codexHome: home("chatgpt") },
        ]);
        setSecretConfig(stack, env, "openaiApiKey", KEY1);
        sampler = setInterval(() => {
            processTable.sample();
            sampleEnvirons();
        }, 100);
    });

    afterAll(async () => {
        if (sampler) clearInterval(sampler);
        await remove?.();
        jwksServer?.close();
        if (homes) fs.rmSync(homes, { recursive: true, force: true });
    });

    test("up signs Codex in with the API key; a person's ChatGPT login elsewhere is kept, with a warning", async () => {
        const handMade = fs.readFileSync(path.join(home("chatgpt"), "auth.json"));
        const up = await stack.up({ onOutput });
        const out = up.outputs.targets.value as Out;
        expect(loginStatus(home("key"))).toBe(0);
        expect(authOf(home("key")).OPENAI_API_KEY === KEY1).toBe(true);
        expect(fs.statSync(path.join(home("key"), "auth.json")).mode & 0o777).toBe(0o600);
        expect(out.key.signIn).toBe("signed in with an API key by this stack");
        // Codex's verdict: signed in, but Connect AI cannot be reached from here (offline) and its OAuth login is not known.
        expect(out.key.ready).toBe(false);
        expect(out.key.notReadyBecause!.filter((why) => /sign/.test(why) && !/codex mcp login/.test(why))).toEqual([]);
        expect(out.key.notReadyBecause!.some((why) => why.includes("codex mcp login connectai"))).toBe(true);
        expect(fs.readFileSync(path.join(home("chatgpt"), "auth.json")).equals(handMade)).toBe(true);
        expect(out.chatgpt.signIn).toBe("signed in with ChatGPT by someone else, kept (replaceExistingSignIn replaces it)");
        expect(printed.join("")).toMatch(/local \S+chatgpt: Codex is signed in with ChatGPT by someone else; kept/);
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("signed in by hand with another key: drift (signin-other), repaired with the stack's key", async () => {
        expect(
            spawnSync(codex(), ["login", "--with-api-key"], {
                env: { ...process.env, CODEX_HOME: home("key") },
                input: "sk-someone-else-1234",
                stdio: ["pipe", "ignore", "ignore"],
            }).status,
        ).toBe(0);
        const before = printed.length;
        await stack.preview({ onOutput });
        expect(printed.slice(before).join("")).toMatch(/local \S+key: drifted: signin-other/);
        await stack.up({ onOutput });
        expect(authOf(home("key")).OPENAI_API_KEY === KEY1).toBe(true);
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("signed out by hand: preview names it, up signs in again, no flapping", async () => {
        expect(spawnSync(codex(), ["logout"], { env: { ...process.env, CODEX_HOME: home("key") }, stdio: "ignore" }).status).toBe(0);
        expect(loginStatus(home("key"))).toBe(1);
        const before = printed.length;
        const preview = await stack.preview({ onOutput });
        expect(preview.changeSummary.update).toBe(1);
        expect(printed.slice(before).join("")).toMatch(/local \S+key: drifted: signin-missing/);
        const up = await stack.up({ onOutput });
        expect((up.outputs.targets.value as Out).key.driftFoundByThisRun).toEqual(["signin-missing"]);
        expect(loginStatus(home("key"))).toBe(0);
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("a rotated key: the stack's new key replaces the one it signed in with", async () => {
        setSecretConfig(stack, env, "openaiApiKey", KEY2);
        // The credential this stack signed in with, against the one it asks for now: a change, not drift.
        const before = printed.length;
        await stack.preview({ onOutput });
        expect(printed.slice(before).join("")).toMatch(/local \S+key: to change: signin-credential/);
        expect(printed.slice(before).join("")).not.toMatch(/drifted/);
        const up = await stack.up({ onOutput });
        expect(up.summary.resourceChanges?.update).toBe(2);
        expect(authOf(home("key")).OPENAI_API_KEY === KEY2).toBe(true);
        expect(fs.existsSync(path.join(home("chatgpt"), "auth.json")) && authOf(home("chatgpt")).auth_mode).toBe("chatgpt");
        await stack.preview({ expectNoChanges: true, onOutput });
    });

    test("destroy signs out what the stack signed in, and only that", async () => {
        await stack.destroy({ onOutput });
        expect(loginStatus(home("key"))).toBe(1);
        expect(fs.existsSync(path.join(home("key"), "auth.json"))).toBe(false);
        expect(loginStatus(home("chatgpt"))).toBe(0);
        expect(authOf(home("chatgpt")).auth_mode).toBe("chatgpt");
    });

    test("a ChatGPT access token (codexAccessToken): signed in by Codex, checked against the account's endpoint, signed out on destroy", async () => {
        await stack.removeConfig("openaiApiKey");
        setSecretConfig(stack, env, "codexAccessToken", access.token);
        await setTargetsConfig(stack, [{ name: "token", kind: "local", codexHome: home("token") }]);
        const mine = fs.readFileSync(path.join(home("token"), "config.toml"), "utf8");
        const up = await stack.up({ onOutput });
        const out = up.outputs.targets.value as Out;
        expect(authOf(home("token")).agent_identity === access.token).toBe(true);
        // Codex 0.169 checks an agent identity only against the production or staging endpoint.
        expect(out.token.signIn).toMatch(/^signed in with an access token by this stack; Codex could not confirm it: /);
        expect(fs.readFileSync(path.join(home("token"), "config.toml"), "utf8").startsWith(mine)).toBe(true);
        await stack.preview({ expectNoChanges: true, onOutput });
        await stack.destroy({ onOutput });
        expect(fs.existsSync(path.join(home("token"), "auth.json"))).toBe(false);
        expect(fs.readFileSync(path.join(home("token"), "config.toml"), "utf8")).toBe(mine);
    });

    test("the credentials, and unkeyed hashes of them, appear nowhere: state, engine output, process table, stack config", () => {
        if (sampler) clearInterval(sampler);
        sampler = undefined;
        const files = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : [path.join(dir, d.name)]));
        const stateDir = path.join(path.dirname(env.PULUMI_HOME!), "state");
        const haystacks: Array<[string, string]> = [
            ["engine output", printed.join("")],
            ["process table", processTable.text()],
            ["environments of every process but the program's", [...environs].join("\n")],
            ...files(stateDir).map((f): [string, string] => [f, fs.readFileSync(f, "utf8")]),
            [`Pulumi.${stack.name}.yaml`, fs.readFileSync(path.join(projectRoot, `Pulumi.${stack.name}.yaml`), "utf8")],
        ];
        // The witnesses: the scan saw the state with our commands in it, and the process table.
        expect(haystacks.some(([n, h]) => n.includes("state") && h.includes("command:local:Command"))).toBe(true);
        expect(processTable.samples).toBeGreaterThan(10);
        expect([...environs].some((e) => e.includes("PULUMI_"))).toBe(true); // the engine's and the feeders' environments were read
        const needles = [KEY1, KEY2, access.token].flatMap((s) => [s, createHash("sha256").update(s).digest("hex"), Buffer.from(s).toString("base64")]);
        for (const [where, text] of haystacks) for (const n of needles) expect(`${where}: ${text.includes(n)}`).toBe(`${where}: false`);
    });
});
