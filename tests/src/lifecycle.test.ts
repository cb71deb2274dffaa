import { type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

let nats: NatsServer;
let stack: Stack;

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_REGISTRY_HEARTBEAT_MS: "60000" } });
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

test("SIGTERM on a service: it drains, exits 0, and leaves new hello-ok lists at once", async () => {
  // A one-minute heartbeat: only the stop announcement can make the method disappear in time.
  const plugins = await stack.start("plugin-host");
  const { url } = await stack.startEdge();
  const methods = async () => {
    const { client, hello } = await RawClient.connect(url, { token: stack.token });
    client.close();
    return (hello.payload as { features: { methods: string[] } }).features.methods;
  };
  await waitFor(async () => (await methods()).includes("plugins.list"));
  expect(await plugins.stop()).toEqual({ code: 0, signal: null });
  await waitFor(async () => !(await methods()).includes("plugins.list"), { timeoutMs: 5_000 });
});

test("SIGTERM on an edge: clients get shutdown, then close 1012; the process exits 0", async () => {
  const { edge, url } = await stack.startEdge();
  const { client } = await RawClient.connect(url, { token: stack.token });
  const exited = edge.stop();
  const shutdown = await client.next((f) => f.event === "shutdown");
  expect(shutdown.payload).toEqual({ reason: "gateway stopping" });
  assertOriginalFrame(shutdown);
  expect(await client.closed).toEqual({ code: 1012, reason: "service restart" });
  expect(await exited).toEqual({ code: 0, signal: null });
});

test("an edge with no shared secret refuses to start, saying why", async () => {
  await expect(stack.startEdge({ CLAWDBOT_GATEWAY_TOKEN: "" })).rejects.toThrow(/CLAWDBOT_GATEWAY_TOKEN/);
});
