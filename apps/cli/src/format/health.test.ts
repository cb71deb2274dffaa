import { describe, expect, test } from "vitest";
import { sessionLines } from "../commands/sessions.js";
import { formatAge, table } from "./age.js";
import { healthLines, statusLines } from "./health.js";

describe("health and status summaries", () => {
  test("health: OK with timing, services with replicas, edges", () => {
    const lines = healthLines({
      ok: true,
      durationMs: 3,
      services: { "session-manager": { replicas: [{}, {}], methods: 20 }, "config-service": { replicas: [{}], methods: 4 } },
      edges: [{ edgeId: "edge-1", host: "box", connections: 2 }],
      sessions: { count: 5 },
    });
    expect(lines).toEqual(["Gateway Health", "OK (3ms)", "Services:", "  config-service: 1 replica, 4 methods", "  session-manager: 2 replicas, 20 methods", "Edges: 1", "  edge-1 on box: 2 connection(s)", "Sessions: 5"]);
    expect(healthLines({ ok: false })).toEqual(["Gateway Health", "NOT OK"]);
  });

  test("status", () => {
    const lines = statusLines({ sessions: { paths: ["/s.json"], count: 1, recent: [{ key: "main", age: 65_000 }] }, heartbeat: { agents: [{ agentId: "main", every: "disabled" }] } }, { url: "ws://h:1", serverVersion: "1.0", methods: 9 });
    expect(lines).toEqual(["Gateway Status", "Gateway: ws://h:1 (server 1.0) · 9 methods", "Sessions: 1 (/s.json)", "  main  1m ago", "Heartbeat main: disabled"]);
  });

  test("sessions table", () => {
    const now = 1_000_000;
    expect(sessionLines({ count: 0, path: "/s.json", sessions: [] }, now)).toEqual(["No sessions (/s.json)."]);
    expect(sessionLines({ count: 1, path: "/s.json", sessions: [{ key: "agent:main:main", kind: "direct", updatedAt: now - 5_000, model: "echo", totalTokens: 12 }] }, now)).toEqual([
      "Sessions: 1 (/s.json)",
      "KEY              KIND    UPDATED  MODEL  TOKENS  LABEL",
      "agent:main:main  direct  5s ago   echo   12",
    ]);
  });

  test("ages and tables", () => {
    expect([formatAge(null), formatAge(0), formatAge(59_000), formatAge(3_600_000), formatAge(3 * 86_400_000)]).toEqual(["-", "0s ago", "59s ago", "1h ago", "3d ago"]);
    expect(table(["A", "B"], [["xx", "y"]])).toEqual(["A   B", "xx  y"]);
  });
});
