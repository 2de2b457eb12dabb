// The fleet program: reads the stack configuration, validates all of it, and keeps Codex and the
// Connect AI entry on every target. With no targets configured it provisions this machine.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
// The components as any program gets them: the package (npm run build compiles it into dist/).
import { ConnectAiAuth, ConnectAiCodex, DEFAULT_CODEX_VERSION, CONNECT_AI_NAME, CONNECT_AI_URL, plainPromiseTraces } from "codex-connect-pulumi";
import { checkedPat, StackConfig, TargetConfig, toTarget, unknownKeyProblems, validateStackConfig } from "codex-connect-pulumi/stack-config";
import { compactProblems, fleetTargets } from "codex-connect-pulumi/inventory";

// A fleet's program tracks thousands of promises: their traces plainly formatted (short-trace.ts).
plainPromiseTraces();

const config = new pulumi.Config();
// Pulumi.yaml gives every optional key an empty default: read "" (and 0, {}) as "not set".
const str = (key: string) => config.get(key) || undefined;
const storedPat = config.getSecret("pat");
const sshKey = config.getSecret("sshPrivateKey");
const openaiApiKey = config.getSecret("openaiApiKey");
const codexAccessToken = config.getSecret("codexAccessToken");
// The targets (or an inventory file's hosts); neither (the default) means this machine, as the
// account running Pulumi. Relative paths are the project directory's, the program's working directory.
const fleet = fleetTargets({
    configured: config.getObject<TargetConfig[]>("targets") ?? [],
    inventory: str("inventory"),
    knownHosts: str("knownHosts"),
    shard: str("shard"),
    projectDir: process.cwd(),
    home: os.homedir(),
});
const settings: StackConfig = {
    targets: fleet.targets,
    knownHosts: fleet.knownHosts,
    auth: (config.get("auth") as ConnectAiAuth) ?? "oauth",
    email: str("email"),
    hasPat: storedPat !== undefined,
    bearerTokenEnvVar: str("bearerTokenEnvVar"),
    envHttpHeaders: Object.keys(config.getObject<object>("envHttpHeaders") ?? {}).length
        ? config.getObject<Record<string, string>>("envHttpHeaders")
        : undefined,
    serverName: str("serverName") ?? CONNECT_AI_NAME,
    url: str("url") ?? CONNECT_AI_URL,
    startupTimeoutSec: config.getNumber("startupTimeoutSec") ?? 30,
    toolTimeoutSec: config.getNumber("toolTimeoutSec") || undefined,
    codexVersion: str("codexVersion") ?? DEFAULT_CODEX_VERSION,
    uninstallCodexOnDestroy: config.getBoolean("uninstallCodexOnDestroy") ?? false,
    takeOver: config.getBoolean("takeOver") ?? false,
};

// pulumi.Config reads only the keys asked for; the whole map shows the misspelled ones.
const problems = [
    ...unknownKeyProblems(Object.keys(pulumi.runtime.allConfig()), pulumi.getProject()),
    ...fleet.problems,
    ...compactProblems(validateStackConfig(settings, sshKey !== undefined, fleet.places)),
];
if (problems.length) {
    throw new pulumi.RunError(`the stack configuration has ${problems.length} problem(s); nothing was changed:\n  - ${problems.join("\n  - ")}`);
}

// The secret's value is known only inside an Output: checked there, and the run fails naming the
// field (never the value) before any target gets it. Unused (and unchecked) outside auth basic.
const pat = settings.auth === "basic" ? checkedPat(storedPat) : storedPat;

const readKey = (file: string | undefined) => (file ? pulumi.secret(fs.readFileSync(file, "utf8")) : undefined);

const results: Record<string, pulumi.Output<unknown>> = {};
// The whole fleet is validated above, in every shard; this stack provisions its shard's targets.
for (const t of fleet.selected) {
    const target = toTarget(t, {
        key: t.agent ? undefined : (readKey(t.privateKeyPath) ?? sshKey),
        proxyKey: t.proxy?.agent ? undefined : (readKey(t.proxy?.privateKeyPath) ?? sshKey),
    });
    const uninstallOnDestroy = t.uninstallCodexOnDestroy ?? settings.uninstallCodexOnDestroy;
    const codex = new ConnectAiCodex(t.name, {
        target,
        auth: settings.auth,
        email: settings.email,
        pat,
        bearerTokenEnvVar: settings.bearerTokenEnvVar,
        envHttpHeaders: settings.envHttpHeaders,
        serverName: settings.serverName,
        url: settings.url,
        startupTimeoutSec: settings.startupTimeoutSec,
        toolTimeoutSec: settings.toolTimeoutSec,
        codex: {
            version: settings.codexVersion,
            uninstallOnDestroy,
            openaiApiKey,
            codexAccessToken,
            replaceExistingSignIn: config.getBoolean("replaceExistingSignIn") ?? false,
        },
        takeOver: t.takeOver ?? settings.takeOver,
        // Only a sharded stack names its fleet: an unsharded stack's requests, and so its state, carry none.
        fleet: fleet.shard ? fleet.fleet : undefined,
        shard: fleet.shard,
        allowCodexOverrides: config.getBoolean("allowCodexOverrides") ?? false,
        liveCheck: config.getBoolean("liveCheck") ?? false,
    });
    const c = codex;
    results[t.name] = pulumi.unsecret(
        pulumi
            .output({
                configPath: c.configPath,
                version: c.codexVersion,
                codexPath: c.codexPath,
                drift: c.drift,
                repaired: c.repaired,
                login: c.loginCommand,
                signIn: c.signIn,
                ready: c.ready,
                why: c.notReadyBecause,
            })
            .apply(({ configPath, version, codexPath, drift, repaired, login, signIn, ready, why }) => ({
                kind: t.kind,
                server: settings.serverName,
                ready,
                ...(ready === false ? { notReadyBecause: why } : {}),
                configPath,
                codex: version ? `${version} at ${codexPath}` : "not installed",
                signIn,
                // What a destroy does with Codex: the delete runs the request this update stored.
                uninstallCodexOnDestroy: uninstallOnDestroy,
                driftFoundByThisRun: drift,
                repairedByLastUpdate: repaired,
                ...(login ? { next: `run once on the target: ${login}` } : {}),
            })),
    );
}

export const targets = results;
export const auth = settings.auth;
// A sharded stack says what it took. Only then: an export left undefined is a warning on every run.
if (fleet.shard) (exports as Record<string, unknown>).shard = { shard: fleet.shard, targets: fleet.selected.length, ofFleet: fleet.targets.length };
