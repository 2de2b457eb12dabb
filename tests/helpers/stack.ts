// A Pulumi stack in a sandbox of its own (tests/helpers/toolchain.ts: a file backend and a
// PULUMI_HOME under a temp directory), through the Automation API with the toolchain's CLI: what
// every end-to-end suite and the benchmark start from.
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { projectRoot, pulumiSandbox, toolchainBin } from "./toolchain";

export type PulumiSandbox = ReturnType<typeof pulumiSandbox>;

export interface SandboxStackOptions {
    /** The sandbox directory's prefix, and the stack's name with this process's pid after it. */
    name: string;
    /** The stack's name, when it is not `name` and the pid. */
    stackName?: string;
    /** The program's directory (default: the project's, the fleet program). */
    workDir?: string;
    /** The toolchain's bin/ (default: toolchainBin()); e.g. one that holds the YAML language host. */
    bin?: string;
    /** Directories on PATH after bin/ and before this process's PATH (the cached Codex, stand-ins). */
    path?: string[];
    /** More variables for the engine and the program (HOME for the local targets...). */
    env?: NodeJS.ProcessEnv;
    /** A sandbox that several stacks share (one backend); it stays when this stack is removed. */
    sandbox?: PulumiSandbox;
}

export interface SandboxStack {
    stack: Stack;
    /** The environment the engine runs with: the sandbox's, `env`, and bin/ then `path` first on PATH. */
    env: NodeJS.ProcessEnv;
    /** Its state/ (the file backend) and home/ (PULUMI_HOME). */
    sandbox: PulumiSandbox;
    /** Removes the stack (forced), its Pulumi.<stack>.yaml, and the sandbox unless it was given. */
    remove(): Promise<void>;
}

/** The engine's environment in a sandbox (what sandboxStack gives the workspace). */
export function sandboxEnv(sandbox: PulumiSandbox, opts: Pick<SandboxStackOptions, "bin" | "path" | "env"> = {}): NodeJS.ProcessEnv {
    const bin = opts.bin ?? toolchainBin();
    return { ...sandbox.env, ...opts.env, PATH: [bin, ...(opts.path ?? []), process.env.PATH].join(":") };
}

export async function sandboxStack(opts: SandboxStackOptions): Promise<SandboxStack> {
    const workDir = opts.workDir ?? projectRoot;
    const bin = opts.bin ?? toolchainBin();
    const sandbox = opts.sandbox ?? pulumiSandbox(`${opts.name.replace(/-+$/, "")}-pulumi-`);
    const env = sandboxEnv(sandbox, { ...opts, bin });
    const ws = await LocalWorkspace.create({
        workDir,
        pulumiCommand: await PulumiCommand.get({ root: path.dirname(bin) }),
        pulumiHome: sandbox.env.PULUMI_HOME,
        envVars: env as Record<string, string>,
    });
    let stack: Stack;
    try {
        stack = await Stack.create(opts.stackName ?? `${opts.name}${process.pid}`, ws);
    } catch (e) {
        if (!opts.sandbox) fs.rmSync(sandbox.dir, { recursive: true, force: true });
        throw e;
    }
    const remove = async () => {
        await ws.removeStack(stack.name, { force: true }).catch(() => undefined);
        fs.rmSync(path.join(workDir, `Pulumi.${stack.name}.yaml`), { force: true });
        if (!opts.sandbox) fs.rmSync(sandbox.dir, { recursive: true, force: true });
    };
    return { stack, env, sandbox, remove };
}
