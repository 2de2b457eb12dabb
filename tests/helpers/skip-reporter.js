// A jest reporter: after the run, lists every suite that was skipped because the machine lacks
// what it needs (root, sshd), loudly, so that a green run without them is not mistaken for a full one.
class SkipReporter {
    onRunComplete(_contexts, results) {
        const skipped = new Map();
        for (const file of results.testResults) {
            for (const t of file.testResults) {
                const title = t.ancestorTitles.find((a) => a.includes("[skipped:"));
                if (title) skipped.set(title, (skipped.get(title) ?? 0) + 1);
            }
        }
        if (!skipped.size) return;
        const lines = [...skipped].map(([title, n]) => `  - ${title} (${n} tests)`);
        process.stderr.write(`\n*** ${skipped.size} suite(s) did NOT run on this machine:\n${lines.join("\n")}\n\n`);
    }
}
module.exports = SkipReporter;
