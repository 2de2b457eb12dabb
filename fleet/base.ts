// The base stack: the fleet's settings, read and checked before any shard stack is touched (a
// problem with them is bad usage, exit 2), and the secrets every printed line masks.
import * as fs from "fs";
import * as path from "path";
import { secretsOf } from "../components/shared/redact";
import type { FleetArgs } from "./args";
import { baseShardProblem } from "./shards";
import { ConfigEntry, PulumiCli, secretValues } from "./stacks";

/** A problem with the base stack or the backend: said on stderr, exit 2, nothing run. */
export class Usage extends Error {}

export interface Base {
    config: Record<string, ConfigEntry>;
    /** Every stack on the backend (the shard stacks among them). */
    stacks: string[];
}

async function stacksWithBase(cli: PulumiCli, base: string, backend: string): Promise<string[]> {
    let stacks: string[];
    try {
        stacks = await cli.stacks();
    } catch (e) {
        throw new Usage(`cannot list the stacks on ${backend}: ${(e as Error).message}`);
    }
    if (!stacks.includes(base)) {
        throw new Usage(
            `no stack ${base} on ${backend}: the base stack holds the fleet's configuration (README, "A fleet": export STACK=${base}, then pulumi config set ...), and every shard stack copies it${base === "fleet" ? "; another base: --base NAME" : ""}`,
        );
    }
    return stacks;
}

async function baseConfig(cli: PulumiCli, base: string): Promise<Record<string, ConfigEntry>> {
    // Secret values only to mask them in every line printed: never printed, never passed on.
    try {
        return await cli.config(base, true);
    } catch (e) {
        throw new Usage(`the base stack ${base}: ${(e as Error).message}`);
    }
}

/** A base without hosts would have every shard provision this machine; a destroy needs none. */
function noHostsProblem(cli: PulumiCli, args: FleetArgs, key: (k: string) => ConfigEntry | undefined): string | undefined {
    const targets = key("targets")?.objectValue;
    if ((Array.isArray(targets) && targets.length) || key("inventory")?.value || args.command === "destroy") return undefined;
    const file = `Pulumi.${args.base}.yaml`;
    const missing = fs.existsSync(path.join(cli.cwd, file)) ? "" : ` (there is no ${file} here: the stack's configuration is in that file)`;
    return `the base stack ${args.base} has neither targets nor inventory${missing}: every shard would provision this machine; see README, "A fleet"`;
}

/** The fleet's settings from the base stack: checked before any shard stack is touched. */
export async function readBase(cli: PulumiCli, args: FleetArgs, project: string, backend: string): Promise<Base> {
    const stacks = await stacksWithBase(cli, args.base, backend);
    const config = await baseConfig(cli, args.base);
    const key = (k: string) => config[`${project}:${k}`];
    const problem = noHostsProblem(cli, args, key) ?? baseShardProblem(args.base, key("shard")?.value);
    if (problem) throw new Usage(problem);
    return { config, stacks };
}

/** What to mask: the base's secret values, and the Basic header and its parts that email and PAT make. */
export function secretsToMask(config: Record<string, ConfigEntry>, project: string): string[] {
    const out = secretValues(config);
    const email = config[`${project}:email`]?.value;
    const pat = config[`${project}:pat`]?.value;
    if (email && pat) out.push(...secretsOf({ Authorization: `Basic ${Buffer.from(`${email}:${pat}`).toString("base64")}` }));
    return [...new Set(out)].sort((a, b) => b.length - a.length);
}
