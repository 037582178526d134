// @ts-check
// `npm run lint` (and .ci/run): eslint, then prettier --check.
//
// Type-aware: typescript-eslint's recommendedTypeChecked and @pulumi/eslint-plugin
// (whose rules ask the type checker whether a value is a pulumi.Output) read the
// program through tsconfig.json, so every linted .ts file must be in its "include".
// Formatting is prettier's alone: eslint-config-prettier comes last and turns off
// every rule that would disagree with it.
import eslint from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import prettier from "eslint-config-prettier/flat";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
    globalIgnores(["node_modules/", "bin/", ".lab-state/", ".ts-cache/"]),
    {
        // An eslint-disable comment that suppresses nothing fails the lint: each one
        // left in the code names a rule that really fires on that line.
        linterOptions: { reportUnusedDisableDirectives: "error" },
    },
    eslint.configs.recommended,
    tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: {
                projectService: true,
                tsconfigRootDir: import.meta.dirname,
            },
        },
        rules: {
            // tsconfig's noUnusedParameters/noUnusedLocals already allow a leading "_"
            // (a driver hook that ignores its parent, say); say the same here.
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
            ],
            // tsconfig's noFallthroughCasesInSwitch checks this, and exactly: eslint's
            // rule also reports empty cases that are grouped around a comment.
            "no-fallthrough": "off",
            // Errors rethrown from a catch here fold the cause's message into their own
            // text on purpose (tests assert the exact message); a `cause` would make Node
            // print the original error a second time when one reaches the top level.
            "preserve-caught-error": "off",
        },
    },
    {
        plugins: { "@pulumi": pulumi },
        rules: {
            // A pulumi.Output in a template literal renders as a warning text, not its
            // value: use pulumi.interpolate (or .apply).
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
        },
    },
    {
        // Tests poke at untyped data on purpose: raw stack configs edited as `any` to
        // make them invalid, state files and mock inputs read back from JSON. Every
        // `any` still has to be written out (no-explicit-any stays on); what is done
        // with it afterwards is not reported again at each use.
        // Fakes implement async interfaces with synchronous bodies (an `async` method
        // that throws rejects, as the real one would), so require-await is off too.
        files: ["tests/**/*.ts"],
        rules: {
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            "@typescript-eslint/require-await": "off",
        },
    },
    {
        // This file (and any other plain JavaScript): no tsconfig covers it.
        files: ["**/*.{js,mjs,cjs}"],
        extends: [tseslint.configs.disableTypeChecked],
        rules: {
            "@pulumi/no-output-in-template-literal": "off",
            "@pulumi/no-output-instance-in-template-literal": "off",
        },
    },
    {
        // runner/register.js, the TypeScript loader the CLIs run under: CommonJS for Node, as it
        // must load before any TypeScript can.
        files: ["runner/register.js"],
        languageOptions: { sourceType: "commonjs", globals: { require: "readonly", __dirname: "readonly", process: "readonly" } },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    prettier,
);
