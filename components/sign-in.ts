// Codex's sign-in on the Pulumi side: the credential a component asks for, kept secret, and what a
// target reported, in words.
import * as pulumi from "@pulumi/pulumi";
import { patProblem } from "./core/inputs";
import type { CodexArgs } from "./desired";
import type { SignInRequest, SignInState } from "./protocol/types";

const METHOD: Record<string, string> = { "api-key": "with an API key", "access-token": "with an access token", chatgpt: "with ChatGPT", other: "" };
export const describeMethod = (s: SignInState) => METHOD[s.method ?? "other"] ?? "";

/** Codex's sign-in in words, from the last update's report. */
export function describeSignIn(s: SignInState | undefined): string | undefined {
    if (!s) return undefined;
    const how = describeMethod(s);
    const unsure = s.status === "unknown" ? `; Codex could not confirm it: ${s.problem ?? "no answer"}` : "";
    if (s.status === "signed-out") return "not signed in: run `codex login --device-auth` on the target, or give the stack openaiApiKey or codexAccessToken";
    if (s.by === "this-stack") return `signed in ${how} by this stack${unsure}`;
    if (s.by === "before") return `signed in ${how}, the stack's credential, there before it (destroy leaves it)${unsure}`;
    if (s.by === "someone-else") return `signed in ${how} by someone else, kept (replaceExistingSignIn replaces it)${unsure}`;
    return `signed in ${how}${unsure}`.replace(/ +(;|$)/, "$1");
}

/** The sign-in a CodexArgs asks for, a secret whatever the caller passed; at most one credential. */
export function signInDesired(codex: CodexArgs | undefined, who: string, parent: pulumi.Resource): pulumi.Output<SignInRequest | undefined> {
    if (!codex) return pulumi.output(undefined);
    if (codex.openaiApiKey && codex.codexAccessToken) throw new Error(`${who}: codex: openaiApiKey and codexAccessToken: give one of them`);
    const secret = codex.openaiApiKey ?? codex.codexAccessToken;
    if (!secret) return pulumi.output(undefined);
    const kind = codex.openaiApiKey ? "api-key" : "access-token";
    const field = codex.openaiApiKey ? "openaiApiKey" : "codexAccessToken";
    return pulumi.secret(
        pulumi.all([secret, codex.replaceExistingSignIn]).apply(([value, replace]): SignInRequest => {
            const problem = patProblem(value);
            if (problem) throw new pulumi.ResourceError(`${who}: codex.${field}: ${problem.replace(/\bPAT\b/g, "credential")}`, parent, true);
            return { kind, secret: value, ...(replace ? { replace: true } : {}) };
        }),
    );
}
