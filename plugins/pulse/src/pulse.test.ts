import { afterEach, describe, expect, test, vi } from "vitest";
import { Pulse } from "./pulse.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("Pulse - the beat behind the pulse plugin", () => {
  test("publishes numbered beats on its interval and stops", () => {
    vi.useFakeTimers();
    const published: { event: string; payload: unknown }[] = [];
    const pulse = new Pulse({ intervalMs: 1000, event: "pulse", message: "hi" }, (event, payload) => published.push({ event, payload }));
    pulse.setInstance("plugin-host-1");
    pulse.start();
    vi.advanceTimersByTime(3000);
    pulse.stop();
    vi.advanceTimersByTime(3000);
    expect(published.map((p) => p.event)).toEqual(["pulse", "pulse", "pulse"]);
    expect(published[2]!.payload).toMatchObject({ seq: 3, instanceId: "plugin-host-1", message: "hi" });
    expect(pulse.status()).toMatchObject({ running: false, beats: 3 });
  });

  test("a new config takes effect on the running timer", () => {
    vi.useFakeTimers();
    const events: string[] = [];
    const pulse = new Pulse({ intervalMs: 1000, event: "pulse" }, (event) => events.push(event));
    pulse.start();
    pulse.configure({ intervalMs: 5000, event: "pulse.slow" });
    vi.advanceTimersByTime(4999);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events).toEqual(["pulse.slow"]);
    expect(pulse.status()).toMatchObject({ running: true, intervalMs: 5000, event: "pulse.slow" });
    pulse.stop();
  });
});
