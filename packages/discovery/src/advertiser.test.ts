import { createSocket } from "node:dgram";
import { loopbackMulticastProblem, testMdnsPort } from "@clawdbot/testkit";
import type { NetworkInterfaceInfo } from "node:os";
import { type Answer, decode, encode } from "dns-packet";
import { afterEach, describe, expect, test } from "vitest";
import { GatewayAdvertiser, type GatewayAdvertiserOptions } from "./advertiser.js";
import { browseMdns } from "./browser.js";
import { openMdnsSocket } from "./mdns-socket.js";
import { ttlOf } from "./records.js";

// Real multicast datagrams on the loopback interface, on a port of this file's own (not 5353),
// so nothing leaves the machine and nothing else on it is disturbed.
const port = testMdnsPort();
const problem = await loopbackMulticastProblem(port);
if (problem) console.warn(`skipping mDNS advertiser tests: ${problem}`);

const socket = { interface: "127.0.0.1", port };
const types = ["_clawdbot-gw._tcp", "_moltbot-gw._tcp"];
const running: GatewayAdvertiser[] = [];

function advertise(overrides: Partial<GatewayAdvertiserOptions> = {}): GatewayAdvertiser {
  const ad = GatewayAdvertiser.start({
    instanceName: "testhost (Clawdbot)",
    hostLabel: "testhost",
    port: 18789,
    txt: { role: "gateway", transport: "gateway", gatewayPort: "18789" },
    serviceTypes: types,
    socket,
    ...overrides,
  });
  running.push(ad);
  return ad;
}

/** Every mDNS response seen on the test port while it listens. */
async function listen(): Promise<{ responses: Answer[][]; close: () => Promise<void> }> {
  const mdns = openMdnsSocket(socket);
  const responses: Answer[][] = [];
  mdns.on("response", (packet) => responses.push([...packet.answers, ...packet.additionals]));
  mdns.on("warning", () => undefined);
  await new Promise<void>((resolve) => mdns.once("ready", () => resolve()));
  return { responses, close: () => new Promise((resolve) => mdns.destroy(() => resolve())) };
}

async function until<T>(fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((ad) => ad.stop()));
});

describe.skipIf(problem !== undefined)("GatewayAdvertiser on real multicast (loopback)", () => {
  test("announces, answers a browse with SRV, TXT and address, and says goodbye on stop", async () => {
    const ad = advertise({ port: 4321, txt: { role: "gateway", gatewayPort: "4321", displayName: "testhost" } });
    await expect(ad.ready).resolves.toBe("testhost (Clawdbot)");
    const beacons = await browseMdns({ timeoutMs: 800, socket, serviceTypes: types });
    expect(beacons).toEqual([
      expect.objectContaining({ instanceName: "testhost (Clawdbot)", domain: "local.", host: "testhost.local", port: 4321, gatewayPort: 4321, displayName: "testhost", role: "gateway" }),
      expect.objectContaining({ instanceName: "testhost (Clawdbot)", port: 4321 }),
    ]);

    const listener = await listen();
    await ad.stop();
    const goodbye = await until(() => listener.responses.find((rs) => rs.some((r) => r.type === "PTR" && ttlOf(r) === 0)));
    expect(goodbye.filter((r) => r.type !== "A" && r.type !== "AAAA").every((r) => ttlOf(r) === 0)).toBe(true);
    expect(goodbye.some((r) => r.type === "A")).toBe(false);
    await listener.close();
    expect(await browseMdns({ timeoutMs: 600, socket, serviceTypes: types })).toEqual([]);
  });

  test("a second gateway with the same name is renamed after probing; both are found", async () => {
    const first = advertise({ port: 1111 });
    await first.ready;
    const second = advertise({ port: 2222 });
    await expect(second.ready).resolves.toBe("testhost (Clawdbot) (2)");
    const beacons = await browseMdns({ timeoutMs: 800, socket, serviceTypes: [types[0]!] });
    expect(beacons.map((b) => [b.instanceName, b.port]).sort((x, y) => Number(x[1]) - Number(y[1]))).toEqual([
      ["testhost (Clawdbot)", 1111],
      ["testhost (Clawdbot) (2)", 2222],
    ]);
  });

  test("two gateways probing for one name at the same time end up with different names", async () => {
    const a = advertise({ port: 3001 });
    const b = advertise({ port: 3002 });
    const names = await Promise.all([a.ready, b.ready]);
    expect(new Set(names).size).toBe(2);
    expect(names).toContain("testhost (Clawdbot)");
  });

  test("re-announces when the host's addresses change", async () => {
    let table: NodeJS.Dict<NetworkInterfaceInfo[]> = { lo: [{ address: "127.0.0.1", family: "IPv4", internal: true, netmask: "255.0.0.0", mac: "00:00:00:00:00:00", cidr: "127.0.0.1/8" }] };
    const ad = advertise({ networkInterfaces: () => table, pollIntervalMs: 50 });
    await ad.ready;
    const listener = await listen();
    table = { lo: [...table.lo!, { address: "::1", family: "IPv6", internal: true, netmask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", mac: "00:00:00:00:00:00", cidr: "::1/128", scopeid: 0 }] };
    const announcement = await until(() => listener.responses.find((rs) => rs.some((r) => r.type === "AAAA")));
    expect(announcement.find((r) => r.type === "AAAA")).toMatchObject({ name: "testhost.local", data: "::1" });
    expect(announcement.some((r) => r.type === "SRV" && ttlOf(r) !== 0)).toBe(true);
    await listener.close();
  });

  test("update() announces the new TXT at once", async () => {
    const ad = advertise({ txt: { role: "gateway", tailnetDns: "old.ts.net" } });
    await ad.ready;
    const listener = await listen();
    ad.update({ txt: { role: "gateway", tailnetDns: "new.ts.net" } });
    const announcement = await until(() => listener.responses.find((rs) => rs.some((r) => r.type === "TXT" && String((r.data as Buffer[])[1]) === "tailnetDns=new.ts.net")));
    expect(announcement.some((r) => r.type === "PTR")).toBe(true);
    await listener.close();
  });

  test("a one-shot query from another port gets a unicast answer with its id (RFC 6762 §6.7)", async () => {
    const ad = advertise({ port: 5555 });
    await ad.ready;
    const querier = createSocket("udp4");
    await new Promise<void>((resolve) => querier.bind(0, "127.0.0.1", () => resolve()));
    querier.setMulticastInterface("127.0.0.1");
    const reply = new Promise<ReturnType<typeof decode>>((resolve) => querier.on("message", (m) => resolve(decode(m))));
    querier.send(encode({ type: "query", id: 4242, questions: [{ name: "_clawdbot-gw._tcp.local", type: "PTR" }] }), port, "224.0.0.251");
    const packet = await reply;
    querier.close();
    expect(packet.id).toBe(4242);
    expect(packet.answers?.[0]).toMatchObject({ type: "PTR", data: "testhost (Clawdbot)._clawdbot-gw._tcp.local", ttl: 10 });
    expect(packet.additionals?.find((r) => r.type === "SRV")).toMatchObject({ data: { port: 5555 } });
  });
});
