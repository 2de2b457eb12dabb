// jest's own test sequencer (the order is unchanged), which also notes the suites this run selected,
// after every filter (paths, --shard, -o), so that the global setup (tests/helpers/global-setup.js)
// prepares only what they need: a run of tests/unit needs neither the build nor system packages.
const Sequencer = require("@jest/test-sequencer").default;

/** Where the selected suites' paths are kept for the global setup, which runs next in this process. */
const SELECTED = Symbol.for("codex-connect-pulumi.selected-suites");

class SelectionSequencer extends Sequencer {
    sort(tests) {
        globalThis[SELECTED] = tests.map((t) => t.path);
        return super.sort(tests);
    }
}

module.exports = SelectionSequencer;
module.exports.SELECTED = SELECTED;
