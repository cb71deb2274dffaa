import { randomBytes } from "node:crypto";
import { useNatsServer } from "@clawdbot/testkit";
import type { KV } from "nats";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { KvMirror } from "./kv-mirror.js";

// The mirror's read barrier against a real nats-server: a burst of reads shares stream-state
// round trips, and every read still sees each write acknowledged before it began.

const log = pino({ level: "silent" });
const nats = useNatsServer();

/** The real bucket, with its `status()` calls counted (the round trip the barrier pays). */
async function countedBucket(): Promise<{ kv: KV; statusCalls: () => number }> {
  const kv = await nats.nc.jetstream().views.kv(`mirror_${randomBytes(4).toString("hex")}`);
  let calls = 0;
  const status = kv.status.bind(kv);
  kv.status = () => {
    calls++;
    return status();
  };
  return { kv, statusCalls: () => calls };
}

const decode = (e: { string(): string }) => e.string();

describe("KvMirror.synced - the read barrier", () => {
  test("200 concurrent reads share a few stream-state reads, and each sees the write before it", async () => {
    const { kv, statusCalls } = await countedBucket();
    const mirror = new KvMirror("t", kv, decode, log);
    await mirror.start();
    try {
      const reads = Array.from({ length: 200 }, async (_, i) => {
        // Each read begins right after its own write is acknowledged.
        await kv.put(`k${i}`, `v${i}`);
        await mirror.synced();
        return mirror.get(`k${i}`)?.value;
      });
      const seen = await Promise.all(reads);
      expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => `v${i}`));
      // One read per batch: far fewer than one per caller.
      expect(statusCalls()).toBeLessThan(100);
    } finally {
      mirror.stop();
    }
  });

  test("a read that starts after a batch was sent waits for the next one, not the stale answer", async () => {
    const { kv, statusCalls } = await countedBucket();
    const mirror = new KvMirror("t", kv, decode, log);
    await mirror.start();
    try {
      await kv.put("a", "1");
      const first = mirror.synced();
      // Written after the first read's stream-state request went out.
      await kv.put("b", "2");
      const second = mirror.synced().then(() => mirror.get("b")?.value);
      await first;
      expect(await second).toBe("2");
      expect(statusCalls()).toBe(2);
    } finally {
      mirror.stop();
    }
  });

  test("a failing stream-state read fails the waiting reads, and the next read tries again", async () => {
    const { kv } = await countedBucket();
    const mirror = new KvMirror("t", kv, decode, log);
    await mirror.start();
    try {
      const real = kv.status.bind(kv);
      let fail = true;
      kv.status = () => (fail ? Promise.reject(new Error("jetstream down")) : real());
      await expect(Promise.all([mirror.synced(), mirror.synced()])).rejects.toThrow("jetstream down");
      fail = false;
      await kv.put("c", "3");
      await mirror.synced();
      expect(mirror.get("c")?.value).toBe("3");
    } finally {
      mirror.stop();
    }
  });
});
