import { defineConfig, mergeConfig } from "vitest/config";
import base from "@clawdbot/vitest-config";

// Each file starts its own nats-server and processes; running files one at a time keeps a
// 2-core machine from starving the processes under test.
export default mergeConfig(
  base,
  defineConfig({ test: { fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 } }),
);
