import { setTimeout as sleep } from "node:timers/promises";
import { natsNames } from "@clawdbot/protocol";
import { useNatsServer } from "@clawdbot/testkit";
import { expect, test } from "vitest";
import { openConfigBucket } from "./client.js";
import { KvLease } from "./kv-lease.js";

const nats = useNatsServer({ sharedConnection: false, drain: true });

async function lease(prefix: string, owner: string, options: { ttlMs?: number; waitMs?: number } = {}): Promise<KvLease> {
  // One connection per holder, as two processes would have.
  const nc = await nats.connect();
  return new KvLease({ kv: await openConfigBucket(nc, natsNames(prefix)), key: "test-lease", owner, ...options });
}

test("holders on different connections never overlap, and every one gets its turn", async () => {
  const holders = await Promise.all(["a", "b", "c"].map((owner) => lease("overlap", owner)));
  let inside = 0;
  let most = 0;
  const order: string[] = [];
  await Promise.all(
    holders.flatMap((holder, i) =>
      Array.from({ length: 4 }, (_, round) =>
        holder.run(async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(5);
          order.push(`${i}.${round}`);
          inside--;
        }),
      ),
    ),
  );
  expect(most).toBe(1);
  expect(order).toHaveLength(12);
});

test("a holder that died is taken over once its lease expires; a busy lease gives UNAVAILABLE in time", async () => {
  const dead = await lease("expiry", "dead", { ttlMs: 300 });
  const alive = await lease("expiry", "alive", { waitMs: 5_000 });
  const impatient = await lease("expiry", "impatient", { waitMs: 100 });
  let release!: () => void;
  // The first holder never finishes (as if its process hung); its lease runs out.
  const deadRun = dead.run(() => new Promise<void>((resolve) => (release = resolve)));
  await sleep(50);
  await expect(impatient.run(async () => "never")).rejects.toMatchObject({ code: "UNAVAILABLE", retryable: true });
  expect(await alive.run(async () => "took over")).toBe("took over");
  // When the hung holder wakes up, its release finds the lease taken over and leaves it alone;
  // awaited here so it never outlives the test's connections.
  release();
  await deadRun;
});
