// Suites that need root (test accounts, sshd): skipped, and said so, when npm test runs as another
// account; under CI=true a suite that would be skipped fails instead, so CI never passes by skipping.
import * as fs from "fs";
import { isRoot } from "./users";

/** The marker the skip reporter (tests/helpers/skip-reporter.js) looks for in suite titles. */
export const SKIP_MARK = "[skipped:";

/** `describe` when the machine can run the suite, else a skipped (or, under CI, failing) one saying why. */
export function suiteNeeding(needs: { root?: boolean; sshd?: boolean }): (title: string, fn: () => void) => void {
    const missing: string[] = [];
    if (needs.root && !isRoot()) missing.push("root (test accounts; run npm test as root)");
    if (needs.sshd && !fs.existsSync("/usr/sbin/sshd")) missing.push("/usr/sbin/sshd (apt-get install openssh-server)");
    if (!missing.length) return describe;
    const why = `needs ${missing.join(" and ")}`;
    if (process.env.CI === "true") {
        return (title) =>
            describe(title, () =>
                test(`cannot run: ${why}`, () => {
                    throw new Error(`CI=true and this suite ${why}: a skipped suite is a failure in CI`);
                }),
            );
    }
    return (title, fn) => describe.skip(`${title} ${SKIP_MARK} ${why}]`, fn);
}
