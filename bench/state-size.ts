// How many bytes of Pulumi state each target costs: the fleet program (basic auth) on 1 and on N
// real sshd hosts (the end-to-end harness), one `up` each; the checkpoint's size grows by the
// per-target cost, which `up` rewrites at every step. Prints one JSON line; docs/benchmarks.md
// quotes it.
//   node_modules/.bin/ts-node -T bench/state-size.ts [N]     (as root; npm run build first)
import * as fs from "fs";
import * as path from "path";
import { codexVersion } from "../tests/helpers/codex";
import { npmSeed, setSecretConfig, setTargetsConfig, startFleet } from "../tests/helpers/fleet";
import { sandboxStack } from "../tests/helpers/stack";

async function checkpointBytes(n: number, seed: string): Promise<{ bytes: number; perResource: Record<string, number> }> {
    const fleet = await startFleet(Array.from({ length: n }, (_, i) => `s${i}`), { seed });
    try {
        const { stack, sandbox, remove } = await sandboxStack({ name: `statesize${n}x` });
        try {
            await stack.setAllConfig({ auth: { value: "basic" }, email: { value: "bench@example.com" }, codexVersion: { value: codexVersion } });
            setSecretConfig(stack, sandbox.env, "pat", "PAT-state-size-1");
            await setTargetsConfig(stack, fleet.hosts.map((h) => h.target));
            await stack.up({ parallel: n });
            const dir = path.join(sandbox.dir, "state", ".pulumi", "stacks", "codex-connect");
            const file = path.join(dir, `${stack.name}.json`);
            const text = fs.readFileSync(file, "utf8");
            const perResource: Record<string, number> = {};
            for (const r of JSON.parse(text).checkpoint.latest.resources as Array<Record<string, unknown> & { type: string }>) {
                perResource[r.type] = (perResource[r.type] ?? 0) + JSON.stringify(r).length;
                // Where a resource's bytes go, field by field (inputs and outputs one level down).
                if (process.env.STATE_SIZE_FIELDS && n === 1) {
                    const sizes = Object.fromEntries(Object.entries(r).flatMap(([k, v]) => (v && typeof v === "object" && (k === "inputs" || k === "outputs") ? Object.entries(v).map(([kk, vv]) => [`${k}.${kk}`, JSON.stringify(vv).length]) : [[k, JSON.stringify(v).length]])));
                    console.error(r.type, JSON.stringify(sizes));
                }
            }
            return { bytes: Buffer.byteLength(text), perResource };
        } finally {
            await stack.destroy().catch(() => undefined);
            await remove();
        }
    } finally {
        fleet.stop();
    }
}

async function main() {
    const n = Number(process.argv[2] ?? 5);
    const seed = npmSeed([codexVersion]);
    const one = await checkpointBytes(1, seed);
    const many = await checkpointBytes(n, seed);
    const perTarget = Math.round((many.bytes - one.bytes) / (n - 1));
    const byType = Object.fromEntries(Object.keys(many.perResource).map((t) => [t, Math.round((many.perResource[t] - (one.perResource[t] ?? 0)) / (n - 1))]));
    console.log(JSON.stringify({ n, checkpointBytes: { 1: one.bytes, [n]: many.bytes }, bytesPerTarget: perTarget, bytesPerTargetByType: byType }));
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
