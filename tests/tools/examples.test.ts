// examples/github-actions and examples/kubernetes-operator, checked offline by the real tools of
// their ecosystems: actionlint (with shellcheck on every run: script) for the workflow, kubeconform
// for the manifests, strictly, against JSON schemas that scripts/k8s-schemas.js makes from the
// Pulumi Kubernetes Operator's vendored CRDs and from Kubernetes' own OpenAPI document. Then what
// the tools cannot know: secrets only in a step's environment or a Secret, pinned actions, one
// concurrency group per stack, the shards complete, the operator's one CEL rule. Every check is
// also shown refusing a broken copy of the file it checks.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { goTools, GoTools, shellcheckPath } from "../helpers/go-tools";
import { projectRoot } from "../helpers/toolchain";

// The YAML parser that @pulumi/pulumi depends on; scripts/k8s-schemas.js reads the CRDs with it too.
const yaml: { load(text: string): unknown; loadAll(text: string): unknown[] } = require("js-yaml");

const ghDir = path.join(projectRoot, "examples", "github-actions");
const k8sDir = path.join(projectRoot, "examples", "kubernetes-operator");
const workflowFile = path.join(ghDir, "codex-fleet.yml");
const manifestFiles = ["rbac.yaml", "stacks.yaml"].map((f) => path.join(k8sDir, f));
const vendor = process.env.CODEX_CONNECT_VENDOR_SRC ?? path.join(projectRoot, "..", "shared", "vendor-src");
const crds = path.join(vendor, "pulumi-kubernetes-operator-v2.9.0-crds");
const pulumiVersion: string = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")).devDependencies["@pulumi/pulumi"];

const work = fs.mkdtempSync(path.join(os.tmpdir(), "examples-"));
const schemas = path.join(work, "schemas");
let tools: GoTools;
let shellcheck: string;
let celRules: string[];

beforeAll(() => {
    tools = goTools();
    shellcheck = shellcheckPath();
    if (!fs.existsSync(crds)) throw new Error(`the operator's CRDs are not at ${crds} (set CODEX_CONNECT_VENDOR_SRC to the vendor-src folder)`);
    const r = spawnSync(
        process.execPath,
        [path.join(projectRoot, "scripts", "k8s-schemas.js"), "--openapi", tools.kubernetesOpenapi, "--crds", crds, "--out", schemas],
        { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`scripts/k8s-schemas.js failed: ${r.stderr}`);
    celRules = r.stderr
        .split("\n")
        .filter((l) => l.includes("not checked (CEL)"))
        .map((l) => l.replace(/^.*not checked \(CEL\): /, ""));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A copy of `text` with `from` (which must occur) replaced by `to`, once or everywhere. */
function broken(text: string, from: string | RegExp, to: string, all = false): string {
    const hits = typeof from === "string" ? text.split(from).length - 1 : (text.match(new RegExp(from, "g")) ?? []).length;
    if (!hits) throw new Error(`the example no longer holds ${String(from)}: update this negative check`);
    return all && typeof from === "string" ? text.split(from).join(to) : text.replace(from, to);
}

/** `text` written under `name` in a folder of its own (the tools print file names). */
function writeCopy(name: string, text: string): string {
    const dir = fs.mkdtempSync(path.join(work, "copy-"));
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
}

describe("examples/github-actions/codex-fleet.yml", () => {
    const text = fs.readFileSync(workflowFile, "utf8");

    function actionlint(file: string) {
        // -pyflakes= : no Python step, and no result that depends on whether pyflakes is installed.
        const r = spawnSync(
            tools.actionlint,
            ["-no-color", "-config-file", path.join(ghDir, "actionlint.yaml"), "-shellcheck", shellcheck, "-pyflakes=", file],
            { encoding: "utf8" },
        );
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    }

    test("actionlint (and shellcheck on every run: script) finds nothing", () => {
        expect(actionlint(workflowFile)).toEqual({ status: 0, out: "" });
    });

    test.each([
        [
            "a matrix property that does not exist",
            (t: string) => broken(t, "${{ matrix.shard }}/16", "${{ matrix.shrd }}/16"),
            /property "shrd" is not defined/,
        ],
        [
            "a repository variable that actionlint.yaml does not list",
            (t: string) => broken(t, "vars.CODEX_FLEET_AWS_ROLE", "vars.CODEX_FLEET_AWS_ROEL"),
            /undefined configuration variable "codex_fleet_aws_roel"/,
        ],
        ["an impossible cron schedule", (t: string) => broken(t, '"17 5 * * *"', '"17 25 * * *"'), /invalid CRON format "17 25 \* \* \*"/],
        ["an unknown permission scope", (t: string) => broken(t, "id-token: write  #", "id-tokens: write  #"), /unknown permission scope "id-tokens"/],
        [
            "cancel-in-progress that is not a boolean",
            (t: string) => broken(t, "cancel-in-progress: false", "cancel-in-progress: no-way"),
            /expecting a single \$\{\{\.\.\.\}\} expression or boolean literal/,
        ],
        [
            "a secret unquoted in a shell step (shellcheck)",
            (t: string) => broken(t, `printf '%s' "$CONNECT_AI_PAT"`, "printf '%s' $CONNECT_AI_PAT"),
            /shellcheck reported issue in this script: SC2086/,
        ],
        [
            "a workflow_dispatch input that is not declared",
            (t: string) => broken(t, "!inputs.drift-check", "!inputs.drift-chek"),
            /property "drift-chek" is not defined/,
        ],
    ])("actionlint refuses a copy with %s", (_what, mutate, message) => {
        const r = actionlint(writeCopy("codex-fleet.yml", mutate(text)));
        expect(r.status).toBe(1);
        expect(r.out).toMatch(message);
    });

    type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
    type Job = {
        if?: string;
        permissions?: Record<string, string>;
        concurrency?: { group: string; "cancel-in-progress": boolean };
        strategy?: { matrix: { shard: number[] } };
        env?: Record<string, string>;
        steps: Step[];
    };
    type Workflow = { on: { schedule?: { cron: string }[] }; permissions?: unknown; env: Record<string, string>; jobs: Record<string, Job> };

    /** What actionlint does not check: where secrets go, pins, concurrency, the shards, the two operations. */
    function workflowProblems(source: string): string[] {
        const problems: string[] = [];
        const wf = yaml.load(source) as Workflow;
        // Pins: the comment is lost in parsing, so on the text.
        for (const line of source.split("\n").filter((l) => /^\s*(- )?uses:/.test(l))) {
            if (!/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(line))
                problems.push(`not pinned to a commit with its release in a comment: ${line.trim()}`);
        }
        // A secret's only place is the env of a step.
        const walk = (node: unknown, at: string): void => {
            if (typeof node === "string") {
                if (node.includes("secrets.") && !/^jobs\.[\w-]+\.steps\[\d+\]\.env\.[A-Z_]+$/.test(at)) problems.push(`a secret outside a step's env: ${at}`);
            } else if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}[${i}]`));
            else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) walk(v, at ? `${at}.${k}` : k);
        };
        walk(wf, "");
        if (JSON.stringify(wf.permissions) !== "{}") problems.push(`the workflow's permissions are not {}: ${JSON.stringify(wf.permissions)}`);
        if (wf.env.PULUMI_VERSION !== pulumiVersion)
            problems.push(`PULUMI_VERSION ${wf.env.PULUMI_VERSION} is not package.json's @pulumi/pulumi ${pulumiVersion}`);
        const groups = new Set<string>();
        for (const [name, job] of Object.entries(wf.jobs)) {
            for (const [scope, level] of Object.entries(job.permissions ?? {})) {
                if (!((scope === "contents" && level === "read") || (scope === "id-token" && level === "write")))
                    problems.push(`${name}: permission ${scope}: ${level}`);
            }
            const shards = job.strategy?.matrix.shard ?? [];
            if (JSON.stringify(shards) !== JSON.stringify(shards.map((_, i) => i)) || shards.length < 2)
                problems.push(`${name}: the shards are not 0..N-1: ${JSON.stringify(shards)}`);
            if (!job.concurrency?.group.includes("${{ matrix.shard }}") || job.concurrency["cancel-in-progress"] !== false)
                problems.push(`${name}: no concurrency group per shard that never cancels a running update`);
            else groups.add(job.concurrency.group);
            const runs = job.steps.map((s) => s.run ?? "").join("\n");
            if (!runs.includes(`pulumi config set shard "\${{ matrix.shard }}/${shards.length}"`))
                problems.push(`${name}: the shard is not set as "\${{ matrix.shard }}/${shards.length}"`);
            for (const line of runs.split("\n").filter((l) => l.includes("config set --secret"))) {
                if (!/^\s*printf '%s' "\$[A-Z_]+" \| pulumi config set --secret [A-Za-z]+$/.test(line))
                    problems.push(`${name}: a secret not set from stdin: ${line.trim()}`);
            }
        }
        if (groups.size !== 1) problems.push(`the jobs do not share one concurrency group per shard: ${[...groups].join(", ")}`);
        const pulumiStep = (job: string) => wf.jobs[job]?.steps.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command);
        const up = pulumiStep("up"),
            drift = pulumiStep("drift");
        if (up?.with?.command !== "up") problems.push("the up job runs no pulumi up");
        if (drift?.with?.command !== "preview" || drift.with["expect-no-changes"] !== true)
            problems.push("the drift job runs no pulumi preview --expect-no-changes");
        if (!wf.on.schedule?.[0]?.cron || !wf.jobs.drift?.if?.includes("schedule")) problems.push("the drift job is not scheduled");
        return problems;
    }

    test("secrets only in a step's env and into pulumi on stdin, pinned actions, one never-cancelled concurrency group per shard, up and a scheduled preview --expect-no-changes", () => {
        expect(workflowProblems(text)).toEqual([]);
    });

    test.each([
        [
            "a secret interpolated into a run: script, as an argument",
            (t: string) =>
                broken(t, `printf '%s' "$CONNECT_AI_PAT" | pulumi config set --secret pat`, 'pulumi config set --secret pat "${{ secrets.CONNECT_AI_PAT }}"'),
            [/a secret outside a step's env: jobs\.up\.steps\[\d\]\.run/, /up: a secret not set from stdin: pulumi config set --secret pat "\$\{\{ secrets/],
        ],
        [
            "the passphrase in the job's env (every step would see it)",
            (t: string) =>
                broken(
                    t,
                    "      STACK: fleet-shard-${{ matrix.shard }}\n",
                    "      STACK: fleet-shard-${{ matrix.shard }}\n      PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}\n",
                ),
            [/a secret outside a step's env: jobs\.up\.env\.PULUMI_CONFIG_PASSPHRASE/],
        ],
        [
            "an action pinned to a tag",
            (t: string) => broken(t, "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@v7"),
            [/not pinned to a commit .*: - uses: actions\/checkout@v7/],
        ],
        [
            "a drift check that may cancel an update",
            (t: string) => broken(t, "cancel-in-progress: false", "cancel-in-progress: true"),
            [/up: no concurrency group per shard/],
        ],
        ["a write permission", (t: string) => broken(t, "contents: read   # the checkout", "contents: write"), [/up: permission contents: write/]],
        [
            "a shard count that is not the matrix's",
            (t: string) => broken(t, "${{ matrix.shard }}/16", "${{ matrix.shard }}/8"),
            [/up: the shard is not set as/],
        ],
        [
            "a preview without --expect-no-changes",
            (t: string) => broken(t, "expect-no-changes: true", "expect-no-changes: false"),
            [/the drift job runs no pulumi preview --expect-no-changes/],
        ],
    ])("refuses a copy with %s", (_what, mutate, messages) => {
        const problems = workflowProblems(mutate(text)).join("\n");
        for (const m of messages) expect(problems).toMatch(m);
    });
});

describe("examples/kubernetes-operator", () => {
    function kubeconform(files: string[]) {
        const r = spawnSync(
            tools.kubeconform,
            ["-strict", "-summary", "-verbose", "-output", "json", "-schema-location", `${schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`, ...files],
            { encoding: "utf8" },
        );
        const report = JSON.parse(r.stdout) as { resources: { filename: string; kind: string; name: string; status: string; msg: string }[] };
        return { status: r.status, resources: report.resources };
    }

    test("kubeconform -strict: every resource valid against the operator's CRDs and Kubernetes' core schemas, none skipped", () => {
        const r = kubeconform(manifestFiles);
        const kinds = r.resources.map((x) => `${x.kind} ${x.name}: ${x.status}${x.msg ? ` (${x.msg})` : ""}`).sort();
        expect(kinds).toEqual([
            "ClusterRoleBinding codex-fleet:system:auth-delegator: statusValid",
            "Namespace codex-fleet: statusValid",
            "ServiceAccount codex-fleet: statusValid",
            ...[0, 1, 2, 3].map((i) => `Stack codex-fleet-shard-${i}: statusValid`),
        ]);
        expect(r.status).toBe(0);
    });

    const stacks = fs.readFileSync(manifestFiles[1], "utf8");
    const rbac = fs.readFileSync(manifestFiles[0], "utf8");
    test.each([
        [
            "a number as a string",
            "stacks.yaml",
            (t: string) => broken(t, "resyncFrequencySeconds: 3600", 'resyncFrequencySeconds: "3600"'),
            "statusInvalid",
            /\/spec\/resyncFrequencySeconds': got string, want integer/,
        ],
        [
            "a misspelled Stack field (strict: the CRD lists them)",
            "stacks.yaml",
            (t: string) => broken(t, "  envRefs:", "  envRef:"),
            "statusInvalid",
            /at '\/spec': additional properties 'envRef' not allowed/,
        ],
        [
            "an envRefs entry without its required type",
            "stacks.yaml",
            (t: string) => broken(t, "    PULUMI_CONFIG_PASSPHRASE:\n      type: Secret\n", "    PULUMI_CONFIG_PASSPHRASE:\n"),
            "statusInvalid",
            /\/spec\/envRefs\/PULUMI_CONFIG_PASSPHRASE': missing property 'type'/,
        ],
        [
            "a value outside the CRD's enum",
            "stacks.yaml",
            (t: string) => broken(t, "  shallow: true\n", "  shallow: true\n  workspaceReclaimPolicy: Keep\n"),
            "statusInvalid",
            /value must be one of 'Retain', 'Delete'/,
        ],
        [
            "a misspelled metadata field (ObjectMeta from Kubernetes' schema)",
            "stacks.yaml",
            (t: string) => broken(t, "  name: codex-fleet-shard-0\n", "  nmae: codex-fleet-shard-0\n"),
            "statusInvalid",
            /at '\/metadata': additional properties 'nmae' not allowed/,
        ],
        [
            "an API version the operator does not serve",
            "stacks.yaml",
            (t: string) => broken(t, "apiVersion: pulumi.com/v1", "apiVersion: pulumi.com/v2"),
            "statusError",
            /could not find schema for Stack/,
        ],
        [
            "a ClusterRoleBinding without its roleRef (core schema)",
            "rbac.yaml",
            (t: string) => broken(t, /roleRef:\n(  .*\n)+/, ""),
            "statusInvalid",
            /missing property 'roleRef'/,
        ],
        [
            "a misspelled ServiceAccount field",
            "rbac.yaml",
            (t: string) => broken(t, "  annotations:", "  anotations:"),
            "statusInvalid",
            /at '\/metadata': additional properties 'anotations' not allowed/,
        ],
    ])("kubeconform refuses a copy with %s", (_what, file, mutate, status, message) => {
        const r = kubeconform([writeCopy(file, mutate(file === "stacks.yaml" ? stacks : rbac))]);
        expect(r.status).toBe(1);
        const refused = r.resources.filter((x) => x.status !== "statusValid");
        expect(refused).toHaveLength(1);
        expect(refused[0].status).toBe(status);
        expect(refused[0].msg).toMatch(message);
    });

    type Ref = { type: string; secret?: { name: string; key: string } };
    type Doc = {
        apiVersion: string;
        kind: string;
        metadata: { name: string; namespace?: string };
        roleRef?: { kind: string; name: string };
        subjects?: { kind: string; name: string; namespace: string }[];
        spec?: Record<string, unknown>;
    };
    const readme = fs.readFileSync(path.join(k8sDir, "README.md"), "utf8");

    /** What kubeconform does not check: the RBAC the operator needs, credentials by reference, shards, drift, the CEL rule. */
    function manifestProblems(rbacText: string, stacksText: string): string[] {
        const problems: string[] = [];
        const docs = [...yaml.loadAll(rbacText), ...yaml.loadAll(stacksText)] as Doc[];
        const of = (kind: string) => docs.filter((d) => d.kind === kind);
        // The Secret the README's kubectl line makes, and its keys.
        const secret = /create secret generic ([\w-]+)/.exec(readme)?.[1];
        const keys = [...readme.matchAll(/--from-file=(\w+)=/g)].map((m) => m[1]).sort();
        const used = new Set<string>();
        const stackList = of("Stack");
        for (const s of stackList) {
            const spec = s.spec as {
                serviceAccountName: string;
                stack: string;
                config: Record<string, unknown>;
                envRefs: Record<string, Ref>;
                secretsRef: Record<string, Ref>;
                continueResyncOnCommitMatch?: boolean;
                resyncFrequencySeconds?: number;
                workspaceTemplate: { spec: { image: string } };
            };
            const name = s.metadata.name;
            const sa = of("ServiceAccount").find((a) => a.metadata.name === spec.serviceAccountName && a.metadata.namespace === s.metadata.namespace);
            const bound = of("ClusterRoleBinding").some(
                (b) =>
                    b.roleRef?.kind === "ClusterRole" &&
                    b.roleRef.name === "system:auth-delegator" &&
                    b.subjects?.some((x) => x.kind === "ServiceAccount" && x.name === sa?.metadata.name && x.namespace === sa?.metadata.namespace),
            );
            if (!sa || !bound)
                problems.push(`${name}: its ServiceAccount ${spec.serviceAccountName} is not in ${s.metadata.namespace} with system:auth-delegator`);
            for (const [key, ref] of [...Object.entries(spec.envRefs ?? {}), ...Object.entries(spec.secretsRef ?? {})]) {
                if (ref.type !== "Secret" || !ref.secret || ref.secret.name !== secret) problems.push(`${name}: ${key} is not taken from the Secret ${secret}`);
                else used.add(ref.secret.key);
            }
            if (!spec.envRefs?.PULUMI_CONFIG_PASSPHRASE || !spec.secretsRef?.pat) problems.push(`${name}: no passphrase or pat from the Secret`);
            const shard = /^(\d+)\/(\d+)$/.exec(String(spec.config?.shard));
            if (!shard || Number(shard[2]) !== stackList.length || spec.stack !== `fleet-shard-${shard[1]}` || name !== `codex-fleet-shard-${shard[1]}`)
                problems.push(`${name}: shard ${spec.config?.shard} is not its stack's (${spec.stack}) of ${stackList.length}`);
            if (spec.continueResyncOnCommitMatch !== true || !(Number(spec.resyncFrequencySeconds) >= 60))
                problems.push(`${name}: no periodic re-run (the drift check)`);
            if (spec.workspaceTemplate?.spec.image !== `pulumi/pulumi:${pulumiVersion}-nonroot`)
                problems.push(`${name}: the image is not Pulumi ${pulumiVersion}'s: ${spec.workspaceTemplate?.spec.image}`);
            // The CRD's one CEL rule (kubeconform evaluates none; the next assertion pins the list).
            if (name.length > 42) problems.push(`${name}: a Stack name has at most 42 characters`);
        }
        const shards = stackList.map((s) => String((s.spec as { config: { shard: string } }).config.shard)).sort();
        if (new Set(shards).size !== stackList.length) problems.push(`the shards repeat: ${shards.join(", ")}`);
        if ([...used].sort().join() !== keys.join())
            problems.push(`the Stacks use the keys ${[...used].sort().join(", ")} of ${secret}; the README's kubectl line makes ${keys.join(", ")}`);
        return problems;
    }

    test("the CRDs' CEL rules, which kubeconform does not evaluate, are the one this test checks itself", () => {
        expect(celRules).toEqual(["Stack v1: . size(self.metadata.name) <= 42"]);
    });

    test("the operator's RBAC for each Stack, every credential from the Secret the README makes, the shards complete, an hourly re-run, Pulumi's pinned image", () => {
        expect(manifestProblems(rbac, stacks)).toEqual([]);
    });

    test.each([
        [
            "the PAT as a literal in the Stack",
            (t: string) =>
                broken(
                    t,
                    "    pat:\n      type: Secret\n      secret:\n        name: codex-fleet-credentials\n        key: pat\n",
                    "    pat:\n      type: Literal\n      literal:\n        value: not-a-real-pat\n",
                ),
            /codex-fleet-shard-0: pat is not taken from the Secret codex-fleet-credentials/,
        ],
        [
            "a name longer than the CRD's rule allows",
            (t: string) => broken(t, "  name: codex-fleet-shard-0\n", `  name: codex-fleet-shard-0-${"x".repeat(30)}\n`),
            /a Stack name has at most 42 characters/,
        ],
        ["a shard twice", (t: string) => broken(t, 'shard: "1/4"', 'shard: "0/4"'), /shard 0\/4 is not its stack's \(fleet-shard-1\)/],
        [
            "no drift check",
            (t: string) => broken(t, "continueResyncOnCommitMatch: true", "continueResyncOnCommitMatch: false"),
            /codex-fleet-shard-0: no periodic re-run/,
        ],
        [
            "a key the Secret does not have",
            (t: string) => broken(t, "key: openaiApiKey", "key: openai-api-key"),
            /use the keys .*openai-api-key.* the README's kubectl line makes/,
        ],
    ])("refuses a copy with %s, which kubeconform takes", (_what, mutate, message) => {
        const text = mutate(stacks);
        expect(manifestProblems(rbac, text).join("\n")).toMatch(message);
        // Why the check is the test's own: the schemas have no word against it.
        expect(kubeconform([writeCopy("stacks.yaml", text)]).status).toBe(0);
    });
});

test("scripts/go-tools.sh, cached: the pinned versions, found again without installing", () => {
    // Offline (GOPROXY=off): a part it had to install again would say so on stderr, or fail.
    const r = spawnSync(path.join(projectRoot, "scripts", "go-tools.sh"), { encoding: "utf8", env: { ...process.env, GOPROXY: "off" } });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toContain(`actionlint=${tools.actionlint}\n`);
    expect(execFileSync(tools.actionlint, ["-version"], { encoding: "utf8" }).split("\n")[0]).toBe("v1.7.12");
    expect(tools.kubeconform).toMatch(/kubeconform-v0\.8\.0\/kubeconform$/);
    expect(tools.kubernetesOpenapi).toMatch(/kubernetes-openapi-v1\.37\.2\/swagger\.json$/);
});
