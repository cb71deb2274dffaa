import { bootService } from "@clawdbot/runtime";
import { pluginsHandlers } from "./handlers/plugins.js";

await bootService({
  service: "plugin-host",
  setup: ({ server }) => {
    server.registerAll(pluginsHandlers());
  },
});
