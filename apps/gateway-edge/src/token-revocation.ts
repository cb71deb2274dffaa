import type { PairedDevice } from "@clawdbot/protocol";
import { type Connection, tokenDigest } from "./connection.js";

/**
 * A paired device changed somewhere (any edge): this edge's connections that authenticated with
 * that device's token are closed (1008) when the token is now revoked, rotated, or gone, so a
 * revocation takes effect on live sessions too, not only on the next connect.
 */
export function dropStaleDeviceSessions(clients: Iterable<Connection>, deviceId: string, device: PairedDevice | undefined): number {
  let dropped = 0;
  for (const conn of clients) {
    const session = conn.deviceSession;
    if (!session || session.deviceId !== deviceId || conn.state !== "open") continue;
    const token = device?.tokens?.[session.role];
    const reason =
      !token || token.revokedAtMs !== undefined ? "device token revoked" : tokenDigest(token.token) !== session.tokenDigest ? "device token rotated" : null;
    if (!reason) continue;
    conn.log.info({ deviceId, role: session.role, reason }, "closing a session whose device token no longer holds");
    conn.close(1008, reason);
    dropped++;
  }
  return dropped;
}
