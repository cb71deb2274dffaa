import { bootService, resolveConfigPath } from "@clawdbot/runtime";
import { configHandlers } from "./handlers/config.js";

await bootService({
  service: "config-service",
  setup: ({ server, env, log }) => {
    const configPath = resolveConfigPath(env.stateDir, env.configPath);
    log.info({ configPath }, "config file");
    server.registerAll(configHandlers({ configPath }));
  },
});
