import { describe, expect, test } from "vitest";
import type { Answer } from "dns-packet";
import { ANY, ServiceRecords, rdataKey } from "./records.js";

const records = new ServiceRecords({
  instanceName: "studio (Clawdbot)",
  serviceTypes: ["_clawdbot-gw._tcp", "_moltbot-gw._tcp"],
  hostLabel: "studio",
  port: 18789,
  txt: { role: "gateway", gatewayPort: "18789" },
  addresses: { v4: ["192.168.1.5"], v6: ["fd00::5"] },
});

const summary = (rs: { type: string; name: string }[]) => rs.map((r) => `${r.type} ${r.name}`);
const data = (rs: Answer[]) => rs.map((r) => (r as { data?: unknown }).data);

describe("ServiceRecords", () => {
  test("a PTR question gets the instance, with SRV, TXT and addresses as additionals", () => {
    const { answers, additionals } = records.answer([{ name: "_clawdbot-gw._tcp.local", type: "PTR" }]);
    expect(answers).toEqual([{ name: "_clawdbot-gw._tcp.local", type: "PTR", class: "IN", ttl: 4500, data: "studio (Clawdbot)._clawdbot-gw._tcp.local" }]);
    expect(summary(additionals)).toEqual([
      "SRV studio (Clawdbot)._clawdbot-gw._tcp.local",
      "TXT studio (Clawdbot)._clawdbot-gw._tcp.local",
      "A studio.local",
      "AAAA studio.local",
    ]);
    expect(additionals[0]).toMatchObject({ flush: true, ttl: 120, data: { port: 18789, target: "studio.local" } });
    expect(additionals[1]).toMatchObject({ data: ["role=gateway", "gatewayPort=18789"] });
  });

  test("the later generations' service types answer too; names match without case", () => {
    const { answers } = records.answer([{ name: "_MOLTBOT-gw._tcp.local.", type: "PTR" }]);
    expect(data(answers)).toEqual(["studio (Clawdbot)._moltbot-gw._tcp.local"]);
    expect(records.answer([{ name: "_openclaw-gw._tcp.local", type: "PTR" }]).answers).toEqual([]);
  });

  test("ANY on the instance gives SRV and TXT; the host name gives its addresses; enumeration lists types", () => {
    expect(summary(records.answer([{ name: "studio (Clawdbot)._clawdbot-gw._tcp.local", type: ANY }]).answers)).toEqual([
      "SRV studio (Clawdbot)._clawdbot-gw._tcp.local",
      "TXT studio (Clawdbot)._clawdbot-gw._tcp.local",
    ]);
    expect(data(records.answer([{ name: "studio.local", type: "A" }]).answers)).toEqual(["192.168.1.5"]);
    expect(data(records.answer([{ name: "_services._dns-sd._udp.local", type: "PTR" }]).answers)).toEqual(["_clawdbot-gw._tcp.local", "_moltbot-gw._tcp.local"]);
  });

  test("known answers with at least half the TTL left are not repeated", () => {
    const [ptr] = records.answer([{ name: "_clawdbot-gw._tcp.local", type: "PTR" }]).answers;
    const q = [{ name: "_clawdbot-gw._tcp.local", type: "PTR" as const }];
    expect(records.answer(q, [{ ...ptr!, ttl: 4000 } as Answer]).answers).toEqual([]);
    expect(records.answer(q, [{ ...ptr!, ttl: 100 } as Answer]).answers).toHaveLength(1);
  });

  test("goodbyes carry TTL 0 for the service records and leave the shared host records alone", () => {
    const goodbyes = records.goodbyes();
    expect(goodbyes.every((g) => "ttl" in g && g.ttl === 0)).toBe(true);
    expect(new Set(goodbyes.map((g) => g.type))).toEqual(new Set(["PTR", "SRV", "TXT"]));
  });

  test("rdataKey orders SRV records by port the same way on every responder", () => {
    const srv = (port: number) => ({ name: "x", type: "SRV" as const, data: { port, target: "h.local" } });
    expect(rdataKey(srv(9000)) < rdataKey(srv(10000))).toBe(true);
    expect(rdataKey(srv(80))).toBe(rdataKey({ ...srv(80), data: { port: 80, target: "H.LOCAL.", priority: 0, weight: 0 } }));
  });
});
