import { type NatsServer, RawClient, startNatsServer } from "@clawdbot/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Stack } from "./stack.js";

let nats: NatsServer;
let a: Stack;
let b: Stack;

beforeAll(async () => {
  nats = await startNatsServer();
  a = new Stack({ natsUrl: nats.url, prefix: "checkoutA" });
  b = new Stack({ natsUrl: nats.url, prefix: "checkoutB" });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await nats?.stop();
});

test("two prefixes on one nats-server never answer each other's calls", async () => {
  await a.start("session-manager");
  await b.start("config-service");
  const edgeA = await a.startEdge();
  const edgeB = await b.startEdge();

  const clientA = (await RawClient.connect(edgeA.url, { token: a.token })).client;
  const clientB = (await RawClient.connect(edgeB.url, { token: b.token })).client;
  expect((await clientA.request("sessions.list", {})).ok).toBe(true);
  expect((await clientB.request("config.get", {})).ok).toBe(true);
  // Each edge sees only its own deployment's services.
  expect(await clientA.request("config.get", {})).toMatchObject({ ok: false, error: { code: "UNAVAILABLE" } });
  expect(await clientB.request("sessions.list", {})).toMatchObject({ ok: false, error: { code: "UNAVAILABLE" } });
  // And one deployment's token does not open the other's edge.
  const cross = await RawClient.connect(edgeA.url, { token: b.token });
  expect(cross.hello.ok).toBe(false);
  clientA.close();
  clientB.close();
});
