// The CAS check against a real KV bucket: a stale-revision update is a conflict; other failures are not.
import { randomBytes } from "node:crypto";
import { expect, test } from "vitest";
import { useBus } from "./bus.fixture.js";
import { isCasConflict } from "./cas.js";

const bus = useBus();

test("an update with a stale revision is a CAS conflict; a missing bucket or a plain error is not", async () => {
  const nc = await bus.newConnection();
  const kv = await nc.jetstream().views.kv(`cas_${randomBytes(4).toString("hex")}`, { history: 1 });
  const first = await kv.put("k", "a");
  await kv.put("k", "b");
  const stale = await kv.update("k", new TextEncoder().encode("c"), first).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(stale).toBeDefined();
  expect(isCasConflict(stale)).toBe(true);

  const missing = await nc.jetstreamManager().then((jsm) => jsm.streams.info(`KV_nope_${randomBytes(4).toString("hex")}`).then(() => undefined, (err: unknown) => err));
  expect(missing).toBeDefined();
  expect(isCasConflict(missing)).toBe(false);
  expect(isCasConflict(new Error("disk full"))).toBe(false);
  expect(isCasConflict(undefined)).toBe(false);
});
