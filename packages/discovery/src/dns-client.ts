import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import { type DecodedPacket, type Question, RECURSION_DESIRED, decode, encode } from "dns-packet";

export interface DnsServer {
  host: string;
  port: number;
}

/** `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353` → a server (port 53 when none). */
export function parseDnsServer(text: string): DnsServer {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : 53 };
  if (isIPv6(trimmed)) return { host: trimmed, port: 53 };
  const [host, port] = trimmed.split(":");
  return { host: host!, port: port ? Number(port) : 53 };
}

/**
 * One DNS question over UDP, the answer matched by id and source. Rejects on timeout, on a
 * socket error, or when the server answers with an error code other than NXDOMAIN (which is
 * just "no such record": an empty answer).
 */
export function dnsQuery(server: DnsServer, question: Question, timeoutMs: number): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(server.host) ? "udp6" : "udp4");
    const id = randomInt(1, 65_535);
    const finish = (err: Error | undefined, packet?: DecodedPacket) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(packet!);
    };
    const timer = setTimeout(() => finish(new Error(`no answer from ${server.host}:${server.port} within ${timeoutMs} ms`)), timeoutMs);
    socket.on("error", (err) => finish(err));
    socket.on("message", (message) => {
      let packet: DecodedPacket;
      try {
        packet = decode(message);
      } catch {
        return; // not DNS; keep waiting
      }
      if (packet.id !== id || packet.type !== "response") return;
      const rcode = (packet as { rcode?: string }).rcode;
      if (rcode && rcode !== "NOERROR" && rcode !== "NXDOMAIN") return finish(new Error(`${server.host}:${server.port} answered ${rcode}`));
      finish(undefined, packet);
    });
    const buf = encode({ type: "query", id, flags: RECURSION_DESIRED, questions: [question] });
    socket.send(buf, server.port, server.host, (err) => {
      if (err) finish(err);
    });
  });
}
