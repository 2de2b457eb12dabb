// What `npm run up` / `npm run down` print for a person at the end, after the engine's last line
// (Duration: ...), as the README shows it.

const afterEngine = (stdout: string) => stdout.slice(stdout.lastIndexOf("\nDuration: ")).split("\n");

/** The summary's lines: one per target, two spaces in. */
export const summaryOf = (stdout: string) => afterEngine(stdout).filter((l) => /^  \S/.test(l));

/** The verdict lines under a target (Codex's own: ready, or not ready and why). */
export const verdictOf = (stdout: string) => afterEngine(stdout).filter((l) => /^    (ready|not ready): /.test(l));
