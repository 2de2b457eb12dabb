// The dynamic provider that carries a target's desired state through the Pulumi engine.
//
// Why a dynamic provider and not @pulumi/command: the command plugin cannot be had on these
// machines (see README), and a dynamic provider gives us our own diff, so a drift token decides
// between "update" and "nothing to do" without the replace that command's triggers force.
//
// Pulumi serialises the provider object into the state. To keep that small and free of absolute
// paths and secrets, the object is a thin shim that loads the real implementation
// (dist/provider-impl.js, built from provider-impl.ts) from the project directory at run time.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { runnerSource } from "./runner-bundle";
import type { ResourceInputs, ResourceOutputs } from "./provider-impl";

const PROJECT_ROOT = path.resolve(__dirname, "..");
export const PROVIDER_IMPL = path.join(PROJECT_ROOT, "dist", "provider-impl.js");

/** Builds dist/provider-impl.js when the component sources changed since the last build. */
export function ensureProviderBuilt(): string {
    const dir = __dirname;
    const sources = fs.readdirSync(dir).filter((f) => f.endsWith(".ts")).sort();
    const hash = createHash("sha256");
    for (const f of sources) hash.update(f).update(fs.readFileSync(path.join(dir, f)));
    const stamp = `// codex-connect build ${hash.digest("hex").slice(0, 16)}\n`;
    if (fs.existsSync(PROVIDER_IMPL) && fs.readFileSync(PROVIDER_IMPL, "utf8").startsWith(stamp)) return PROVIDER_IMPL;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildSync } = require("esbuild") as typeof import("esbuild");
    const out = buildSync({
        entryPoints: [path.join(dir, "provider-impl.ts")],
        bundle: true,
        platform: "node",
        target: "node18",
        format: "cjs",
        external: ["ssh2", "esbuild"],
        define: { __RUNNER_SOURCE__: JSON.stringify(runnerSource()) },
        banner: { js: stamp },
        write: false,
        logLevel: "silent",
    });
    fs.mkdirSync(path.dirname(PROVIDER_IMPL), { recursive: true });
    const tmp = `${PROVIDER_IMPL}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out.outputFiles[0].text);
    fs.renameSync(tmp, PROVIDER_IMPL);
    return PROVIDER_IMPL;
}

/** Runs in the engine's dynamic-provider process, whose working directory is the program's. */
function load(): typeof import("./provider-impl") {
    const fs = require("fs");
    const p = require("path");
    try {
        return require(require.resolve("codex-connect-pulumi/dist/provider-impl.js", { paths: [process.cwd()] }));
    } catch {
        // not installed as a package: this project itself, from its root or a program inside it
    }
    // The nearest folder up that is this project, owned by this account or root: never a stranger's /tmp/dist.
    let root: string | undefined;
    for (let dir = process.cwd(); !root; dir = p.dirname(dir)) {
        try {
            const pkg = p.join(dir, "package.json");
            const uid = fs.statSync(pkg).uid;
            if (JSON.parse(fs.readFileSync(pkg, "utf8")).name === "codex-connect-pulumi" && (uid === process.getuid?.() || uid === 0)) root = dir;
        } catch {
            // no package.json here
        }
        if (dir === p.dirname(dir)) break;
    }
    if (!root) throw new Error(`codex-connect: the provider implementation was not found from ${process.cwd()}: install codex-connect-pulumi or run the program inside the project`);
    const impl = p.join(root, "dist", "provider-impl.js");
    // A fresh clone running `pulumi destroy` (which does not run the program) builds it here, once.
    // stdout belongs to the engine's protocol, so the build's output goes to stderr.
    if (!fs.existsSync(impl)) require("child_process").execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: ["ignore", 2, 2] });
    return require(impl);
}

export const targetProvider: pulumi.dynamic.ResourceProvider = {
    create: (inputs: ResourceInputs) => load().create(inputs),
    diff: (id: string, olds: ResourceOutputs, news: ResourceInputs) => load().diff(id, olds, news),
    update: (id: string, olds: ResourceOutputs, news: ResourceInputs) => load().update(id, olds, news),
    delete: (id: string, props: ResourceOutputs) => load().remove(id, props),
};

/** One target's desired state (an MCP entry, Codex, or both) as a resource. */
export class TargetState extends pulumi.dynamic.Resource {
    declare readonly report: pulumi.Output<ResourceOutputs["report"]>;
    declare readonly driftToken: pulumi.Output<string>;

    constructor(name: string, props: { target: pulumi.Input<unknown>; desired: pulumi.Input<unknown>; driftToken: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
        ensureProviderBuilt();
        super(
            targetProvider,
            name,
            { ...props, report: undefined },
            // The target holds the SSH key, the desired state holds the header: both secret in state.
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["target", "desired"] }),
            "codex-connect",
            "TargetState",
        );
    }
}
