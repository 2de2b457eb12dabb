// How many bytes of Pulumi state each target costs: the fleet program (basic auth) on 1 and on N
// real sshd hosts (the end-to-end harness), and on 1 and N local targets (a CODEX_HOME each on this
// machine, Codex from the test cache), one `up` each; the checkpoint grows by the per-target cost,
// and `up` rewrites it at every step. Then three no-op `up`s on the N SSH hosts: the checkpoint
// after the first and after the third must be the size it was, its resources unchanged (nothing
// accumulates run after run). Prints one JSON line; docs/benchmarks.md quotes it.
//   node_modules/.bin/ts-node -T bench/state-size.ts [N]     (as root; npm run build first)
//   STATE_SIZE_FIELDS=1  also prints, for the runs with one target, where each resource's bytes go
//                        (inputs and outputs one level down), on stderr
//   STATE_SIZE_ONLY=ssh  leaves the local targets out
//   STATE_SIZE_DUMP=PREFIX  also writes those checkpoints to PREFIX.<kind>.json (as stored) and
//                        PREFIX.<kind>.shown.json (`pulumi stack export --show-secrets`), and the N
//                        hosts' resources after each up to PREFIX.noop.json
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { codexBinDir, codexVersion } from "../tests/helpers/codex";
import { npmSeed, setSecretConfig, setTargetsConfig, startFleet } from "../tests/helpers/fleet";
import { sandboxStack } from "../tests/helpers/stack";
import { projectRoot, toolchainBin } from "../tests/helpers/toolchain";

type Resource = Record<string, unknown> & { type: string };
interface Checkpoint {
    bytes: number;
    resources: Resource[];
}

interface Run {
    /** The checkpoint after the first `up`. */
    first: Checkpoint;
    /** After each no-op `up` asked for. */
    noop: Checkpoint[];
}

/** One stack of the fleet program on these targets: an `up`, then `noops` no-op `up`s, each checkpoint read back. */
async function run(kind: string, targets: Array<Record<string, unknown>>, noops: number): Promise<Run> {
    const { stack, sandbox, env, remove } = await sandboxStack({ name: `statesize${targets.length}${kind}`, path: [codexBinDir()] });
    const file = path.join(sandbox.dir, "state", ".pulumi", "stacks", "codex-connect", `${stack.name}.json`);
    const read = (): Checkpoint => {
        const text = fs.readFileSync(file, "utf8");
        return { bytes: Buffer.byteLength(text), resources: JSON.parse(text).checkpoint.latest.resources };
    };
    try {
        await stack.setAllConfig({ auth: { value: "basic" }, email: { value: "bench@example.com" }, codexVersion: { value: codexVersion } });
        setSecretConfig(stack, sandbox.env, "pat", "PAT-state-size-1");
        await setTargetsConfig(stack, targets);
        await stack.up({ parallel: targets.length });
        const first = read();
        if (targets.length === 1) show(kind, first, stack, env);
        const noop: Checkpoint[] = [];
        for (let i = 0; i < noops; i++) {
            const up = await stack.up({ parallel: targets.length });
            const changed = Object.entries(up.summary.resourceChanges ?? {}).filter(([k]) => k !== "same");
            if (changed.length) throw new Error(`no-op up ${i + 1} changed resources: ${JSON.stringify(up.summary.resourceChanges)}`);
            noop.push(read());
        }
        return { first, noop };
    } finally {
        await stack.destroy().catch(() => undefined);
        await remove();
    }
}

/** STATE_SIZE_FIELDS, STATE_SIZE_DUMP (see the header). */
function show(kind: string, c: Checkpoint, stack: Stack, env: NodeJS.ProcessEnv): void {
    if (process.env.STATE_SIZE_FIELDS) {
        for (const r of c.resources) {
            const sizes = Object.fromEntries(
                Object.entries(r).flatMap(([k, v]) =>
                    v && typeof v === "object" && (k === "inputs" || k === "outputs")
                        ? Object.entries(v).map(([kk, vv]) => [`${k}.${kk}`, JSON.stringify(vv).length])
                        : [[k, JSON.stringify(v).length]],
                ),
            );
            console.error(kind, r.type, JSON.stringify(r).length, JSON.stringify(sizes));
        }
    }
    const prefix = process.env.STATE_SIZE_DUMP;
    if (prefix) {
        fs.writeFileSync(`${prefix}.${kind}.json`, JSON.stringify(c.resources, null, 1));
        const pulumi = path.join(toolchainBin(), "pulumi");
        fs.writeFileSync(
            `${prefix}.${kind}.shown.json`,
            execFileSync(pulumi, ["stack", "export", "--show-secrets", "--stack", stack.name], { cwd: projectRoot, env: { ...process.env, ...env } }),
        );
    }
}

/**
 * The resources as a no-op must leave them: by URN (the engine writes them in the order they
 * registered, which parallel registrations vary), each secret's ciphertext masked (the engine
 * encrypts a secret again, with a new nonce, whenever it writes the snapshot: same length, other
 * bytes; the plaintexts are compared by the e2e suites, with stack export --show-secrets).
 */
const comparable = (c: Checkpoint) =>
    JSON.stringify(
        [...c.resources].sort((a, b) => String(a.urn).localeCompare(String(b.urn))),
        (_k, v) => (v && typeof v === "object" && typeof v.ciphertext === "string" ? { ...v, ciphertext: `(${v.ciphertext.length} characters)` } : v),
    );

const byType = (c: Checkpoint) => c.resources.reduce<Record<string, number>>((m, r) => ({ ...m, [r.type]: (m[r.type] ?? 0) + JSON.stringify(r).length }), {});

/** Bytes per target: how much the checkpoint grows from 1 target to n, per target added; by resource type too. */
function perTarget(one: Checkpoint, many: Checkpoint, n: number) {
    const a = byType(one);
    const b = byType(many);
    return {
        checkpointBytes: { 1: one.bytes, [n]: many.bytes },
        bytesPerTarget: Math.round((many.bytes - one.bytes) / (n - 1)),
        bytesPerTargetByType: Object.fromEntries(Object.keys(b).map((t) => [t, Math.round((b[t] - (a[t] ?? 0)) / (n - 1))])),
    };
}

async function ssh(n: number, seed: string, noops: number): Promise<Run> {
    const fleet = await startFleet(
        Array.from({ length: n }, (_, i) => `s${i}`),
        { seed },
    );
    try {
        return await run(
            "ssh",
            fleet.hosts.map((h) => h.target),
            noops,
        );
    } finally {
        fleet.stop();
    }
}

async function local(n: number): Promise<Run> {
    // Under root's home as the program e2e does it (os.tmpdir() would do too); Codex from the test cache on PATH.
    const homes = Array.from({ length: n }, () => fs.mkdtempSync(path.join(os.homedir(), ".state-size-")));
    try {
        return await run(
            "local",
            homes.map((h, i) => ({ name: `l${i}`, kind: "local", codexHome: h })),
            0,
        );
    } finally {
        for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
    }
}

async function main() {
    const n = Number(process.argv[2] ?? 5);
    if (!(n >= 2)) throw new Error("N: 2 or more targets");
    const seed = npmSeed([codexVersion]);
    const sshOne = await ssh(1, seed, 0);
    const sshMany = await ssh(n, seed, 3);
    const onlySsh = process.env.STATE_SIZE_ONLY === "ssh";
    const localOne = onlySsh ? undefined : await local(1);
    const localMany = onlySsh ? undefined : await local(n);
    const same = (c: Checkpoint) => comparable(c) === comparable(sshMany.first);
    if (process.env.STATE_SIZE_DUMP)
        fs.writeFileSync(
            `${process.env.STATE_SIZE_DUMP}.noop.json`,
            JSON.stringify({ first: sshMany.first.resources, noop: sshMany.noop.map((c) => c.resources) }, null, 1),
        );
    console.log(
        JSON.stringify({
            n,
            ssh: {
                ...perTarget(sshOne.first, sshMany.first, n),
                // The whole checkpoint of the N hosts after the first up, then after the 1st and 3rd no-op
                // up (its manifest's time is RFC 3339 with trailing zeros cut: a byte or two either way).
                noopUps: {
                    checkpointBytes: { 0: sshMany.first.bytes, 1: sshMany.noop[0].bytes, 3: sshMany.noop[2].bytes },
                    resourcesUnchanged: sshMany.noop.every(same),
                },
            },
            ...(localOne && localMany ? { local: perTarget(localOne.first, localMany.first, n) } : {}),
        }),
    );
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
