import * as z from "zod";

// Event recovery (ARCHITECTURE §3): every broadcast event is numbered by its position in one
// event log that all edges read, so `seq` means the same thing on every edge and a client that
// reconnects anywhere can ask for what it missed.

/** The most events one `events.replay` sends; a longer gap is reported as gone (re-fetch state instead). */
export const EVENTS_REPLAY_MAX = 10_000;

export const EventsReplayParams = z.strictObject({
  /** The last `seq` the client received; events after it are sent again. */
  sinceSeq: z.int().min(0),
  /** At most this many events (default and ceiling EVENTS_REPLAY_MAX). */
  limit: z.int().min(1).max(EVENTS_REPLAY_MAX).optional(),
});
export type EventsReplayParams = z.infer<typeof EventsReplayParams>;

/**
 * Sent after the missed events themselves went out as ordinary event frames, in order. Events
 * this client may not see (scope guards) are skipped, so `replayed` can be less than the range.
 */
export const EventsReplayResult = z.object({
  /** First and last `seq` of the range replayed; `toSeq < fromSeq` when nothing was missed. */
  fromSeq: z.int().min(0),
  toSeq: z.int().min(0),
  replayed: z.int().min(0),
  /** The oldest `seq` the log still holds (the retention window's start); 0 when the log is empty. */
  oldestSeq: z.int().min(0),
});
export type EventsReplayResult = z.infer<typeof EventsReplayResult>;

/** `details` of an EVENTS_GONE error: what was asked for and what the log can still give. */
export const EventsGoneDetails = z.object({
  sinceSeq: z.int().min(0),
  oldestSeq: z.int().min(0),
  lastSeq: z.int().min(0),
});
export type EventsGoneDetails = z.infer<typeof EventsGoneDetails>;
