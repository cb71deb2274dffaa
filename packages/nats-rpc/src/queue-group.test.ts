
import { GatewayError, type NatsNames } from "@clawdbot/protocol";
import { describe, expect, test } from "vitest";
import { RpcClient } from "./client.js";
import { RegistryView } from "./registry-view.js";
import { RpcServer } from "./server.js";
import { silent, uniqueNames, useBus, waitFor } from "./bus.fixture.js";

const { newConnection, cleanups } = useBus();

/** One service replica on its own connection, counting the calls it handles. */
async function replica(names: NatsNames, service: string, label: string) {
  const rpc = new RpcServer({ nc: await newConnection(), names, service, version: "0.0.1", log: silent });
  const counter = { handled: 0 };
  rpc.register("test.who", {
    handler: () => {
      counter.handled++;
      return { label, instanceId: rpc.instanceId };
    },
  });
  await rpc.start();
  cleanups.push(() => rpc.stop());
  return { rpc, counter };
}

async function client(names: NatsNames): Promise<RpcClient> {
  const c = new RpcClient({ nc: await newConnection(), names });
  cleanups.push(() => c.close());
  return c;
}

describe("queue group - replicas of one service share the calls", () => {
  test("two replicas both get some of 50 calls, and each call is handled once", async () => {
    const names = uniqueNames();
    const a = await replica(names, "svc", "a");
    const b = await replica(names, "svc", "b");
    const c = await client(names);
    const results = (await Promise.all(
      Array.from({ length: 50 }, (_, i) => c.call("test.who", {}, { requestId: `q-${i}` })),
    )) as { label: string; instanceId: string }[];

    expect(results).toHaveLength(50);
    expect(a.counter.handled + b.counter.handled).toBe(50);
    expect(a.counter.handled).toBeGreaterThan(0);
    expect(b.counter.handled).toBeGreaterThan(0);
    // What each caller got matches who handled it.
    expect(results.filter((r) => r.label === "a")).toHaveLength(a.counter.handled);
    expect(new Set(results.map((r) => r.instanceId))).toEqual(new Set([a.rpc.instanceId, b.rpc.instanceId]));
  });

  test("the queue group is the service name: a different service gets its own copy of each call", async () => {
    const names = uniqueNames();
    const one = await replica(names, "svc-one", "one");
    const other = await replica(names, "svc-other", "other");
    const c = await client(names);
    await c.call("test.who", {}, { requestId: "dup" });
    await waitFor("both services to see the call", () => one.counter.handled === 1 && other.counter.handled === 1);
    expect(c.pendingCount).toBe(0);
  });
});

describe("queue group - prefixes isolate deployments on one server", () => {
  test("calls under one prefix never reach servers of another", async () => {
    const namesA = uniqueNames();
    const namesB = uniqueNames();
    const a = await replica(namesA, "svc", "A");
    const clientA = await client(namesA);
    const clientB = await client(namesB);

    // Only prefix A has a server: a call under B finds no responders, at once.
    const error = await clientB.call("test.who", {}, { requestId: "b-1" }, 20_000).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("UNAVAILABLE");
    expect((error as GatewayError).retryable).toBe(true);
    expect(a.counter.handled).toBe(0);

    // Same service name and method under B: each prefix's calls stay with its own server.
    const b = await replica(namesB, "svc", "B");
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => clientA.call("test.who", {}, { requestId: `a-${i}` })),
      ...Array.from({ length: 20 }, (_, i) => clientB.call("test.who", {}, { requestId: `b-${i}` })),
    ]);
    expect(answers.slice(0, 20).every((r) => (r as { label: string }).label === "A")).toBe(true);
    expect(answers.slice(20).every((r) => (r as { label: string }).label === "B")).toBe(true);
    expect([a.counter.handled, b.counter.handled]).toEqual([20, 20]);
  });

  test("each prefix has its own registry bucket", async () => {
    const namesA = uniqueNames();
    const namesB = uniqueNames();
    const a = await replica(namesA, "svc", "A");
    const viewA = new RegistryView({ nc: await newConnection(), names: namesA, log: silent });
    const viewB = new RegistryView({ nc: await newConnection(), names: namesB, log: silent });
    await viewA.start();
    await viewB.start();
    cleanups.push(() => viewA.stop(), () => viewB.stop());
    await waitFor("A's view to list the method", () => viewA.liveMethods().has("test.who"));
    expect(viewA.liveMethods().get("test.who")!.services).toEqual([a.rpc.instanceId]);
    expect(viewB.liveMethods().size).toBe(0);
    expect(viewB.announcedAccess("test.who")).toBeUndefined();
  });
});
