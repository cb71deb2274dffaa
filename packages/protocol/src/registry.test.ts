import { describe, expect, test } from "vitest";
import { ANNOUNCEMENT_MISSED_BEATS, ServiceAnnouncement, isAnnouncementLive } from "./registry.js";

const announcement = (overrides: Partial<ServiceAnnouncement> = {}): ServiceAnnouncement => ({
  service: "session-manager",
  instanceId: "session-manager-1",
  version: "0.1.0",
  startedAt: 1_000,
  ts: 10_000,
  heartbeatMs: 2_000,
  methods: [{ name: "sessions.list", access: "read" }],
  ...overrides,
});

describe("isAnnouncementLive - liveness by timestamp", () => {
  test("live up to three missed heartbeats, gone after", () => {
    const a = announcement();
    const limit = a.ts + a.heartbeatMs * ANNOUNCEMENT_MISSED_BEATS;
    expect(ANNOUNCEMENT_MISSED_BEATS).toBe(3);
    expect(isAnnouncementLive(a, a.ts)).toBe(true);
    expect(isAnnouncementLive(a, limit)).toBe(true);
    expect(isAnnouncementLive(a, limit + 1)).toBe(false);
  });

  test("a stopping instance is gone at once", () => {
    const a = announcement({ stopping: true });
    expect(isAnnouncementLive(a, a.ts)).toBe(false);
  });

  test("the heartbeat period is the announcer's own", () => {
    const fast = announcement({ heartbeatMs: 200 });
    expect(isAnnouncementLive(fast, fast.ts + 601)).toBe(false);
    expect(isAnnouncementLive(announcement(), fast.ts + 601)).toBe(true);
  });
});

describe("ServiceAnnouncement - what the registry bucket holds", () => {
  test("accepts a full entry and refuses an unknown access class", () => {
    expect(ServiceAnnouncement.safeParse(announcement({ stopping: true })).success).toBe(true);
    expect(
      ServiceAnnouncement.safeParse(announcement({ methods: [{ name: "x", access: "superuser" as never }] })).success,
    ).toBe(false);
    expect(ServiceAnnouncement.safeParse(announcement({ heartbeatMs: 0 })).success).toBe(false);
  });
});
