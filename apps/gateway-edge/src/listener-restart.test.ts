import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { CONFIG_KEYS, KvLease, openConfigBucket } from "@clawdbot/config";
import { natsNames } from "@clawdbot/protocol";
import { useNatsServer } from "@clawdbot/testkit";
import { pino } from "pino";
import { expect, test } from "vitest";
import type { Connection } from "./connection.js";
import { Broadcaster } from "./fanout.js";
import { ListenerRestarter } from "./listener-restart.js";
import type { ListenAddress } from "./live-config-settings.js";
import type { EdgeServer } from "./server.js";

// Two restarters on one real KV lease stand for two edges. The server is a stand-in that records
// what a restart does to it (the real one is exercised end to end in tests/src/config-edge.test.ts).

const nats = useNatsServer();
const names = natsNames(`t${randomBytes(3).toString("hex")}`);
const log = pino({ enabled: false });

interface Edge {
  restarter: ListenerRestarter;
  steps: string[];
  spans: { begin: number; end: number }[];
  sent: string[];
}

function edge(id: string, target: () => ListenAddress, closeMs = 50): Edge {
  const steps: string[] = [];
  const spans: { begin: number; end: number }[] = [];
  const sent: string[] = [];
  let listenedOn: ListenAddress = { port: 40000, bind: "127.0.0.1" };
  const server = {
    stopAccepting: () => {
      steps.push("stopAccepting");
      spans.push({ begin: Date.now(), end: Number.POSITIVE_INFINITY });
    },
    closeClients: async (code: number, reason: string) => {
      steps.push(`closeClients ${code} ${reason}`);
      await sleep(closeMs);
    },
    listen: async (address: ListenAddress): Promise<AddressInfo> => {
      steps.push(`listen ${address.bind}:${address.port}`);
      if (address.port === 1) throw new Error("EADDRINUSE");
      return { port: address.port, address: address.bind, family: "IPv4" };
    },
  } as unknown as EdgeServer;
  const client = {
    state: "open",
    role: "operator",
    scopes: ["operator.read"],
    bufferedAmount: 0,
    dialect: { name: "native", eventText: (event: string, payload: string | undefined) => `${event} ${payload}` },
    sendRaw: (text: string) => (sent.push(text), true),
  } as unknown as Connection;
  const restarter = new ListenerRestarter({
    server,
    broadcaster: new Broadcaster(new Map([["c", client]]), 1024),
    log,
    lease: async () => new KvLease({ kv: await openConfigBucket(nats.nc, names), key: CONFIG_KEYS.edgeRestart, owner: id, ttlMs: 30_000, waitMs: 30_000 }),
    current: () => listenedOn,
    target,
    onListening: (_address, requested) => {
      listenedOn = requested;
      spans[spans.length - 1]!.end = Date.now();
    },
    onListenLost: () => steps.push("lost"),
  });
  return { restarter, steps, spans, sent };
}

test("a restart: shutdown with restartExpectedMs, close 1012, listen at the target", async () => {
  const e = edge("solo", () => ({ port: 40001, bind: "0.0.0.0" }));
  await e.restarter.request(["gateway.bind"]);
  expect(e.steps).toEqual(["stopAccepting", "closeClients 1012 service restart", "listen 0.0.0.0:40001"]);
  expect(e.sent).toEqual(['shutdown {"reason":"config change","restartExpectedMs":2000}']);
});

test("requests coalesce while waiting for the turn; two edges never restart at once", async () => {
  const a = edge("edge-a", () => ({ port: 40000, bind: "127.0.0.1" }), 150);
  const b = edge("edge-b", () => ({ port: 40000, bind: "127.0.0.1" }), 150);
  const all = [a, b].flatMap((e) => [e.restarter.request(["gateway.port"]), e.restarter.request(["gateway.port"]), e.restarter.request(["plugins"])]);
  await Promise.all(all);
  expect(a.spans).toHaveLength(1);
  expect(b.spans).toHaveLength(1);
  const [first, second] = [a.spans[0]!, b.spans[0]!].sort((x, y) => x.begin - y.begin);
  expect(first!.end).toBeLessThanOrEqual(second!.begin);
});

test("a request during a restart gets one more restart after it", async () => {
  const e = edge("busy", () => ({ port: 40000, bind: "127.0.0.1" }), 150);
  const first = e.restarter.request(["gateway.port"]);
  while (e.spans.length === 0) await sleep(5);
  const again = e.restarter.request(["gateway.port"]);
  await Promise.all([first, again]);
  expect(e.spans).toHaveLength(2);
});

test("an unusable address falls back to the previous one", async () => {
  const e = edge("fallback", () => ({ port: 1, bind: "127.0.0.1" }));
  await e.restarter.request(["gateway.port"]);
  expect(e.steps.slice(-2)).toEqual(["listen 127.0.0.1:1", "listen 127.0.0.1:40000"]);
  expect(e.steps).not.toContain("lost");
});

test("after stop, a request does nothing", async () => {
  const e = edge("stopped", () => ({ port: 40000, bind: "127.0.0.1" }));
  await e.restarter.stop();
  await e.restarter.request(["gateway.port"]);
  expect(e.steps).toEqual([]);
});
