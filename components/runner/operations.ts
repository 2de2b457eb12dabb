// The target-side runner: everything that happens on the machine that gets Codex. It is bundled
// into one JavaScript file (see protocol/launcher.ts and scripts/build.ts) that needs nothing on the target but Node.js 18+.
//
// It takes one request and returns one result; the caller serialises both as JSON. Secrets (header
// values) arrive inside the request, which travels on standard input only, and never appear in the
// result: the entry is reported through observeEntry, which reduces header values to fingerprints.
//
// This file is one request's flow: handle() checks it; as the account itself (asSelf), observe()
// reads what the target holds; an ensure or remove then edits the file under the config lock
// (underLock, change), and Codex gives its verdict. What the flow works on lives beside it: where
// the file is (place.ts), the ownership record (owner-record.ts), the backups of the user's own
// (backup.ts), the runner's error (errors.ts).
//
// Root acting for an account (`user`) never touches that account's files nor runs its programs
// with root's rights: it starts this runner again as the account (runner/for-account.ts) and keeps
// for itself only what needs root, npm in the root-owned global prefix (see docs/architecture.md).
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { applyEntry, authFound, captureEntry, entryDigest, Observation, observeEntry, removeEntry, restoreEntry, validateEntry } from "../core/config-entry";
import { handover } from "./handover";
import { redact, secretsOf } from "../shared/redact";
import { Account, resolveAccount } from "./account";
import { codexState, installCodex, resolveVersion, uninstallFrom, userPrefix } from "./codex";
import { askAll, Asked, codexServers, overrides, Question, readiness } from "./ready";
import { Changes, FileState, ioError, isWriteError, readText, removeStaleSides, Undone, withLock } from "./files";
import { checkpoint } from "./lifeline";
import { ensureSignIn, removeSignIn, signInDrift, signInState, storedIsApplied } from "./signin";
import { MIN_NODE_MAJOR } from "../shared/versions";
import { asRunnerError, RunnerError } from "./errors";
import { CONFIG_MODE, HOME_MODE, locate, lstatQuiet, Place } from "./place";
import { OWNER_FILE, OwnerRecord, readOwner, readQuiet, ServerRecord, tokenKey, writeOwner } from "./owner-record";
import { dropBackup, planBackup, readSaved, savedFile, writeBackup } from "./backup";
import { forAccount } from "./for-account";
import type { CodexState, RunnerFailure, RunnerRequest, RunnerResult } from "../protocol/types";

function checkNode(): { version: string; path: string } {
    const node = { version: process.versions.node, path: process.execPath };
    if (Number(node.version.split(".")[0]) < MIN_NODE_MAJOR) {
        throw new RunnerError(
            "node-too-old",
            `Node.js ${node.version} at ${node.path} is older than ${MIN_NODE_MAJOR}; Codex needs Node.js ${MIN_NODE_MAJOR} or later`,
        );
    }
    return node;
}

function validate(req: RunnerRequest): void {
    if (!req || !["probe", "ensure", "remove"].includes(req.op)) throw new RunnerError("bad-request", `op: must be probe, ensure or remove`);
    const name = req.name;
    const problems: string[] = [];
    if (name === undefined) {
        if (!req.codex) problems.push("name: required unless the request manages Codex alone (codex)");
    } else if (req.op === "remove" || !req.entry) problems.push(...validateEntry(name, { url: "https://x/" }));
    else problems.push(...validateEntry(name, req.entry));
    if (req.op === "ensure" && name !== undefined && !req.entry) problems.push("entry: required for ensure");
    const signIn = req.signIn;
    if (signIn !== undefined && (!signIn || !["api-key", "access-token"].includes(signIn.kind) || typeof signIn.secret !== "string" || !signIn.secret)) {
        problems.push("signIn: needs kind (api-key or access-token) and a credential");
    }
    if (problems.length) throw new RunnerError("invalid-entry", problems.join("; "));
}

export function handle(req: RunnerRequest): RunnerResult {
    const node = checkNode();
    validate(req);
    const account = resolveAccount(req.user);
    return account.impersonated ? forAccount(req, account) : asSelf(req, account, node);
}

const modeOf = (st?: fs.Stats | number) => (st === undefined ? undefined : ((typeof st === "number" ? st : st.mode) & 0o777).toString(8).padStart(4, "0"));

/** The runner as the account itself (or root for root): every file it touches is the account's. */
function asSelf(req: RunnerRequest, account: Account, node: RunnerResult["node"]): RunnerResult {
    const seen = observe(req, account, node);
    if (req.op !== "probe") return ensureOrRemove(req, account, seen);
    const ahead = askForVerdict(req, account, seen.result);
    return withVerdict(req, account, probeSignIn(req, account, seen.codexHome, seen.owner, seen.result, ahead?.asked), ahead);
}

/** What the target holds, compared with the request: the file, the entry, Codex, the record. */
interface Observed {
    result: RunnerResult;
    codexHome: string;
    place: Place;
    owner: OwnerRecord;
    /** Where a codex this tool installed may be, besides the PATH. */
    known: string[];
}

function observe(req: RunnerRequest, account: Account, node: RunnerResult["node"]): Observed {
    const name = req.name;
    const codexHome = path.resolve(req.codexHome || process.env.CODEX_HOME || path.join(account.home, ".codex"));
    const place = locate(codexHome, account, req);
    const before = tryEntry(() => readText(place.configPath), place.configPath);
    const owner = readOwner(codexHome);
    const known = [...(req.codexDirs ?? []), ...(owner.codex?.prefix ? [path.join(owner.codex.prefix, "bin")] : [])];
    const result: RunnerResult = {
        ok: true,
        op: req.op,
        node,
        user: account.name,
        codexHome,
        configPath: place.configPath,
        file: { exists: before.exists, mode: modeOf(before.stat), symlink: place.fileLinked },
        entry: { present: false, forms: [], fields: {}, drift: [] },
        drift: [],
        changed: false,
        token: owner.servers[tokenKey(name)]?.token,
    };
    if (name !== undefined)
        result.entry = tryEntry(
            () => observeEntry(before.text, name, req.op === "remove" ? undefined : req.entry, req.op === "probe" ? req.headerKey : undefined),
            place.configPath,
        );
    if (name !== undefined && req.op === "probe" && req.authAsFound) {
        result.entry = withoutAuth(result.entry);
        if (result.entry.present) result.auth = tryEntry(() => authFound(before.text, name), place.configPath);
    }
    result.drift = driftOf(req, before, codexHome, account, result.entry);
    const wantCodex = req.codex?.version;
    if (wantCodex && req.op !== "remove") {
        result.codex = codexState(account, known, owner.codex?.installedByUs === true, true); // ensure replaces it below
        if (!result.codex.path) result.drift.push("codex-missing");
        else if (wantCodex !== "latest" && result.codex.version !== wantCodex) result.drift.push("codex-version");
    }
    splitChanges(req, before.text, owner, result);
    return { result, codexHome, place, owner, known };
}

/** ensure or remove: Codex first, then the file under the config lock, then (ensure) Codex's verdict. */
function ensureOrRemove(req: RunnerRequest, account: Account, { result, codexHome, place, owner, known }: Observed): RunnerResult {
    if (!lstatQuiet(codexHome)) fs.mkdirSync(codexHome, { recursive: true, mode: HOME_MODE });
    if (req.op === "ensure" && result.drift.includes("codex-home-mode")) chmodHome(codexHome);
    // Codex first, without the config lock: an install takes minutes, and the file is read after it.
    let installed: (CodexState & { prefix?: string }) | undefined;
    const wantCodex = req.codex?.version;
    if (req.op === "ensure" && wantCodex)
        installed = result.codex = installCodex(resolveVersion(wantCodex), account, known, owner.codex?.installedByUs === true);
    checkpoint(`writing ${place.configPath}`);
    const asking: Asking = {};
    const done = withLock(path.join(codexHome, ".config.toml.lock"), 120_000, () => underLock(req, account, place, result, known, installed, asking));
    return req.op === "ensure" ? withVerdict(req, account, done, askForVerdict(req, account, done, asking.asked)) : done;
}

/** Codex's answers within one request, asked side by side where several are due at once, none asked twice. */
interface Asking {
    asked?: Asked;
}

/**
 * The codex that gives the verdict, and its answers to what the verdict asks that `had` does not
 * hold, side by side: the sign-in status (unless the request has it already), and with an entry
 * the servers Codex lists and, when the entry is in the file and enabled, codex doctor's word on
 * reachability (readiness reads it only when Codex lists the server enabled; else it is left unread).
 * Undefined when there is no verdict to give.
 */
function askForVerdict(req: RunnerRequest, account: Account, result: RunnerResult, had?: Asked): { codex?: string; asked?: Asked } | undefined {
    if (!req.codex && req.name === undefined) return undefined;
    const codex = result.codex?.path ?? codexState(account, req.codexDirs ?? [], false, true).path;
    if (!codex) return {};
    const questions: Question[] = [];
    if (!result.signIn && fs.existsSync(result.codexHome)) questions.push("status");
    if (req.name !== undefined && req.entry) {
        questions.push("list");
        if ((req.op === "ensure" || result.entry.present) && req.entry.enabled !== false) questions.push("doctor");
    }
    return { codex, asked: askAll(codex, result.codexHome, questions, had) };
}

/** Codex's verdict, after the lock is released (codex doctor takes a while): where Codex or an entry is managed. */
function withVerdict(req: RunnerRequest, account: Account, result: RunnerResult, ahead: { codex?: string; asked?: Asked } | undefined): RunnerResult {
    if (!ahead) return result;
    const { codex, asked } = ahead;
    const signIn = result.signIn ?? (codex ? signInState(codex, result.codexHome, undefined, undefined, [], asked) : undefined);
    const secrets = [...secretsOf(req.entry?.http_headers), ...(req.signIn && req.op !== "probe" ? [req.signIn.secret] : [])];
    const configText = req.liveCheck ? readQuiet(result.configPath) : undefined;
    result.ready = readiness({
        codex,
        codexHome: result.codexHome,
        signIn,
        name: req.name,
        entry: req.entry,
        headerKey: req.op === "probe" ? req.headerKey : undefined,
        secrets,
        live: req.liveCheck,
        configText,
        asked,
    });
    return result;
}

/**
 * Differences the program made rather than the target: the entry as the last ensure wrote it (its
 * digest in the record) against a desired entry that has changed since, and Codex at the version
 * this tool last installed against another version asked for now.
 */
function splitChanges(req: RunnerRequest, text: string | undefined, owner: OwnerRecord, result: RunnerResult): void {
    if (req.op === "remove") return;
    const rec = owner.servers[tokenKey(req.name)];
    // Another manager holds the entry: the update takes it over (or fails saying why not), even
    // when the entry is already as wanted.
    if (req.name !== undefined && rec?.managedBy && req.managedBy && rec.managedBy !== req.managedBy) {
        result.heldBy = rec.managedBy;
        result.changes = ["manager"];
    }
    const asWritten =
        req.name !== undefined && rec?.applied !== undefined && owner.key !== undefined && entryDigest(owner.key, req.name, { text }) === rec.applied;
    const ours = (d: string) =>
        (d.startsWith("entry.") && asWritten) ||
        (d === "codex-version" && result.codex?.version !== undefined && result.codex.version === owner.codex?.version);
    const changes = result.drift.filter(ours);
    if (!changes.length) return;
    result.changes = [...(result.changes ?? []), ...changes];
    result.drift = result.drift.filter((d) => !ours(d));
}

/** A probe's view of the sign-in: Codex's status, the stored credential compared keyed, and the drift from what the stack wants. */
function probeSignIn(req: RunnerRequest, account: Account, codexHome: string, owner: OwnerRecord, result: RunnerResult, asked?: Asked): RunnerResult {
    if (!req.codex) return result;
    const codex = req.codex.version ? result.codex?.path : codexState(account, [], false, true).path;
    if (!codex) {
        if (req.signIn && !result.drift.includes("codex-missing")) result.drift.push("signin-missing");
        return result;
    }
    result.signIn = signInState(codex, codexHome, req.signIn, req.headerKey, [], asked);
    const ours = owner.signIn !== undefined && !owner.signIn.adopted && owner.signIn.managedBy === req.managedBy;
    if (req.signIn && result.signIn.matches !== true && !ours && !req.signIn.replace && result.signIn.status !== "signed-out")
        result.signIn.by = "someone-else";
    const drift = signInDrift(result.signIn, req.signIn, ours);
    // The credential this stack signed in with, against a new one the stack asks for: a change of the stack's.
    if (drift.includes("signin-other") && storedIsApplied(codexHome, owner.key, owner.signIn))
        result.changes = [...(result.changes ?? []), "signin-credential"];
    else result.drift.push(...drift);
    return result;
}

function chmodHome(codexHome: string): void {
    try {
        fs.chmodSync(codexHome, HOME_MODE);
    } catch (e) {
        throw ioError(e, `changing the mode of ${codexHome}; nothing was changed`);
    }
}

const AUTH_FIELDS = ["http_headers", "bearer_token_env_var", "env_http_headers"];

/** An observation with the authentication fields left out of the comparison. */
function withoutAuth(o: Observation): Observation {
    return {
        ...o,
        fields: Object.fromEntries(Object.entries(o.fields).filter(([k]) => !AUTH_FIELDS.includes(k))),
        drift: o.drift.filter((f) => !AUTH_FIELDS.includes(f)),
    };
}

/** Drift before acting: the file, its mode and owner, CODEX_HOME's mode, the entry's fields. */
function driftOf(req: RunnerRequest, before: FileState, codexHome: string, account: Account, entry: Observation): string[] {
    if (req.op === "remove" || req.name === undefined || !req.entry) return [];
    const drift: string[] = [];
    const home = lstatQuiet(codexHome);
    if (home && !home.isSymbolicLink() && (home.mode & 0o777) !== HOME_MODE) drift.push("codex-home-mode");
    if (!before.exists) drift.push("file-missing");
    else {
        if ((before.stat!.mode & 0o777) !== CONFIG_MODE) drift.push("file-mode");
        if (before.stat!.uid !== account.uid) drift.push("file-owner");
    }
    const fields = entry.drift.map((f) => (f === "entry" ? "entry-missing" : `entry.${f}`));
    drift.push(...fields.filter((d) => !(d === "entry-missing" && !before.exists)));
    return [...new Set(drift)];
}

function underLock(
    req: RunnerRequest,
    account: Account,
    place: Place,
    result: RunnerResult,
    known: string[],
    installed: (CodexState & { prefix?: string }) | undefined,
    asking: Asking,
): RunnerResult {
    const { codexHome, configPath } = place;
    const name = req.name;
    const key = tokenKey(name);
    // Re-read under the lock: another resource on this target may have written its record since.
    const owner = readOwner(codexHome);
    if (installed?.prefix) owner.codex = { installedByUs: installed.installedByUs === true, version: installed.version, prefix: installed.prefix };
    const rec = owner.servers[key];
    if (req.op === "remove") {
        const other = otherManager(req, rec);
        if (other) {
            result.keptFor = other; // another resource or stack manages it now: nothing is touched
            return result;
        }
    } else if (name !== undefined) {
        const hand = handover(req, rec, `[mcp_servers.${name}] in ${configPath}`);
        if ("refused" in hand) throw new RunnerError("managed-elsewhere", hand.refused);
        if (hand.take) result.handedOverFrom = hand.from;
    }
    // The Codex that verifies an ensure, looked up once (its path only: no login shell, no `codex --version` when npm's package.json tells the version).
    const codexPath = req.op === "ensure" && name !== undefined ? (result.codex?.path ?? codexState(account, known, false, true).path) : undefined;
    // Refuse before writing: a failed create must leave no entry that no state knows about.
    if (req.op === "ensure" && name !== undefined && req.verify === true && !codexPath) {
        throw new RunnerError("codex-missing", "verify was requested but codex is not installed on the target; nothing was written");
    }
    sweep(place);
    const changes = new Changes();
    try {
        change(req, account, place, owner, result, codexPath, changes, asking);
        changes.commit();
    } catch (e) {
        throw undone(e, changes.rollback(configPath), place, result);
    }
    result.token = owner.servers[key]?.token;
    return result;
}

/** Everything one ensure or remove changes, each change journaled in `changes` (undone as a whole on failure). */
function change(
    req: RunnerRequest,
    account: Account,
    place: Place,
    owner: OwnerRecord,
    result: RunnerResult,
    codexPath: string | undefined,
    changes: Changes,
    asking: Asking,
): void {
    const key = tokenKey(req.name);
    const rec = owner.servers[key];
    const modeWas = req.name === undefined ? undefined : editFile(req, account, place, owner, result, changes);
    if (req.op === "ensure" && req.name !== undefined && codexPath && req.verify !== false) {
        // Asked side by side, of the file as written: the servers Codex lists (for verify, and the
        // verdict after the lock) and, when the sign-in step below asks the same Codex, its sign-in status.
        const signInToo = req.codex !== undefined && (result.codex?.path ?? codexPath) === codexPath;
        asking.asked = askAll(codexPath, place.codexHome, signInToo ? ["list", "status"] : ["list"]);
        verify(codexPath, req, place, result, asking.asked);
    }
    signInStep(req, account, place, owner, result, codexPath, asking.asked);
    if (req.op === "ensure") {
        const had = owner.servers[key];
        result.repaired = had?.token !== undefined ? result.drift : [];
        const fileMode = had?.fileMode ?? modeOf(modeWas);
        if (req.name !== undefined && req.entry) owner.key ??= randomBytes(32).toString("hex");
        const applied = req.name !== undefined && req.entry ? entryDigest(owner.key!, req.name, { desired: req.entry }) : undefined;
        const { fleet: _fleet, shard: _shard, ...kept } = had ?? {};
        owner.servers[key] = {
            ...kept,
            token: req.token ?? had?.token,
            ...(req.claim ? { claim: req.claim } : {}),
            ...managerOf(req),
            ...(fileMode ? { fileMode } : {}),
            ...(applied ? { applied } : {}),
        };
    } else {
        delete owner.servers[key];
        if (req.codex?.uninstall) result.codex = uninstallOwn(account, owner);
    }
    const last = req.op === "remove" && handOverMode(owner, rec);
    if (req.op === "remove" && req.name !== undefined) dropBackup(place, owner, result, changes);
    writeOwner(place.codexHome, owner, changes);
    if (req.op === "remove" && req.name !== undefined) giveBack(req.name, place, rec, last, result, changes);
}

/**
 * Codex's sign-in, after the entry (a failed sign-in undoes the entry's changes with the rest). A
 * request that no longer carries a credential stops managing the sign-in this stack made: it stays.
 */
function signInStep(
    req: RunnerRequest,
    account: Account,
    place: Place,
    owner: OwnerRecord,
    result: RunnerResult,
    codexPath: string | undefined,
    asked?: Asked,
): void {
    if (!req.codex) return;
    const codex = result.codex?.path ?? codexPath ?? codexState(account, [], false, true).path;
    const who = { managedBy: req.managedBy, claim: req.claim };
    if (req.op === "remove") {
        if (!owner.signIn) return;
        const out = removeSignIn(codex, place.codexHome, req.signIn, owner.signIn, who);
        if (out.state) result.signIn = out.state;
        if (!out.keep) delete owner.signIn;
        return;
    }
    if (!codex) return;
    if (!req.signIn) {
        if (owner.signIn?.managedBy === req.managedBy) delete owner.signIn;
        result.signIn = signInState(codex, place.codexHome, undefined, undefined, [], asked);
        return;
    }
    owner.key ??= randomBytes(32).toString("hex");
    const out = ensureSignIn(codex, place.codexHome, req.signIn, owner.signIn, { ...who, key: owner.key }, asked);
    result.signIn = out.state;
    if (out.record) owner.signIn = out.record;
    else delete owner.signIn;
    if (out.state.action === "signed-in" || out.state.action === "replaced") result.changed = true;
}

/** Temporary and kept files of ours that a killed earlier run left (we hold the lock: no live run is writing). */
function sweep(place: Place): void {
    const ours = (n: string) =>
        ["config.toml", "config.toml.bak", OWNER_FILE, path.basename(place.configPath)].includes(n) || /^\.codex-mcp-saved\..+\.toml$/.test(n);
    for (const dir of new Set([place.codexHome, path.dirname(place.configPath), path.dirname(place.backupPath)])) removeStaleSides(dir, ours);
}

/**
 * The message of a failed run says what became of the files: put back (each read back), or left
 * as they are, and why. config.toml is put back first; when another program changed it meanwhile,
 * it is not touched, and neither is the record of the entry it still holds.
 */
function undone(e: unknown, back: Undone, place: Place, result: RunnerResult): RunnerError {
    const err = asRunnerError(e, place.configPath);
    const wrote = back.restored.length > 0 || back.problems.length > 0;
    if (!wrote && !isWriteError(e) && err.code !== "verify-failed") return err;
    const configKept = back.problems.some((p) => p.startsWith(place.configPath + " "));
    const bak = configKept && result.backup ? [`the previous file, without this entry, is ${result.backup}`] : [];
    const said = [...(back.restored.includes(place.configPath) ? ["the previous file was restored"] : []), ...back.problems, ...bak];
    return new RunnerError(err.code, `${err.message}; ${said.length ? said.join("; ") : "nothing was changed"}`, err.line, err.column);
}

/** What the record keeps of the request's manager (runner/handover.ts). */
function managerOf(req: RunnerRequest): Pick<ServerRecord, "managedBy" | "fleet" | "shard"> {
    return {
        ...(req.managedBy ? { managedBy: req.managedBy } : {}),
        ...(req.fleet ? { fleet: req.fleet } : {}),
        ...(req.shard !== undefined ? { shard: req.shard } : {}),
    };
}

/** Who else holds the entry, when a remove must leave it alone (another claim or manager). */
function otherManager(req: RunnerRequest, rec?: ServerRecord): string | undefined {
    if (req.managedBy !== undefined && rec?.managedBy !== undefined && rec.managedBy !== req.managedBy) return rec.managedBy;
    if (req.claim !== undefined && rec?.claim !== undefined && rec.claim !== req.claim) return rec.claim;
    return undefined;
}

/**
 * Read, edit and replace config.toml with a compare-and-swap: when the file changed between the
 * read and the rename (Codex saves it without our lock), the edit is made again on the new text.
 * Returns the mode config.toml had when an ensure changed it to 0600.
 */
function editFile(req: RunnerRequest, account: Account, place: Place, owner: OwnerRecord, result: RunnerResult, changes: Changes): number | undefined {
    const name = req.name!;
    const key = tokenKey(name);
    for (let attempt = 0; attempt < 20; attempt++) {
        const cur = tryEntry(() => readText(place.configPath), place.configPath);
        const prev = cur.text;
        const saved = req.op === "remove" && owner.servers[key]?.saved ? readSaved(place.codexHome, name) : undefined;
        const next = tryEntry(() => edited(req, prev, saved), place.configPath);
        // The backup's hash goes into the record before the backup is written (a run killed between
        // the two leaves a .bak that does not match it: taken for the user's, kept).
        const backup = req.op === "ensure" && prev !== undefined && next !== undefined && next !== prev ? planBackup(place, owner, prev, name) : undefined;
        if (backup?.write) owner.backup = backup.sha256;
        if (req.op === "ensure" && !owner.servers[key]) adopt(place, owner, req, prev, result, changes);
        const mode = cur.exists ? cur.stat!.mode & 0o777 : undefined;
        const loose = req.op === "ensure" && mode !== undefined && mode !== CONFIG_MODE ? mode : undefined;
        const wrongOwner = req.op === "ensure" && cur.exists && cur.stat!.uid !== account.uid;
        if (next === undefined || (next === prev && !wrongOwner)) {
            if (loose !== undefined) {
                changes.chmod(place.configPath, CONFIG_MODE);
                result.changed = true;
            }
            return loose;
        }
        if (backup) writeBackup(place, owner, backup, result, changes);
        // A remove keeps the file's mode; an ensure makes it 0600 (it may hold a credential).
        if (changes.replaceIfUnchanged(place.configPath, prev, next, req.op === "ensure" ? CONFIG_MODE : (mode ?? CONFIG_MODE))) {
            result.changed = true;
            return loose;
        }
    }
    throw new RunnerError("busy", `${place.configPath} kept changing while it was being edited; try again`);
}

function edited(req: RunnerRequest, prev: string | undefined, saved: string | undefined): string | undefined {
    const name = req.name!;
    if (req.op === "ensure") return applyEntry(prev, name, req.entry!);
    if (saved !== undefined) return restoreEntry(prev ?? "", name, saved);
    return prev === undefined ? undefined : removeEntry(prev, name);
}

/**
 * The first ensure of an entry records it before the file changes (a run killed after the write
 * must not mistake our entry for the user's), and saves the user's own entry, when there is one,
 * 0600 in CODEX_HOME: remove puts it back.
 */
function adopt(place: Place, owner: OwnerRecord, req: RunnerRequest, prev: string | undefined, result: RunnerResult, changes: Changes): void {
    const captured = prev === undefined ? undefined : captureEntry(prev, req.name!);
    if (captured !== undefined) changes.replace(savedFile(place.codexHome, req.name!), captured, CONFIG_MODE);
    owner.servers[tokenKey(req.name)] = { ...(captured !== undefined ? { saved: true } : {}), claim: req.claim, ...managerOf(req) };
    writeOwner(place.codexHome, owner, changes);
    result.adopted = captured !== undefined || undefined;
}

/**
 * A removed server's record of config.toml's old mode goes to the servers of ours still in the
 * file, so that the last remove puts it back. True when this was the last one.
 */
function handOverMode(owner: OwnerRecord, rec: ServerRecord | undefined): boolean {
    const others = Object.keys(owner.servers).filter((k) => k !== tokenKey(undefined));
    if (rec?.fileMode) for (const k of others) owner.servers[k].fileMode ??= rec.fileMode;
    return others.length === 0;
}

/**
 * After a remove: the saved entry (now back in the file) goes, and the last server of ours gives
 * config.toml back the mode it had before an ensure made it 0600 (unless someone changed it since).
 */
function giveBack(name: string, place: Place, rec: ServerRecord | undefined, last: boolean, result: RunnerResult, changes: Changes): void {
    if (rec?.saved && readSaved(place.codexHome, name) !== undefined) {
        changes.remove(savedFile(place.codexHome, name));
        result.restored = true;
    }
    if (!rec?.fileMode || !last) return;
    const st = fs.statSync(place.configPath, { throwIfNoEntry: false });
    if (st && (st.mode & 0o777) === CONFIG_MODE) changes.chmod(place.configPath, parseInt(rec.fileMode, 8));
}

/**
 * Ask Codex; when it cannot read the file the run fails and its changes are undone (a config Codex
 * cannot read breaks every codex command). When it reads the entry but will not use it as written
 * (disabled by an admin's requirements, a value changed by a system layer), the run fails naming
 * the layer, unless the request allows it (then the verdict says not ready, and why).
 */
function verify(codexPath: string, req: RunnerRequest, place: Place, result: RunnerResult, asked?: Asked): void {
    const name = req.name!;
    const list = codexServers(codexPath, place.codexHome, asked);
    const got = list.servers?.find((s) => s.name === name);
    if (!got) {
        const why = list.problem ?? `codex mcp list does not show [mcp_servers.${name}]`;
        result.verified = { ok: false, problems: [why] };
        throw new RunnerError("verify-failed", `Codex did not read the entry as written (${why})`);
    }
    const problems = overrides(got, name, req.entry!, place.codexHome);
    result.verified = { ok: problems.length === 0, problems };
    if (problems.length && !req.allowCodexOverrides) {
        throw new RunnerError(
            "codex-overrides",
            `Codex will not use [mcp_servers.${name}] as written in ${place.configPath}: ${problems.join("; ")}; allowCodexOverrides: true accepts that`,
        );
    }
}

function uninstallOwn(account: Account, owner: OwnerRecord): CodexState {
    const rec = owner.codex;
    const prefixes = [...new Set([...(rec?.prefix ? [rec.prefix] : []), userPrefix(account)])];
    const removed = prefixes.some((p) => uninstallFrom(p, account.name, rec?.installedByUs === true && p === rec.prefix));
    if (removed) delete owner.codex;
    return { ...codexState(account, [], false, true), action: removed ? "uninstalled" : "kept" };
}

function tryEntry<T>(fn: () => T, configPath: string): T {
    try {
        return fn();
    } catch (e) {
        throw asRunnerError(e, configPath);
    }
}

/** Run one request and never throw: failures become `{ ok: false, error }` results, with no credential in them. */
export function runRequest(req: RunnerRequest): RunnerResult | RunnerFailure {
    try {
        return handle(req);
    } catch (e) {
        const err = asRunnerError(e, "");
        const message = redact(err.message.replace(/^: /, ""), [
            ...secretsOf(req?.entry?.http_headers),
            ...(typeof req?.signIn?.secret === "string" ? [req.signIn.secret] : []),
        ]);
        return { ok: false, op: req?.op, error: { code: err.code, message, line: err.line, column: err.column } };
    }
}
