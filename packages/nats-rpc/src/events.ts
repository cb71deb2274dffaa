import type { NatsNames } from "@clawdbot/protocol";
import { headers, type MsgHdrs, type NatsConnection } from "nats";

/**
 * Events on the bus: the event name is the subject's tail (`<prefix>.evt.<event>`), the body is
 * the payload's JSON (empty for none), and delivery options travel in headers. Edges can then
 * frame an event without re-serialising its payload.
 */
export const EventHeaders = {
  dropIfSlow: "Gw-Drop-If-Slow",
  /** Names the event on a targeted (per-connection) subject, which has no event in it. */
  event: "Gw-Event",
} as const;

export interface PublishEventOptions {
  /** A slow client misses the event instead of being disconnected (spec §6.2). */
  dropIfSlow?: boolean;
}

const encoder = new TextEncoder();

function eventHeaders(options: PublishEventOptions, event?: string): MsgHdrs | undefined {
  if (!options.dropIfSlow && event === undefined) return undefined;
  const h = headers();
  if (options.dropIfSlow) h.set(EventHeaders.dropIfSlow, "1");
  if (event !== undefined) h.set(EventHeaders.event, event);
  return h;
}

function encodePayload(payload: unknown): Uint8Array {
  return payload === undefined ? new Uint8Array(0) : encoder.encode(JSON.stringify(payload));
}

/** Broadcasts an event to every eligible client on every edge. */
export function publishEvent(nc: NatsConnection, names: NatsNames, event: string, payload: unknown, options: PublishEventOptions = {}): void {
  const h = eventHeaders(options);
  nc.publish(names.event(event), encodePayload(payload), h ? { headers: h } : undefined);
}

/** Sends an event to one connection, through the edge that holds it. */
export function sendToConnection(
  nc: NatsConnection,
  names: NatsNames,
  target: { edgeId: string; connId: string },
  event: string,
  payload: unknown,
  options: PublishEventOptions = {},
): void {
  nc.publish(names.edge(target.edgeId, "conn", target.connId), encodePayload(payload), { headers: eventHeaders(options, event) });
}
