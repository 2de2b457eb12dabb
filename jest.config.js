/** Unit tests and end-to-end tests share one runner; the e2e ones bring up real parts themselves. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  testMatch: ["**/*.test.ts"],
  testTimeout: 600000,
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: { warnOnly: false } }] },
};
