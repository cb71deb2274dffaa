import { afterEach, describe, expect, it } from "vitest";
import { Registry } from "./registry.js";
import { type MetricsServer, serveMetrics } from "./server.js";
import { registerProcessMetrics } from "./process.js";

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("serveMetrics", () => {
  it("serves the registry on GET /metrics of a free loopback port, and 404 elsewhere", async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    registry.counter({ name: "hits_total", help: "Hits." }).inc(4);
    server = await serveMetrics({ registry, port: 0 });
    expect(server.address.address).toBe("127.0.0.1");
    const base = `http://127.0.0.1:${server.address.port}`;
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain("hits_total 4\n");
    expect(text).toMatch(/\nprocess_resident_memory_bytes [1-9]\d*\n/);
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
  });
});
