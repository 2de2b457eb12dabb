/** Unit tests and end-to-end tests share one runner; the e2e ones bring up real parts themselves. */
module.exports = {
    preset: "ts-jest",
    testEnvironment: "node",
    roots: ["<rootDir>"],
    testPathIgnorePatterns: ["/node_modules/", "/dist/"],
    testMatch: ["**/*.test.ts"],
    testTimeout: 600000,
    // What the selected suites need (system packages, dist/; none for tests/unit alone), and what a
    // killed earlier run left (test accounts, their sshd), before anything runs.
    globalSetup: "<rootDir>/tests/helpers/global-setup.js",
    // jest's order; it notes the selected suites for the global setup.
    testSequencer: "<rootDir>/tests/helpers/sequencer.js",
    // The default per-suite lines, then the list of suites this machine could not run (root, sshd).
    reporters: ["default", "<rootDir>/tests/helpers/skip-reporter.js"],
    // Compiled file by file, not type-checked (that took most of a unit run's time): npm run
    // typecheck and CI's typecheck step check the types, tests/ included.
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: { warnOnly: false }, tsconfig: { isolatedModules: true } }] },
};
