import { join } from "node:path";
import type { SessionsListResult } from "@clawdbot/protocol";
import type { MethodSpec } from "@clawdbot/nats-rpc";

export interface SessionsDeps {
  stateDir: string;
}

/**
 * The `sessions.*` family. The store is not built yet (the session-manager issue moves it to
 * JetStream KV); until then the list is truthfully empty, in the original's result shape.
 */
export function sessionsHandlers(deps: SessionsDeps): Record<string, MethodSpec> {
  const storePath = join(deps.stateDir, "agents", "main", "sessions", "sessions.json");
  return {
    "sessions.list": {
      handler: (): SessionsListResult => ({
        ts: Date.now(),
        path: storePath,
        count: 0,
        defaults: { modelProvider: null, model: null, contextTokens: null },
        sessions: [],
      }),
    },
  };
}
