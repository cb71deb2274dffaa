import type { Admitted } from "./handshake.js";
import type { PresenceEntry } from "@clawdbot/protocol";

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * The presence entry of a new connection, as the original builds it (spec §3.4): none for CLI
 * clients, keyed by device id, else instance id, else connection id.
 */
export function connectionPresence(admitted: Admitted, connId: string, remoteAddress: string): { key: string; entry: PresenceEntry } | undefined {
  const { client, device } = admitted.params;
  if (client.mode === "cli") return undefined;
  const instanceId = device?.id ?? client.instanceId;
  const entry: PresenceEntry = {
    host: client.displayName ?? client.id,
    version: client.version,
    platform: client.platform,
    mode: client.mode,
    roles: [admitted.role],
    scopes: admitted.scopes,
    reason: "connect",
    ts: Date.now(),
  };
  if (remoteAddress && !LOOPBACK.test(remoteAddress)) entry.ip = remoteAddress;
  if (client.deviceFamily) entry.deviceFamily = client.deviceFamily;
  if (client.modelIdentifier) entry.modelIdentifier = client.modelIdentifier;
  if (device) entry.deviceId = device.id;
  if (instanceId) entry.instanceId = instanceId;
  return { key: device?.id ?? client.instanceId ?? connId, entry };
}
