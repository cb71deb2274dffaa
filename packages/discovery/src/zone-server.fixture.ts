import { type RemoteInfo, createSocket } from "node:dgram";
import { type Answer, decode, encode } from "dns-packet";

// A tiny authoritative DNS server for tests: serves the records of a zone file in the format
// writeWideAreaZone writes (not a general zone file parser), on 127.0.0.1 and a free port.

export interface ZoneServer {
  port: number;
  queries: string[];
  close(): Promise<void>;
}

export function parseZone(text: string): Answer[] {
  let origin = "";
  const records: Answer[] = [];
  const abs = (name: string) => (name === "@" ? origin : name.endsWith(".") ? name.slice(0, -1) : `${name}.${origin}`);
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith(";")) continue;
    if (line.startsWith("$ORIGIN")) {
      origin = line.split(/\s+/)[1]!.replace(/\.$/, "");
      continue;
    }
    if (line.startsWith("$")) continue;
    const match = /^(\S+)\s+IN\s+(\S+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`unparsed zone line: ${line}`);
    const [, name, type, data] = match as unknown as [string, string, string, string];
    const base = { name: abs(name), ttl: 60, class: "IN" as const };
    if (type === "A" || type === "AAAA") records.push({ ...base, type, data });
    else if (type === "PTR" || type === "NS") records.push({ ...base, type, data: abs(data) });
    else if (type === "SRV") {
      const [priority, weight, port, target] = data.split(/\s+/);
      records.push({ ...base, type, data: { priority: Number(priority), weight: Number(weight), port: Number(port), target: abs(target!) } });
    } else if (type === "TXT") {
      const strings = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, "$1"));
      records.push({ ...base, type, data: strings });
    }
  }
  return records;
}

export async function serveZone(zoneText: string): Promise<ZoneServer> {
  const records = parseZone(zoneText);
  const socket = createSocket("udp4");
  const queries: string[] = [];
  socket.on("message", (message: Buffer, rinfo: RemoteInfo) => {
    const query = decode(message);
    const q = query.questions?.[0];
    if (!q) return;
    queries.push(`${q.type} ${q.name}`);
    const answers = records.filter((r) => r.type === q.type && r.name.toLowerCase() === q.name.toLowerCase());
    const reply = encode({ type: "response", id: query.id ?? 0, flags: 1 << 10, questions: query.questions ?? [], answers });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
