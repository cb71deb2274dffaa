// Shared vitest settings: resolve workspace packages to their TypeScript source (the
// "@clawdbot/source" export condition), so tests never need a build of their siblings.
import { defineConfig } from "vitest/config";

export const sourceConditions = ["@clawdbot/source"];

export default defineConfig({
  resolve: { conditions: [...sourceConditions, "module", "node", "import", "default"] },
  ssr: { resolve: { conditions: [...sourceConditions, "node", "import", "default"] } },
  test: {
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: ["src/**/*.test.ts"],
  },
});
