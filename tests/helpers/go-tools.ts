// The validators of tests/tools/examples.test.ts (scripts/go-tools.sh: actionlint, kubeconform and
// Kubernetes' OpenAPI document, pinned, from the Go module proxy, cached) and shellcheck (a system
// package, scripts/system-packages.sh). Missing ones fail the suite with the command to run.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "./toolchain";

export interface GoTools {
    actionlint: string;
    kubeconform: string;
    /** api/openapi-spec/swagger.json of k8s.io/kubernetes. */
    kubernetesOpenapi: string;
}

let cached: GoTools | undefined;

/** Installs the tools the first time (about a minute and a half with empty Go caches), then only finds them. */
export function goTools(): GoTools {
    if (!cached) {
        let out: string;
        try {
            out = execFileSync(path.join(projectRoot, "scripts", "go-tools.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        } catch {
            throw new Error(
                "scripts/go-tools.sh could not install actionlint and kubeconform (its messages are above); run it to see why: scripts/go-tools.sh",
            );
        }
        const found = new Map(
            out
                .trim()
                .split("\n")
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        const at = (name: string) => {
            const p = found.get(name);
            if (!p || !fs.existsSync(p)) throw new Error(`scripts/go-tools.sh printed no ${name}=PATH of a file that exists (it printed: ${out.trim()})`);
            return p;
        };
        cached = { actionlint: at("actionlint"), kubeconform: at("kubeconform"), kubernetesOpenapi: at("kubernetes-openapi") };
    }
    return cached;
}

/** shellcheck, which actionlint runs on every `run:` script when given its path. */
export function shellcheckPath(): string {
    try {
        return execFileSync("sh", ["-c", "command -v shellcheck"], { encoding: "utf8" }).trim();
    } catch {
        throw new Error(
            "shellcheck is not installed (actionlint checks the workflow's run: scripts with it): as root, scripts/system-packages.sh installs it; as another account, run: sudo apt-get install -y shellcheck",
        );
    }
}
