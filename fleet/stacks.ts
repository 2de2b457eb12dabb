// The shard stacks on the backend: which there are, and each one's configuration made from the
// base stack's (every key, secrets as secrets, plus its `shard`). Through the Pulumi CLI, one
// process per step, with nothing secret in any command line: `pulumi config cp` decrypts the base's
// secrets and encrypts them for the shard inside the CLI.
//
// Nothing here selects a stack (`pulumi stack select`, or `stack init` without --no-select): the
// selection is one file per project in PULUMI_HOME/workspaces/, which concurrent runs would
// overwrite in turn, leaving the user's own `pulumi` on whichever shard came last. Every command
// names its stack (--stack), and each one writes only that stack's Pulumi.<stack>.yaml.
import { execFile } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export class CliError extends Error {
    constructor(
        message: string,
        readonly stderr: string,
    ) {
        super(message);
    }
}

/** The last `error:` line the CLI printed (its own words for why), or its last line. */
export function cliReason(stderr: string): string {
    const lines = stderr
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean);
    const errors = lines.filter((l) => l.startsWith("error: "));
    return (errors.at(-1) ?? lines.at(-1) ?? "failed").replace(/^error: /, "");
}

export class PulumiCli {
    constructor(
        readonly command: string,
        readonly cwd: string,
        readonly env: NodeJS.ProcessEnv,
    ) {}

    run(args: string[]): Promise<string> {
        return new Promise((resolve, reject) => {
            execFile(
                this.command,
                [...args, "--non-interactive"],
                { cwd: this.cwd, env: this.env, maxBuffer: 64 << 20, encoding: "utf8" },
                (err, stdout, stderr) => {
                    if (err) reject(new CliError(`pulumi ${args[0]} ${args[1] ?? ""}: ${cliReason(stderr || err.message)}`.replace(/ +:/, ":"), stderr));
                    else resolve(stdout);
                },
            );
        });
    }

    /** The project's stacks on the backend. */
    async stacks(): Promise<string[]> {
        const list = JSON.parse(await this.run(["stack", "ls", "--json"])) as Array<{ name: string }>;
        // Names as the CLI takes them with --stack ("fleet", or org/project/fleet on some backends: the last part).
        return list.map((s) => s.name.split("/").pop()!);
    }

    /**
     * A stack's configuration as `pulumi config --json` prints it, keys in full (`project:key`).
     * Secret values only with showSecrets (to mask them in what this command prints; never printed).
     */
    async config(stack: string, showSecrets = false): Promise<Record<string, ConfigEntry>> {
        return JSON.parse(await this.run(["config", "--json", "--stack", stack, ...(showSecrets ? ["--show-secrets"] : [])])) as Record<string, ConfigEntry>;
    }
}

export interface ConfigEntry {
    value?: string;
    objectValue?: unknown;
    secret: boolean;
}

/** The values of a configuration's secrets, to mask in every line printed: each, and each of its lines (a key file's). */
export function secretValues(config: Record<string, ConfigEntry>): string[] {
    const out = new Set<string>();
    for (const e of Object.values(config)) {
        if (!e.secret || typeof e.value !== "string") continue;
        out.add(e.value);
        for (const line of e.value.split(/\r?\n/)) if (line.trim().length >= 12) out.add(line.trim());
    }
    return [...out].filter((s) => s.length >= 4);
}

/** The project's name: Pulumi.yaml's top-level `name:`. */
export function projectName(pulumiYaml: string): string {
    const m = /^name:[ \t]*["']?([^\s"'#]+)/m.exec(pulumiYaml);
    if (!m) throw new Error("Pulumi.yaml: no name");
    return m[1];
}

/** The secrets provider the base stack's file names (`secretsprovider: awskms://...`), so its shards use the same; undefined: the passphrase. */
export function secretsProviderOf(projectDir: string, stack: string): string | undefined {
    let text: string;
    try {
        text = fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8");
    } catch {
        return undefined;
    }
    const m = /^secretsprovider:[ \t]*["']?([^\s"'#]+)/m.exec(text);
    return m && m[1] !== "passphrase" ? m[1] : undefined;
}

/** The last line of a shard's file once it is made: what it was made from (see `copyIsCurrent`). */
const MADE_FROM = /\n# fleet: made from Pulumi\.\S+\.yaml and shard .* \(([0-9a-f]{32})\)\n$/;

function madeFromLine(o: { base: string; shard: string; baseText: string; body: string; secretsProvider?: string }): string {
    // The base's file holds its secrets encrypted (and its salt), never in plain text.
    const h = createHash("sha256")
        .update(JSON.stringify([o.base, o.baseText, o.shard, o.body, o.secretsProvider ?? ""]))
        .digest("hex")
        .slice(0, 32);
    return `# fleet: made from Pulumi.${o.base}.yaml and shard ${o.shard} (${h})\n`;
}

const readOr = (file: string): string | undefined => {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
};

type ShardFile = { base: string; stack: string; shard: string; secretsProvider?: string };

/** The base's file, and the shard's split into its body and the made-from line it ends with (if any); undefined when either is missing. */
function readShardFiles(dir: string, o: ShardFile): { baseText: string; file: string; body: string; line?: string } | undefined {
    const baseText = readOr(path.join(dir, `Pulumi.${o.base}.yaml`));
    const file = path.join(dir, `Pulumi.${o.stack}.yaml`);
    const text = readOr(file);
    if (baseText === undefined || text === undefined) return undefined;
    const m = MADE_FROM.exec(text);
    return m ? { baseText, file, body: text.slice(0, m.index + 1), line: text.slice(m.index + 1) } : { baseText, file, body: text };
}

/**
 * Whether the shard's file is the one the last `prepareShardStack` made from the base's file as it
 * is now and the same shard: then copying again would change nothing, and its three CLI starts
 * (each deriving the passphrase's key again) are left out. Any edit to either file, by hand or by
 * `pulumi config set`, makes the next run copy it again.
 */
function copyIsCurrent(dir: string, o: ShardFile): boolean {
    const f = readShardFiles(dir, o);
    return !!f?.line && f.line === madeFromLine({ ...o, baseText: f.baseText, body: f.body });
}

function markCopy(dir: string, o: ShardFile): void {
    const f = readShardFiles(dir, o);
    if (!f) return;
    const body = f.body.endsWith("\n") ? f.body : `${f.body}\n`;
    fs.writeFileSync(f.file, body + madeFromLine({ ...o, baseText: f.baseText, body }));
}

/**
 * Makes shard stack `stack` (created when `exists` is false) hold the base stack's configuration and
 * `shard: value`, and nothing else: keys the base no longer has are removed. Left as it is when it
 * already is that (`copyIsCurrent`).
 */
export async function prepareShardStack(
    cli: PulumiCli,
    o: { base: string; baseKeys: readonly string[]; stack: string; exists: boolean; shard: string; project: string; secretsProvider?: string },
): Promise<"copied" | "current"> {
    if (o.exists && copyIsCurrent(cli.cwd, o)) return "current";
    if (!o.exists) await cli.run(["stack", "init", o.stack, "--no-select", ...(o.secretsProvider ? ["--secrets-provider", o.secretsProvider] : [])]);
    await cli.run(["config", "cp", "--stack", o.base, "--dest", o.stack]);
    const shardKey = `${o.project}:shard`;
    const stale = Object.keys(await cli.config(o.stack)).filter((k) => !o.baseKeys.includes(k) && k !== shardKey);
    if (stale.length) await cli.run(["config", "rm-all", "--stack", o.stack, ...stale]);
    await cli.run(["config", "set", "shard", o.shard, "--stack", o.stack]);
    markCopy(cli.cwd, o);
    return "copied";
}
