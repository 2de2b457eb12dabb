// Root acting for an account (`user`): npm in the root-owned global prefix as root, everything else
// by this runner started again as the account (runner/account.ts), so that nothing the account
// planted (a link, a ~/.local/bin/codex, a ~/.profile) ever acts with root's rights. It holds the
// runner's own source, which the launchers hand over (bundle/cli.ts), to start it again.
import * as os from "os";
import * as path from "path";
import { Account, runAsAccount } from "./account";
import { globalPrefixWritable, hasMarker, installInto, markerAdd, resolveVersion, uninstallFrom, versionIn } from "./codex";
import { RunnerError } from "./errors";
import type { CodexState, RunnerFailure, RunnerRequest, RunnerResult } from "../protocol/types";

/** This runner's own code, to start itself as another account (set by the launchers, bundle/cli.ts). */
let SOURCE: string | undefined;
export const setSource = (s: string | undefined) => void (SOURCE = s ?? SOURCE);

export function forAccount(req: RunnerRequest, account: Account): RunnerResult {
    if (!SOURCE) throw new RunnerError("internal", "cannot start the runner as another account: its source is unknown");
    // Root's npm reads root's own ~/.npmrc: never the HOME a caller passed along (sudo keeps the account's).
    process.env.HOME = os.userInfo().homedir;
    const codexHome = path.resolve(req.codexHome || path.join(account.home, ".codex"));
    const envPrefix = process.env.npm_config_prefix;
    const dirs = [...(envPrefix ? [path.join(envPrefix, "bin")] : []), path.dirname(process.execPath)];
    const child = (over: Partial<RunnerRequest>): RunnerResult => {
        const r = runAsAccount<RunnerResult | RunnerFailure>(SOURCE!, account, {
            ...req,
            user: undefined,
            frame: undefined,
            codexHome,
            compact: false,
            codexDirs: dirs,
            ...over,
        });
        const e = (r as RunnerFailure).error;
        if (!r.ok) throw new RunnerError(e.code, e.message, e.line, e.column);
        return r as RunnerResult;
    };
    let rootInstall: CodexState | undefined;
    let codex = req.codex;
    if (req.op === "ensure" && req.codex?.version) {
        const want = resolveVersion(req.codex.version);
        codex = { ...req.codex, version: want };
        const prefix = globalPrefixWritable();
        if (prefix) {
            dirs.unshift(path.join(prefix, "bin"));
            rootInstall = installGlobalFor(prefix, want, account.name, () => child({ op: "probe", name: undefined, entry: undefined, codex }).codex);
        }
    }
    const result = child({ codex });
    if (rootInstall) result.codex = { ...result.codex, ...rootInstall };
    if (req.op === "remove" && req.codex?.uninstall && !result.keptFor) {
        const prefix = globalPrefixWritable();
        if (prefix && uninstallFrom(prefix, account.name)) result.codex = { ...result.codex, action: "uninstalled" };
    }
    return result;
}

/** As root, into the global prefix: only when the account has no Codex at that version already. */
function installGlobalFor(prefix: string, want: string, user: string, accountSees: () => CodexState | undefined): CodexState | undefined {
    if (versionIn(prefix) === want) return void markerAdd(prefix, user);
    const seen = accountSees();
    if (seen?.version === want) return undefined;
    const ours = versionIn(prefix) === undefined || hasMarker(prefix);
    return { ...installInto(prefix, want, ours, user), action: seen?.path ? "upgraded" : "installed" };
}
