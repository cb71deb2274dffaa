
import { ANNOUNCEMENT_MEMORY_MS, ANNOUNCEMENT_MISSED_BEATS, GatewayError, type NatsNames, ServiceAnnouncement } from "@clawdbot/protocol";
import { type KV, type NatsConnection } from "nats";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { openRegistryBucket } from "./announcer.js";
import { RpcClient } from "./client.js";
import { RegistryView } from "./registry-view.js";
import { RpcServer } from "./server.js";
import { silent, uniqueNames, useBus, waitFor } from "./bus.fixture.js";

// Heartbeats of a minute in most tests: anything the view learns within the 10 s polling
// deadlines below must then come from an immediate announcement, not from a periodic beat.
const SLOW_BEAT_MS = 60_000;

const { newConnection, cleanups } = useBus();

async function rpcServer(names: NatsNames, options: { service?: string; heartbeatMs?: number; nc?: NatsConnection } = {}) {
  const rpc = new RpcServer({
    nc: options.nc ?? (await newConnection()),
    names,
    service: options.service ?? "svc",
    version: "0.0.1",
    log: silent,
    heartbeatMs: options.heartbeatMs ?? SLOW_BEAT_MS,
  });
  cleanups.push(() => rpc.stop());
  return rpc;
}

async function registryView(names: NatsNames, log = silent): Promise<RegistryView> {
  const view = new RegistryView({ nc: await newConnection(), names, log });
  await view.start();
  cleanups.push(() => view.stop());
  return view;
}

async function rpcClient(names: NatsNames): Promise<RpcClient> {
  const client = new RpcClient({ nc: await newConnection(), names });
  cleanups.push(() => client.close());
  return client;
}

async function bucket(names: NatsNames): Promise<KV> {
  return openRegistryBucket(await newConnection(), names);
}

async function readAnnouncement(kv: KV, key: string): Promise<ServiceAnnouncement | undefined> {
  const entry = await kv.get(key);
  return entry && entry.operation === "PUT" ? ServiceAnnouncement.parse(entry.json()) : undefined;
}

async function callError(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe("registry - what a started server announces", () => {
  test("an empty bucket loads at once, with nothing live", async () => {
    const view = await registryView(uniqueNames());
    expect(view.loaded).toBe(true);
    expect(view.liveMethods().size).toBe(0);
    expect(view.liveInstances()).toEqual([]);
  });

  test("each method with its access: given, from the protocol's table, or admin for unlisted names", async () => {
    const names = uniqueNames();
    const rpc = await rpcServer(names, { service: "sessions" });
    rpc
      .register("sessions.list", { handler: () => null })
      .register("chat.send", { handler: () => null })
      .register("test.custom", { handler: () => null })
      .register("test.readable", { access: "read", handler: () => null });
    await rpc.start();
    const view = await registryView(names);
    await waitFor("the announcement", () => view.liveMethods().size === 4);
    const live = view.liveMethods();
    expect(Object.fromEntries([...live].map(([name, m]) => [name, m.access]))).toEqual({
      "sessions.list": "read",
      "chat.send": "write",
      "test.custom": "admin",
      "test.readable": "read",
    });
    expect(live.get("sessions.list")!.services).toEqual([rpc.instanceId]);

    const [instance] = view.liveInstances();
    expect(instance).toMatchObject({ service: "sessions", instanceId: rpc.instanceId, version: "0.0.1", heartbeatMs: SLOW_BEAT_MS });
    expect(instance!.stopping).toBeUndefined();
  });

  test("two replicas of a method are both listed", async () => {
    const names = uniqueNames();
    const first = await rpcServer(names);
    const second = await rpcServer(names);
    first.register("test.shared", { handler: () => 1 });
    second.register("test.shared", { handler: () => 2 });
    await first.start();
    await second.start();
    const view = await registryView(names);
    await waitFor("both replicas", () => view.liveMethods().get("test.shared")?.services.length === 2);
    expect([...view.liveMethods().get("test.shared")!.services].sort()).toEqual([first.instanceId, second.instanceId].sort());
  });

  test("a malformed entry in the bucket is ignored and logged; a deleted entry disappears", async () => {
    const names = uniqueNames();
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const rpc = await rpcServer(names);
    rpc.register("test.ok", { handler: () => null });
    await rpc.start();
    const view = await registryView(names, log);
    const kv = await bucket(names);
    await kv.put("rogue.1", JSON.stringify({ service: "rogue", methods: "all of them" }));
    await waitFor("the malformed entry to be logged", () => lines.some((l) => l.msg === "ignoring malformed registry entry"));
    expect(lines.find((l) => l.msg === "ignoring malformed registry entry")).toMatchObject({ key: "rogue.1" });
    expect([...view.liveMethods().keys()]).toEqual(["test.ok"]);

    await kv.delete(`svc.${rpc.instanceId}`);
    await waitFor("the deleted entry to leave the view", () => view.liveMethods().size === 0);
    // Announced moments ago: still known (UNAVAILABLE, not "unknown method") for the registry's memory.
    expect(view.announcedAccess("test.ok")).toBe("admin");
    expect(view.announcedAccess("test.never")).toBeUndefined();
  });

  test("a method a running service unregisters is still remembered as announced", async () => {
    const names = uniqueNames();
    const rpc = await rpcServer(names);
    rpc.register("test.kept", { handler: () => null });
    rpc.register("test.dropped", { access: "write", handler: () => null });
    await rpc.start();
    const view = await registryView(names);
    await waitFor("both methods", () => view.liveMethods().has("test.dropped"));
    await rpc.unregister("test.dropped");
    await waitFor("the dropped method to leave the live list", () => !view.liveMethods().has("test.dropped"));
    expect(view.announcedAccess("test.dropped")).toBe("write");
    await rpc.stop();
  });
});

describe("registry - register and unregister while running", () => {
  test("register after start serves at once and re-announces without waiting for a heartbeat", async () => {
    const names = uniqueNames();
    const rpc = await rpcServer(names);
    rpc.register("test.first", { handler: () => "first" });
    await rpc.start();
    const view = await registryView(names);
    const client = await rpcClient(names);
    await waitFor("the first method", () => view.liveMethods().has("test.first"));

    rpc.register("test.second", { access: "write", handler: (params) => ({ second: params }) });
    await waitFor("the re-announcement", () => view.liveMethods().has("test.second"));
    expect(view.liveMethods().get("test.second")!.access).toBe("write");
    expect(view.liveMethods().has("test.first")).toBe(true);
    expect(await client.call("test.second", { x: 1 }, { requestId: "r" })).toEqual({ second: { x: 1 } });
  });

  test("registering a name twice is refused", async () => {
    const rpc = await rpcServer(uniqueNames());
    rpc.register("test.once", { handler: () => null });
    expect(() => rpc.register("test.once", { handler: () => null })).toThrow(/already registered/);
  });

  test("unregister stops serving and removes the method from the announcement", async () => {
    const names = uniqueNames();
    const rpc = await rpcServer(names);
    rpc.register("test.keep", { handler: () => "kept" }).register("test.drop", { handler: () => "dropped" });
    await rpc.start();
    const view = await registryView(names);
    const client = await rpcClient(names);
    await waitFor("both methods", () => view.liveMethods().has("test.keep") && view.liveMethods().has("test.drop"));
    expect(await client.call("test.drop", {}, { requestId: "r1" })).toBe("dropped");

    await rpc.unregister("test.drop");
    const error = await callError(client.call("test.drop", {}, { requestId: "r2" }, 20_000));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.kind).toBe("unavailable"); // no responders, not a timeout
    expect(error.retryable).toBe(true);
    await waitFor("the announcement to drop it", () => !view.liveMethods().has("test.drop"));
    expect(view.liveMethods().has("test.keep")).toBe(true);
    expect(await client.call("test.keep", {}, { requestId: "r3" })).toBe("kept");

    // Unregistering an unknown name is a no-op, and the name can be registered again.
    await expect(rpc.unregister("test.never")).resolves.toBeUndefined();
    rpc.register("test.drop", { handler: () => "back" });
    await waitFor("the method to come back", () => view.liveMethods().has("test.drop"));
    expect(await client.call("test.drop", {}, { requestId: "r4" })).toBe("back");
  });
});

describe("registry - leaving", () => {
  test("stop() marks the announcement stopping, and a view drops it at once", async () => {
    const names = uniqueNames();
    const rpc = await rpcServer(names, { service: "leaver" });
    rpc.register("test.leaving", { access: "read", handler: () => null });
    await rpc.start();
    const view = await registryView(names);
    const client = await rpcClient(names);
    await waitFor("the method", () => view.liveMethods().has("test.leaving"));

    await rpc.stop();
    // With a one-minute heartbeat, three missed beats take three minutes: only `stopping` can
    // make it leave within the polling deadline.
    await waitFor("the view to drop the stopped instance", () => !view.liveMethods().has("test.leaving"));
    expect(view.liveInstances()).toEqual([]);
    const stored = await readAnnouncement(await bucket(names), `leaver.${rpc.instanceId}`);
    expect(stored?.stopping).toBe(true);
    expect(stored?.methods).toEqual([{ name: "test.leaving", access: "read" }]);
    // Recently announced: still remembered, so the edge answers UNAVAILABLE, not "unknown method".
    expect(view.announcedAccess("test.leaving")).toBe("read");

    const error = await callError(client.call("test.leaving", {}, { requestId: "r" }, 20_000));
    expect([error.code, error.kind]).toEqual(["UNAVAILABLE", "unavailable"]);
  });

  test("a stopped server can unregister methods, and a restart serves and announces only what is left", async () => {
    const names = uniqueNames();
    const rpc = await rpcServer(names);
    rpc.register("test.stays", { handler: () => "stays" }).register("test.goes", { handler: () => "goes" });
    await rpc.start();
    const view = await registryView(names);
    const client = await rpcClient(names);
    await waitFor("both methods", () => view.liveMethods().size === 2);

    await rpc.stop();
    await expect(rpc.unregister("test.goes")).resolves.toBeUndefined();
    await rpc.start();
    await waitFor("the restarted instance", () => view.liveMethods().has("test.stays"));
    expect(view.liveMethods().has("test.goes")).toBe(false);
    expect(await client.call("test.stays", {}, { requestId: "r1" })).toBe("stays");
    const error = await callError(client.call("test.goes", {}, { requestId: "r2" }, 20_000));
    expect([error.code, error.kind]).toEqual(["UNAVAILABLE", "unavailable"]);
  });

  test("a server that dies without stop() drops out after 3 missed heartbeats, and is still remembered", async () => {
    const heartbeatMs = 200;
    const names = uniqueNames();
    const dyingNc = await newConnection();
    const rpc = await rpcServer(names, { service: "mortal", heartbeatMs, nc: dyingNc });
    rpc.register("test.mortal", { access: "write", handler: () => null });
    await rpc.start();
    const view = await registryView(names);
    const kv = await bucket(names);
    const key = `mortal.${rpc.instanceId}`;
    // Wait for a periodic beat (not only the first announcement), so the timer is known to run.
    const first = (await readAnnouncement(kv, key))!;
    await waitFor("a later heartbeat", async () => ((await readAnnouncement(kv, key))?.ts ?? 0) > first.ts);
    await waitFor("the method", () => view.liveMethods().has("test.mortal"));

    await dyingNc.close(); // the process "dies": no stop(), no stopping flag

    await waitFor("the dead instance to drop out", () => !view.liveMethods().has("test.mortal"));
    // The entry was never deleted or marked: the view judged by its timestamp.
    const last = (await readAnnouncement(kv, key))!;
    expect(last.stopping).toBeUndefined();
    const limit = last.ts + heartbeatMs * ANNOUNCEMENT_MISSED_BEATS;
    expect(view.liveMethods(limit).has("test.mortal")).toBe(true);
    expect(view.liveMethods(limit + 1).has("test.mortal")).toBe(false);
    // Still remembered for the registry's memory, then forgotten.
    expect(view.announcedAccess("test.mortal")).toBe("write");
    expect(view.announcedAccess("test.mortal", last.ts + ANNOUNCEMENT_MEMORY_MS)).toBe("write");
    expect(view.announcedAccess("test.mortal", last.ts + ANNOUNCEMENT_MEMORY_MS + 1)).toBeUndefined();
  });

  test("announcedAccess prefers a live announcement over a remembered one", async () => {
    const names = uniqueNames();
    const view = await registryView(names);
    const kv = await bucket(names);
    const now = Date.now();
    const base = { version: "1", startedAt: now - 1_000, heartbeatMs: 1_000 };
    await kv.put("old.1", JSON.stringify({ ...base, service: "old", instanceId: "1", ts: now - 60_000, methods: [{ name: "x.y", access: "admin" }] }));
    await kv.put("new.1", JSON.stringify({ ...base, service: "new", instanceId: "1", ts: now, methods: [{ name: "x.y", access: "read" }] }));
    await waitFor("both entries", () => view.announcedAccess("x.y", now) === "read");
    expect(view.announcedAccess("x.y", now)).toBe("read");
    expect(view.liveMethods(now).get("x.y")).toEqual({ access: "read", services: ["1"] });
  });
});
