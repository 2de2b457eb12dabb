// The CI log's account of a test run (jest --json): the totals, then the slowest suites and tests,
// which is where a shorter CI starts.
//   node scripts/test-times.js RESULTS.json [COUNT]
const fs = require("fs");

const r = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const count = Number(process.argv[3] ?? 10);
const rel = (p) => p.replace(process.cwd() + "/", "");
const seconds = (ms) => `${(ms / 1000).toFixed(1).padStart(7)} s`;

console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
const suites = r.testResults.map((s) => ({ name: rel(s.name), ms: s.endTime - s.startTime })).sort((a, b) => b.ms - a.ms);
console.log(`slowest suites (of ${suites.length}, ${seconds(suites.reduce((t, s) => t + s.ms, 0)).trim()} in all):`);
for (const s of suites.slice(0, count)) console.log(`${seconds(s.ms)}  ${s.name}`);
const tests = r.testResults
    .flatMap((s) => s.assertionResults.map((a) => ({ name: `${rel(s.name)}: ${a.title}`, ms: a.duration ?? 0 })))
    .sort((a, b) => b.ms - a.ms);
console.log("slowest tests:");
for (const t of tests.slice(0, count)) console.log(`${seconds(t.ms)}  ${t.name.length > 150 ? t.name.slice(0, 149) + "…" : t.name}`);
