// jest's own test sequencer, which also notes the suites this run selected, after every filter
// (paths, --shard, -o), so that the global setup (tests/helpers/global-setup.js) prepares only what
// they need: a run of tests/unit needs neither the build nor system packages. And on a machine with
// no timings of its own yet (a CI clone), the longest suites go first, so that jest's two workers
// (scripts/test.sh) end at about the same time instead of one starting a six-minute suite last.
const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;

/** Where the selected suites' paths are kept for the global setup, which runs next in this process. */
const SELECTED = Symbol.for("codex-connect-pulumi.selected-suites");

/** Seconds the slowest suites took in a CI rehearsal (.ci/run prints them); the others count as 0. */
const MEASURED = {
    "e2e/any-language": 354,
    "e2e/fleet": 256,
    "e2e/migration": 134,
    "e2e/readme-setup": 118,
    "e2e/devcontainer": 116,
    "e2e/program": 115,
    "e2e/fleet-command": 90,
    "e2e/hostile-hosts": 89,
    "e2e/readme-fleet": 83,
    "e2e/signin": 75,
    "e2e/components": 74,
};
const suiteName = (file) => path.relative(path.join(__dirname, ".."), file).replace(/\.test\.ts$/, "");

class SelectionSequencer extends Sequencer {
    /** jest's own timing of the suite's last run here (milliseconds), else the measured one. */
    time(test) {
        return super.time(test) ?? (MEASURED[suiteName(test.path)] ?? 0) * 1000;
    }

    sort(tests) {
        globalThis[SELECTED] = tests.map((t) => t.path);
        return super.sort(tests);
    }
}

module.exports = SelectionSequencer;
module.exports.SELECTED = SELECTED;
module.exports.MEASURED = MEASURED;
