// The fleet command's arguments: `fleet up|preview|refresh|destroy --shards N [options]`. Pure: the
// result, or the one problem that makes it bad usage (exit 2, before anything runs).
import { closest, unknownName } from "../components/shared/closest";

export const COMMANDS = ["preview", "up", "refresh", "destroy"] as const;
export type FleetCommand = (typeof COMMANDS)[number];

export interface FleetArgs {
    command: FleetCommand;
    /** How many shards the fleet has now (`<base>-shard-0` .. `<base>-shard-N-1`). Destroy: every shard stack when not given. */
    shards?: number;
    /** The stack whose configuration every shard stack copies; never run itself. */
    base: string;
    /** How many shard stacks run at once. */
    concurrency: number;
    /** Exit with CHANGES_EXIT_CODE when a preview, refresh or up found anything to change. */
    expectNoChanges: boolean;
    /** `pulumi up/destroy --continue-on-error`: a target that fails stops nothing else in its shard. */
    continueOnError: boolean;
    /** Each shard's engine output, in DIR/<stack>.<command>.log. */
    logDir?: string;
    help: boolean;
}

export const DEFAULT_BASE = "fleet";
/** Stacks at a time: each is one Pulumi CLI, one Node.js program and one command plugin (plus a short Node process per target it reaches); four keep a 2-core runner busy without starving it. */
export const DEFAULT_CONCURRENCY = 4;
export const MAX_SHARDS = 1000;
export const MAX_CONCURRENCY = 64;

export const USAGE = `usage: npm run fleet -- preview|up|refresh|destroy --shards N [options]

Runs the fleet program on every shard stack of a fleet, BASE-shard-0 .. BASE-shard-(N-1), each
with BASE's configuration plus shard "I/N" (BASE is never run itself).

  --shards N            how many shards the fleet has (1-${MAX_SHARDS}); destroy: every shard stack when omitted
  --base NAME           the stack the shards copy their configuration from (default: ${DEFAULT_BASE})
  --concurrency K       shard stacks at a time (default: ${DEFAULT_CONCURRENCY})
  --expect-no-changes   exit 3 when anything would change or changed (preview, refresh, up)
  --continue-on-error   a target that fails stops nothing else in its shard (up, destroy)
  --log-dir DIR         each shard's engine output in DIR/<stack>.<command>.log
  --help                this text

Exit codes: 0 done; 1 a shard or a target failed; 2 bad usage or configuration (nothing ran);
3 with --expect-no-changes, changes found (and nothing failed). See docs/fleet-command.md.`;

const FLAGS = ["--shards", "--base", "--concurrency", "--expect-no-changes", "--continue-on-error", "--log-dir", "--help"] as const;
const VALUED = new Set(["--shards", "--base", "--concurrency", "--log-dir"]);

/** What a stack name may hold (the file backend's rule). */
export const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

function integer(flag: string, text: string, min: number, max: number): number | string {
    if (!/^\d+$/.test(text)) return `${flag}: a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`;
    const n = Number(text);
    if (n < min || n > max) return `${flag}: from ${min} to ${max}, got ${n}`;
    return n;
}

/** The arguments after `npm run fleet --`, or the problem with them. */
export function parseArgs(argv: readonly string[]): { args: FleetArgs } | { error: string } {
    const positional: string[] = [];
    const values = new Map<string, string>();
    const switches = new Set<string>();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("-") || arg === "-") {
            positional.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const flag = eq > 0 ? arg.slice(0, eq) : arg;
        if (flag === "-h") {
            switches.add("--help");
            continue;
        }
        if (!(FLAGS as readonly string[]).includes(flag)) {
            const near = closest(
                flag.replace(/^-+/, ""),
                FLAGS.map((f) => f.slice(2)),
            );
            return { error: `${flag}: unknown option; ${near ? `did you mean --${near}?` : `the options are ${FLAGS.join(", ")}`}` };
        }
        if (VALUED.has(flag)) {
            const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
            if (value === undefined || (eq < 0 && value.startsWith("--"))) return { error: `${flag}: needs a value` };
            if (values.has(flag)) return { error: `${flag}: given twice` };
            values.set(flag, value);
        } else {
            if (eq > 0) return { error: `${flag}: takes no value` };
            switches.add(flag);
        }
    }
    const help = switches.has("--help");
    if (help)
        return { args: { command: "preview", base: DEFAULT_BASE, concurrency: DEFAULT_CONCURRENCY, expectNoChanges: false, continueOnError: false, help } };

    if (positional.length === 0) return { error: `a command is needed: ${COMMANDS.join(", ")}` };
    if (positional.length > 1) return { error: `one command at a time, got ${positional.map((p) => JSON.stringify(p)).join(" ")}` };
    const command = positional[0] as FleetCommand;
    if (!COMMANDS.includes(command)) return { error: `${positional[0]}: ${unknownName("command", positional[0], COMMANDS)}` };

    let shards: number | undefined;
    const s = values.get("--shards");
    if (s !== undefined) {
        const n = integer("--shards", s, 1, MAX_SHARDS);
        if (typeof n === "string") return { error: n };
        shards = n;
    } else if (command !== "destroy") return { error: `--shards N: required for ${command} (how many shards the fleet has)` };

    let concurrency = DEFAULT_CONCURRENCY;
    const c = values.get("--concurrency");
    if (c !== undefined) {
        const n = integer("--concurrency", c, 1, MAX_CONCURRENCY);
        if (typeof n === "string") return { error: n };
        concurrency = n;
    }

    const base = values.get("--base") ?? DEFAULT_BASE;
    if (!STACK_NAME.test(base)) return { error: `--base: a stack name (letters, digits, '.', '-', '_'), got ${JSON.stringify(base)}` };
    if (/-shard-\d+$/.test(base))
        return { error: `--base ${base}: names a shard stack; the base is the stack the shards copy (e.g. ${base.replace(/-shard-\d+$/, "")})` };

    const expectNoChanges = switches.has("--expect-no-changes");
    const continueOnError = switches.has("--continue-on-error");
    if (expectNoChanges && command === "destroy") return { error: "--expect-no-changes: for preview, refresh and up (a destroy changes everything)" };
    if (continueOnError && command !== "up" && command !== "destroy")
        return { error: `--continue-on-error: for up and destroy only (a ${command} changes no target, so no failed change can stop it)` };

    const logDir = values.get("--log-dir");
    if (logDir === "") return { error: "--log-dir: needs a directory" };
    return { args: { command, shards, base, concurrency, expectNoChanges, continueOnError, logDir, help } };
}
