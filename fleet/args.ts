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

/** The command line as written: the words, the options' values and the switches given. */
interface SplitArgv {
    positional: string[];
    values: Map<string, string>;
    switches: Set<string>;
}

type Problem = { error: string };

function unknownOption(flag: string): string {
    const near = closest(
        flag.replace(/^-+/, ""),
        FLAGS.map((f) => f.slice(2)),
    );
    return `${flag}: unknown option; ${near ? `did you mean --${near}?` : `the options are ${FLAGS.join(", ")}`}`;
}

/** The command line split into words, values and switches, or the first problem with an option (nothing after it is read). */
function splitArgv(argv: readonly string[]): SplitArgv | Problem {
    const split: SplitArgv = { positional: [], values: new Map(), switches: new Set() };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("-") || arg === "-") {
            split.positional.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const flag = eq > 0 ? arg.slice(0, eq) : arg;
        if (flag === "-h") {
            split.switches.add("--help");
            continue;
        }
        if (!(FLAGS as readonly string[]).includes(flag)) return { error: unknownOption(flag) };
        if (VALUED.has(flag)) {
            const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
            if (value === undefined || (eq < 0 && value.startsWith("--"))) return { error: `${flag}: needs a value` };
            if (split.values.has(flag)) return { error: `${flag}: given twice` };
            split.values.set(flag, value);
        } else {
            if (eq > 0) return { error: `${flag}: takes no value` };
            split.switches.add(flag);
        }
    }
    return split;
}

/** What --help answers, whatever else the line holds: the defaults, not checked. */
const helpArgs = (): FleetArgs => ({
    command: "preview",
    base: DEFAULT_BASE,
    concurrency: DEFAULT_CONCURRENCY,
    expectNoChanges: false,
    continueOnError: false,
    help: true,
});

function commandOf(positional: readonly string[]): { command: FleetCommand } | Problem {
    if (positional.length === 0) return { error: `a command is needed: ${COMMANDS.join(", ")}` };
    if (positional.length > 1) return { error: `one command at a time, got ${positional.map((p) => JSON.stringify(p)).join(" ")}` };
    const command = positional[0] as FleetCommand;
    if (!COMMANDS.includes(command)) return { error: `${positional[0]}: ${unknownName("command", positional[0], COMMANDS)}` };
    return { command };
}

/** --shards: required but for a destroy, which without it takes every shard stack there is. */
function shardsOf(text: string | undefined, command: FleetCommand): { shards?: number } | Problem {
    if (text === undefined)
        return command === "destroy" ? { shards: undefined } : { error: `--shards N: required for ${command} (how many shards the fleet has)` };
    const n = integer("--shards", text, 1, MAX_SHARDS);
    return typeof n === "string" ? { error: n } : { shards: n };
}

function concurrencyOf(text: string | undefined): { concurrency: number } | Problem {
    if (text === undefined) return { concurrency: DEFAULT_CONCURRENCY };
    const n = integer("--concurrency", text, 1, MAX_CONCURRENCY);
    return typeof n === "string" ? { error: n } : { concurrency: n };
}

function baseProblem(base: string): string | undefined {
    if (!STACK_NAME.test(base)) return `--base: a stack name (letters, digits, '.', '-', '_'), got ${JSON.stringify(base)}`;
    if (/-shard-\d+$/.test(base)) return `--base ${base}: names a shard stack; the base is the stack the shards copy (e.g. ${base.replace(/-shard-\d+$/, "")})`;
    return undefined;
}

/** Each switch is refused where it could mean nothing, rather than silently ignored. */
function switchesProblem(command: FleetCommand, expectNoChanges: boolean, continueOnError: boolean): string | undefined {
    if (expectNoChanges && command === "destroy") return "--expect-no-changes: for preview, refresh and up (a destroy changes everything)";
    if (continueOnError && command !== "up" && command !== "destroy")
        return `--continue-on-error: for up and destroy only (a ${command} changes no target, so no failed change can stop it)`;
    return undefined;
}

/** The arguments after `npm run fleet --`, or the problem with them. */
export function parseArgs(argv: readonly string[]): { args: FleetArgs } | { error: string } {
    const split = splitArgv(argv);
    if ("error" in split) return split;
    if (split.switches.has("--help")) return { args: helpArgs() };
    const c = commandOf(split.positional);
    if ("error" in c) return c;
    const command = c.command;
    const shards = shardsOf(split.values.get("--shards"), command);
    if ("error" in shards) return shards;
    const concurrency = concurrencyOf(split.values.get("--concurrency"));
    if ("error" in concurrency) return concurrency;
    const base = split.values.get("--base") ?? DEFAULT_BASE;
    const badBase = baseProblem(base);
    if (badBase) return { error: badBase };
    const expectNoChanges = split.switches.has("--expect-no-changes");
    const continueOnError = split.switches.has("--continue-on-error");
    const badSwitch = switchesProblem(command, expectNoChanges, continueOnError);
    if (badSwitch) return { error: badSwitch };
    const logDir = split.values.get("--log-dir");
    if (logDir === "") return { error: "--log-dir: needs a directory" };
    return { args: { command, shards: shards.shards, base, concurrency: concurrency.concurrency, expectNoChanges, continueOnError, logDir, help: false } };
}
