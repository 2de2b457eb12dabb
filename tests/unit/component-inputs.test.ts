// A secret PAT (an Output, its value known only inside it) is checked where it becomes known: the
// run fails with an error naming the component and the field, and the command never gets it. In a
// process of its own: such an error reaches the program as unhandled rejections, which is how the
// engine's language host sees it (and reports it once); jest would take them for its own failure.
// The program runs the sources (ts-node); the probe and the runner's path are stand-ins, as in
// tests/unit/components.test.ts: nothing of dist/ is needed, and nothing runs on a target.
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const PAT = "tok-5e4d3c2b1a09";

const program = (pat: string) => `
require("ts-node").register({ transpileOnly: true });
const pulumi = require("@pulumi/pulumi");
const errors = [];
const probes = [];
let timer;
process.on("unhandledRejection", (e) => {
    errors.push({ message: e.message, resourceError: pulumi.ResourceError.isInstance(e), hideStack: e.hideStack, stack: e.stack });
    timer = timer || setTimeout(done, 300);
});
const done = () => { process.stdout.write(JSON.stringify({ errors, probes })); process.exit(0); };
setTimeout(done, 20000);
pulumi.runtime.setMocks({ newResource: (a) => { console.error("REGISTERED " + a.type + " " + JSON.stringify(a.inputs)); return { id: a.name + "-id", state: a.inputs }; }, call: () => ({}) }, "p", "s", true);
require("./components/call-runner").callRunner = async (target, req) => { probes.push(req); throw new Error("no target in this test"); };
require("./components/protocol/launcher").distFile = (sub, file) => require("path").join("dist", sub, file);
const { ConnectAiCodex } = require("./components");
new ConnectAiCodex("web9", { target: { kind: "local", codexHome: "/nonexistent/codex-home" }, auth: "basic", email: pulumi.output("ada@example.com"), pat: pulumi.secret(${JSON.stringify(pat)}) });
`;

test("ConnectAiCodex: a secret PAT with CRLF fails the run by component and field; the PAT is nowhere", () => {
    const r = spawnSync(process.execPath, ["-e", program(`${PAT}\r\n`)], { cwd: ROOT, encoding: "utf8" });
    // (The exit status is the SDK's: it counts the promises the failed run left.)
    const { errors, probes }: { errors: Array<{ message: string; resourceError: boolean; hideStack: boolean }>; probes: unknown[] } = JSON.parse(r.stdout);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
        expect(e.message).toContain("ConnectAiCodex web9: pat: contains a control character (U+000D, CR, a carriage return) at position 17");
        // Shown by the engine without a stack trace, attached to the component.
        expect(e).toMatchObject({ resourceError: true, hideStack: true });
    }
    expect(r.stdout + r.stderr).not.toContain(PAT);
    // The command resource never got as far as the engine, nor the request to the target's probe.
    expect(r.stderr).not.toMatch(/REGISTERED command:/);
    expect(probes).toEqual([]);
});
