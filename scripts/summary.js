#!/usr/bin/env node
// What npm run up and npm run down did, per target, for a person: read from the stack's outputs
// (`pulumi stack output --json` on stdin), which hold paths, versions and field names, never a
// credential. down reads the outputs taken before the destroy: the delete of each target runs the
// request that the last up stored, and those outputs were computed from the same configuration.
// Usage: pulumi stack output --json | node scripts/summary.js up|down STACK
const fs = require("fs");
const path = require("path");

const [mode, stack] = process.argv.slice(2);
const outputs = JSON.parse(fs.readFileSync(0, "utf8") || "{}");
const targets = Object.entries(outputs.targets ?? {});
const again = (cmd) => `${stack && stack !== "local" ? `STACK=${stack} ` : ""}${cmd}`;
const yes = (v) => v === true || v === "true";

/** How Codex authenticates on a target, and what is left to do. */
function auth(t) {
    const server = t.server ?? "connectai";
    switch (outputs.auth) {
        case "basic":
            return "Basic auth: the email and the PAT kept in the stack";
        case "bearer-env":
            return "the token from the environment Codex runs in";
        case "env-headers":
            return "the headers from the environment Codex runs in";
        default:
            return `OAuth: run codex mcp login ${server} once${t.kind && t.kind !== "local" ? " on that machine" : ""}`;
    }
}

function up() {
    for (const [name, t] of targets) {
        const repaired = t.driftFoundByThisRun?.length && t.repairedByLastUpdate?.length ? `; repaired: ${t.repairedByLastUpdate.join(", ")}` : "";
        console.log(`  ${name}: Codex ${t.codex}; ${t.server ?? "the entry"} in ${t.configPath} (${auth(t)})${repaired}`);
        // Codex's own verdict (runner/ready.ts): ready, or what is left to do and why.
        if (t.ready === true) console.log("    ready: Codex can use it");
        else if (t.ready === false) for (const why of t.notReadyBecause ?? []) console.log(`    not ready: ${why}`);
    }
}

/**
 * A local target's file is on this machine: whether the entry is gone is read there, rather than
 * assumed (an entry that another stack took over stays with it).
 */
function entryStillThere(t) {
    if (t.kind !== "local" || !t.server) return undefined;
    try {
        const { observeEntry } = require(path.join(__dirname, "..", "dist", "components", "core", "config-entry.js"));
        return observeEntry(fs.readFileSync(t.configPath, "utf8"), t.server).present;
    } catch {
        return undefined; // no file (nothing left to remove from), or not readable by this account
    }
}

function down() {
    let kept = false;
    for (const [name, t] of targets) {
        const entry = t.server ? `the ${t.server} entry` : "the entry";
        const removed = entryStillThere(t)
            ? `${entry} is still in ${t.configPath}: another stack or codex-mcp manages it now`
            : `removed ${entry} from ${t.configPath}; the rest of the file is unchanged`;
        const [, codexPath] = /^\S+ at (.+)$/.exec(t.codex ?? "") ?? [];
        let codex;
        if (t.uninstallCodexOnDestroy === undefined) codex = "Codex stays unless uninstallCodexOnDestroy was set at the last up";
        else if (!yes(t.uninstallCodexOnDestroy)) {
            kept = true;
            codex = `Codex stays (${t.codex})`;
        } else if (t.kind === "local" && codexPath)
            codex = fs.existsSync(codexPath) ? `Codex stays at ${codexPath}: this stack did not install it` : `Codex uninstalled (${t.codex})`;
        else codex = "Codex uninstalled where this stack had installed it";
        console.log(`  ${name}: ${removed}; ${codex}`);
    }
    if (kept)
        console.log(
            `  (to uninstall Codex too: ${again("npm run pulumi -- config set uninstallCodexOnDestroy true")}, then ${again("npm run up")} to record it, then ${again("npm run down")})`,
        );
}

if (!targets.length) console.log("  no target: this stack has no outputs (no up has finished on it)");
else if (mode === "up") up();
else if (mode === "down") down();
else {
    console.error("usage: node scripts/summary.js up|down STACK");
    process.exit(2);
}
