import { bootService } from "@clawdbot/runtime";
import { sessionsHandlers } from "./handlers/sessions.js";

await bootService({
  service: "session-manager",
  setup: ({ server, env }) => {
    server.registerAll(sessionsHandlers({ stateDir: env.stateDir }));
  },
});
