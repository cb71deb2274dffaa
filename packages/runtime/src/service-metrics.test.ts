import { GatewayError } from "@clawdbot/protocol";
import { describe, expect, test } from "vitest";
import { ServiceEnvError } from "./service-env.js";
import { ServiceMetrics, readMetricsListen } from "./service-metrics.js";

describe("readMetricsListen", () => {
  test("unset means no listener; 0 a free port; loopback unless CLAWDBOT_METRICS_BIND says otherwise", () => {
    expect(readMetricsListen({})).toBeUndefined();
    expect(readMetricsListen({ CLAWDBOT_METRICS_PORT: " " })).toBeUndefined();
    expect(readMetricsListen({ CLAWDBOT_METRICS_PORT: "0" })).toEqual({ port: 0, host: "127.0.0.1" });
    expect(readMetricsListen({ CLAWDBOT_METRICS_PORT: "9464", CLAWDBOT_METRICS_BIND: "0.0.0.0" })).toEqual({ port: 9464, host: "0.0.0.0" });
  });

  test("a value that is not a port is refused with the setting's name", () => {
    for (const bad of ["nope", "-1", "1.5", "65536"]) {
      expect(() => readMetricsListen({ CLAWDBOT_METRICS_PORT: bad })).toThrow(ServiceEnvError);
      expect(() => readMetricsListen({ CLAWDBOT_METRICS_PORT: bad })).toThrow(/CLAWDBOT_METRICS_PORT must be a port number/);
    }
  });
});

describe("ServiceMetrics", () => {
  test("counts answered requests by method and outcome and times each", () => {
    const metrics = new ServiceMetrics();
    metrics.answered("sessions.list", undefined, 0.002);
    metrics.answered("sessions.list", undefined, 0.2);
    metrics.answered("sessions.list", new GatewayError("INVALID_REQUEST", "bad", { kind: "invalidParams" }), 0.0001);
    metrics.answered("chat.send", new GatewayError("SOMETHING_ELSE", "x"), 1);
    const text = metrics.registry.render();
    expect(text).toContain('clawdbot_rpc_calls_total{method="sessions.list",outcome="ok",kind="ok"} 2\n');
    expect(text).toContain('clawdbot_rpc_calls_total{method="sessions.list",outcome="INVALID_REQUEST",kind="invalidParams"} 1\n');
    expect(text).toContain('clawdbot_rpc_calls_total{method="chat.send",outcome="other",kind="invalidRequest"} 1\n');
    expect(text).toContain('clawdbot_rpc_handler_duration_seconds_count{method="sessions.list"} 3\n');
    expect(text).toContain('clawdbot_rpc_handler_duration_seconds_bucket{method="sessions.list",le="0.0025"} 2\n');
    expect(text).toContain('clawdbot_rpc_handler_duration_seconds_bucket{method="sessions.list",le="+Inf"} 3\n');
  });
});
