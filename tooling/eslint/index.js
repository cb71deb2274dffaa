// Shared flat config. Type-aware rules matter most here: a floating promise in a ws or NATS
// callback is a lost error, and a misused promise is a handler that never reports failure.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** @param {{ tsconfigRootDir: string, allowConsole?: boolean }} options */
export function config({ tsconfigRootDir, allowConsole = false }) {
  return tseslint.config(
    { ignores: ["dist/**", ".cache/**", "node_modules/**", "*.config.*"] },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
      languageOptions: {
        parserOptions: { projectService: true, tsconfigRootDir },
      },
      rules: {
        "@typescript-eslint/no-floating-promises": "error",
        "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
        "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
        "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        "@typescript-eslint/only-throw-error": "off",
        "@typescript-eslint/require-await": "off",
        "no-restricted-imports": [
          "error",
          { patterns: [{ group: ["../../packages/*", "../../../packages/*", "**/packages/*/src/*"], message: "Import the workspace package, not its files." }] },
        ],
        "no-console": allowConsole ? "off" : "error",
      },
    },
    {
      files: ["**/*.test.ts"],
      rules: {
        "@typescript-eslint/no-non-null-assertion": "off",
        "@typescript-eslint/no-explicit-any": "off",
        "@typescript-eslint/no-unsafe-assignment": "off",
        "@typescript-eslint/no-unsafe-member-access": "off",
        "@typescript-eslint/no-unsafe-argument": "off",
        "@typescript-eslint/no-unsafe-call": "off",
        "@typescript-eslint/no-unsafe-return": "off",
        "no-console": "off",
      },
    },
  );
}
