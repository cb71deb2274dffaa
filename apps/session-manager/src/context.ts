import { join } from "node:path";
import type { NatsNames } from "@clawdbot/protocol";
import type { NatsConnection } from "nats";
import type { Logger } from "pino";
import type { ConfigSource } from "./app-config.js";
import type { RunEngine } from "./chat-runs.js";
import type { IdempotencyStore } from "./idempotency.js";
import type { AbortService } from "./run-abort.js";
import type { RunEvents } from "./run-events.js";
import type { RunRegistry } from "./run-registry.js";
import type { RunResults } from "./run-results.js";
import type { SessionStore } from "./session-store.js";
import type { RunSettings } from "./settings.js";
import type { TranscriptStore } from "./transcript-store.js";

/** Everything the handlers share; built once in main.ts. */
export interface AppContext {
  nc: NatsConnection;
  names: NatsNames;
  log: Logger;
  instanceId: string;
  stateDir: string;
  settings: RunSettings;
  config: ConfigSource;
  sessions: SessionStore;
  transcripts: TranscriptStore;
  registry: RunRegistry;
  dedupe: IdempotencyStore;
  results: RunResults;
  events: RunEvents;
  engine: RunEngine;
  aborts: AbortService;
}

/** Where the original keeps the default agent's store; reported as `path`, and the import/export default. */
export function storePath(stateDir: string, agentId = "main"): string {
  return join(stateDir, "agents", agentId, "sessions", "sessions.json");
}
