// What tests/e2e/any-language.test.ts needs around a Pulumi program in another language: the
// toolchain with the YAML and Go language hosts, this machine's Go settings for a run with another
// HOME, a checkout of this package as `pulumi package add` takes it, and `pulumi config set --secret`
// over stdin. (The command plugin that `pulumi package add` resolves
// for @pulumi/command is in every sandbox's plugin cache: tests/helpers/toolchain.ts.)
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { freshClone } from "./clone";
import { projectRoot } from "./toolchain";

let hostsBin: string | undefined;

/**
 * The toolchain's bin/ with pulumi-language-yaml and pulumi-language-go too (scripts/pulumi-toolchain.sh
 * --with-yaml --with-go; the first time about 2 min each).
 */
export function toolchainBinWithHosts(): string {
    if (!hostsBin) {
        const out = execFileSync(path.join(projectRoot, "scripts", "pulumi-toolchain.sh"), ["--with-yaml", "--with-go"], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
        });
        hostsBin = out.trim().split("\n").pop()!;
    }
    return hostsBin;
}

/**
 * This account's Go settings as variables (`go env`), for a Go program run with another HOME: without
 * them go would take its module and build caches from that HOME, empty, and download and compile the
 * Pulumi Go SDK again on every run (minutes); with them it shares the caches the toolchain's Go builds
 * filled (CI fills them the same way, through the module proxy).
 */
export function goEnv(): NodeJS.ProcessEnv {
    const keys = ["GOPATH", "GOMODCACHE", "GOCACHE", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOFLAGS"];
    const got = JSON.parse(execFileSync("go", ["env", "-json", ...keys], { encoding: "utf8" })) as Record<string, string>;
    // This machine's Go, never one that go would download because a go.mod asks for a newer one.
    return { ...Object.fromEntries(keys.filter((k) => got[k]).map((k) => [k, got[k]])), GOTOOLCHAIN: "local" };
}

/**
 * This package as a consumer's checkout holds it: every file git would commit (this working tree's),
 * its npm packages (copied from here: `pulumi package add` runs `npm install` in the package, which
 * then finds nothing to fetch) and its build (dist/, what the provider runs), copied too: jest's
 * global setup built it from these very files, so the package's prepare script finds it current.
 */
export function packageCheckout(dest: string): string {
    freshClone(dest);
    execFileSync("cp", ["-a", path.join(projectRoot, "node_modules"), path.join(projectRoot, "dist"), dest]);
    return dest;
}

/** `pulumi config set [--secret] KEY` in a program's directory, the value on stdin (never in an argument). */
export function setConfig(bin: string, env: NodeJS.ProcessEnv, cwd: string, stack: string, key: string, value: string, secret = false): void {
    execFileSync(path.join(bin, "pulumi"), ["config", "set", ...(secret ? ["--secret"] : []), key, "--stack", stack, "--non-interactive"], {
        cwd,
        env,
        input: value,
        stdio: ["pipe", "ignore", "inherit"],
    });
}

/** Every file under dir, recursively. */
export function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}
