// npm run lint: ESLint with typescript-eslint's recommended rules on the sources, tests, benchmarks
// and scripts (prettier checks the formatting). The layout's import rules are a test of their own
// (tests/unit/layout.test.ts), with the message that says which folder may import which.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    // The Dev Container Feature's copy of the runner is the bundle, built (npm run build:feature).
    { ignores: ["dist/", "node_modules/", "**/sdks/", ".pulumi-state/", "coverage/", "features/src/codex-connect/codex-mcp-runner.js"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // CommonJS throughout: a require() is how this package loads what it needs late (ssh2 only for SSH) or untyped.
            "@typescript-eslint/no-require-imports": "off",
            // Control characters are matched on purpose: that is how what a target prints is escaped (shared/untrusted.ts).
            "no-control-regex": "off",
            // The tests match the README's aligned columns as they are written.
            "no-regex-spaces": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
        },
        languageOptions: {
            globals: {
                require: "readonly",
                module: "writable",
                process: "readonly",
                console: "readonly",
                __dirname: "readonly",
                __filename: "readonly",
                Buffer: "readonly",
                setTimeout: "readonly",
                clearTimeout: "readonly",
                setInterval: "readonly",
                clearInterval: "readonly",
                setImmediate: "readonly",
                URL: "readonly",
                globalThis: "readonly",
            },
        },
    },
    {
        // The product's code reads in short functions: one that grows past this is split where its steps are.
        files: ["components/**/*.ts", "fleet/**/*.ts", "index.ts", "scripts/**/*.ts"],
        rules: { "max-lines-per-function": ["error", { max: 50, skipBlankLines: true, skipComments: true }] },
    },
);
