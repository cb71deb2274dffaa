import * as z from "zod";
import { PresenceEntry } from "./frames.js";

/** How long a disconnected or system-event entry stays listed (spec §6.3: 5 minutes). */
export const PRESENCE_TTL_MS = 5 * 60_000;
/** The presence list is capped, newest first (spec §6.3). */
export const PRESENCE_MAX_ENTRIES = 200;

/**
 * A presence entry as edges share it in JetStream KV. `live` entries belong to a connection and
 * are listed while their edge's beat is fresh; other entries (disconnects, system events) are
 * listed until `entry.ts` is older than the TTL.
 */
export const PresenceRecord = z.object({
  entry: PresenceEntry,
  edgeId: z.string().min(1),
  connId: z.string().min(1).optional(),
  live: z.boolean(),
});
export type PresenceRecord = z.infer<typeof PresenceRecord>;

/** An edge's heartbeat in the presence bucket: it makes the edge's own "self" entry too. */
export const EdgeBeat = z.object({
  edgeId: z.string().min(1),
  host: z.string().min(1),
  ip: z.string().min(1).optional(),
  version: z.string().min(1),
  startedAt: z.int().min(0),
  ts: z.int().min(0),
  beatMs: z.int().min(1),
  connections: z.int().min(0),
});
export type EdgeBeat = z.infer<typeof EdgeBeat>;
