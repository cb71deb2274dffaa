import {
  EVENTS_REPLAY_MAX,
  type EventsGoneDetails,
  EventsReplayParams,
  type EventsReplayResult,
  GatewayError,
  PROTOCOL_V4,
  type StateVersion,
  formatParamsIssues,
} from "@clawdbot/protocol";
import type { EventLog } from "../event-log.js";
import type { Broadcaster } from "../fanout.js";
import type { LocalHandler } from "./system.js";

export interface EventDeps {
  eventLog: EventLog;
  broadcaster: Broadcaster;
  /** Subject prefix of broadcast events (`<prefix>.evt.`): the rest of the subject is the event name. */
  eventPrefix: string;
  /** The payload text of a stored event: undefined when empty, null when it is not JSON. */
  payloadOf: (msg: { data: Uint8Array; subject: string }, event: string) => string | undefined | null;
  /** The versions to put on a replayed `presence` or `health` event. */
  stateVersionAt: (event: string, logSeq: number) => StateVersion | undefined;
  /** Counts what a replay sent (metrics.ts). */
  observer?: { eventsReplayed(count: number): void };
}

function gone(message: string, details: EventsGoneDetails): GatewayError {
  return new GatewayError("EVENTS_GONE", `${message}: re-fetch state (health, system-presence, chat.history)`, { kind: "invalidRequest", details });
}

/**
 * `events.replay`: a client that reconnected (to any edge) asks for the broadcast events after
 * the last `seq` it saw, up to where its new connection opened (it got everything later live, so
 * nothing is sent twice). They go out as ordinary event frames with their original `seq`, in
 * order, before the answer; live events that arrive meanwhile wait and follow them. Called first
 * thing after hello-ok, only the events of that round trip can arrive ahead of the replay. What the
 * log no longer holds is an EVENTS_GONE error, never a silent partial replay.
 */
export function eventHandlers(deps: EventDeps): Record<string, LocalHandler> {
  return {
    "events.replay": async (params, conn): Promise<EventsReplayResult> => {
      if (conn.protocol === PROTOCOL_V4) {
        throw new GatewayError("INVALID_REQUEST", "events.replay follows protocol 3's shared seq; protocol 4 numbers events per connection", { kind: "invalidRequest" });
      }
      const parsed = EventsReplayParams.safeParse(params);
      if (!parsed.success) throw new GatewayError("INVALID_REQUEST", `invalid events.replay params: ${formatParamsIssues(parsed.error.issues)}`, { kind: "invalidParams" });
      const { sinceSeq } = parsed.data;
      const limit = parsed.data.limit ?? EVENTS_REPLAY_MAX;
      const { broadcaster, eventLog } = deps;
      broadcaster.hold(conn);
      try {
        // Everything after the position at which the connection opened reached it live (or is
        // held back until we are done), so the replay ends there and sends nothing twice.
        const toSeq = broadcaster.openedAt(conn);
        const fromSeq = sinceSeq + 1;
        const bounds = await eventLog.bounds();
        const details = { sinceSeq, oldestSeq: bounds.oldestSeq, lastSeq: Math.max(toSeq, bounds.lastSeq) };
        if (sinceSeq > details.lastSeq) throw gone(`seq ${sinceSeq} is ahead of the event log (last seq ${details.lastSeq}); the log was reset`, details);
        if (toSeq < fromSeq) return { fromSeq, toSeq, replayed: 0, oldestSeq: bounds.oldestSeq };
        if (toSeq - sinceSeq > limit) throw gone(`${toSeq - sinceSeq} events were missed, more than ${limit} replayed at once`, details);
        if (bounds.oldestSeq === 0 || fromSeq < bounds.oldestSeq) throw gone(`events after seq ${sinceSeq} are no longer kept (oldest is ${bounds.oldestSeq})`, details);
        const stored = await eventLog.read(fromSeq, toSeq);
        // The log drops its oldest events as it fills: a read that does not start at fromSeq, or
        // skips one, lost some of the range while it ran.
        const complete = stored.length === toSeq - sinceSeq && stored.every((msg, i) => msg.seq === fromSeq + i);
        if (!complete) throw gone(`events after seq ${sinceSeq} were dropped from the log during the replay`, details);
        let replayed = 0;
        for (const msg of stored) {
          const event = msg.subject.slice(deps.eventPrefix.length);
          const payload = deps.payloadOf(msg, event);
          if (payload === null || !event) continue;
          const text = broadcaster.replayText(conn, event, payload, msg.seq, deps.stateVersionAt(event, msg.seq));
          if (text !== null && broadcaster.sendReplayed(conn, text)) replayed++;
        }
        deps.observer?.eventsReplayed(replayed);
        return { fromSeq, toSeq, replayed, oldestSeq: bounds.oldestSeq };
      } finally {
        broadcaster.release(conn);
      }
    },
  };
}
