import { describe, expect, it } from "vitest";
import { CONTENT_TYPE, Registry } from "./registry.js";

describe("Registry.render (text exposition format 0.0.4)", () => {
  it("writes HELP and TYPE, and a label-less counter reads 0 before any event", () => {
    const registry = new Registry();
    registry.counter({ name: "jobs_total", help: "Jobs done." });
    expect(registry.render()).toBe("# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 0\n");
  });

  it("keeps one series per label set, in label-name order", () => {
    const registry = new Registry();
    const calls = registry.counter({ name: "calls_total", help: "Calls.", labelNames: ["method", "outcome"] });
    calls.labels("health", "ok").inc();
    calls.labels("health", "ok").inc(2);
    calls.labels("chat.send", "INVALID_REQUEST").inc();
    expect(registry.render().split("\n").slice(2, 4)).toEqual([
      'calls_total{method="health",outcome="ok"} 3',
      'calls_total{method="chat.send",outcome="INVALID_REQUEST"} 1',
    ]);
  });

  it("escapes backslash, double quote and newline in label values, and backslash and newline in HELP", () => {
    const registry = new Registry();
    const c = registry.counter({ name: "x_total", help: 'a \\ path\nand "quotes"', labelNames: ["v"] });
    c.labels('C:\\dir "q"\nnext').inc();
    const text = registry.render();
    expect(text).toContain('# HELP x_total a \\\\ path\\nand "quotes"\n');
    expect(text).toContain('x_total{v="C:\\\\dir \\"q\\"\\nnext"} 1\n');
  });

  it("renders histogram buckets cumulatively with +Inf, _sum and _count", () => {
    const registry = new Registry();
    const h = registry.histogram({ name: "lat_seconds", help: "Latency.", labelNames: ["route"], buckets: [0.1, 1] });
    const forward = h.labels("forward");
    forward.observe(0.05);
    forward.observe(0.1); // on the bound: counted in le="0.1"
    forward.observe(0.5);
    forward.observe(7);
    expect(registry.render().split("\n").slice(2, -1)).toEqual([
      'lat_seconds_bucket{route="forward",le="0.1"} 2',
      'lat_seconds_bucket{route="forward",le="1"} 3',
      'lat_seconds_bucket{route="forward",le="+Inf"} 4',
      'lat_seconds_sum{route="forward"} 7.65',
      'lat_seconds_count{route="forward"} 4',
    ]);
  });

  it("renders a label-less histogram with only le", () => {
    const registry = new Registry();
    registry.histogram({ name: "h", help: "h.", buckets: [1] }).observe(2);
    expect(registry.render()).toContain('h_bucket{le="1"} 0\nh_bucket{le="+Inf"} 1\nh_sum 2\nh_count 1\n');
  });

  it("gauges set, go up and down, and collect runs at each scrape", () => {
    const registry = new Registry();
    let open = 3;
    registry.gauge({ name: "open", help: "Open.", labelNames: ["dialect"], collect: (g) => g.labels("native").set(open) });
    const g = registry.gauge({ name: "queued", help: "Queued." });
    g.labels().inc(5);
    g.labels().dec(2);
    expect(registry.render()).toContain('open{dialect="native"} 3\n');
    open = 1;
    const text = registry.render();
    expect(text).toContain('open{dialect="native"} 1\n');
    expect(text).toContain("queued 3\n");
  });

  it("writes special values the way Prometheus reads them", () => {
    const registry = new Registry();
    const g = registry.gauge({ name: "g", help: "g.", labelNames: ["k"] });
    g.labels("inf").set(Infinity);
    g.labels("ninf").set(-Infinity);
    g.labels("nan").set(NaN);
    const text = registry.render();
    expect(text).toContain('g{k="inf"} +Inf\n');
    expect(text).toContain('g{k="ninf"} -Inf\n');
    expect(text).toContain('g{k="nan"} NaN\n');
  });

  it("bounds the series of a metric: past maxSeries, new label sets count as other", () => {
    const registry = new Registry();
    const c = registry.counter({ name: "c_total", help: "c.", labelNames: ["a", "b"], maxSeries: 2 });
    c.labels("1", "x").inc();
    c.labels("2", "x").inc();
    c.labels("3", "x").inc();
    c.labels("4", "y").inc();
    c.labels("1", "x").inc();
    const lines = registry.render().split("\n").slice(2, -1);
    expect(lines).toEqual(['c_total{a="1",b="x"} 2', 'c_total{a="2",b="x"} 1', 'c_total{a="other",b="other"} 2']);
  });

  it("refuses what Prometheus could not read: bad names, reserved labels, duplicates, wrong arity, negative increments", () => {
    const registry = new Registry();
    expect(() => registry.counter({ name: "bad-name", help: "" })).toThrow(/invalid metric name/);
    expect(() => registry.counter({ name: "ok_total", help: "", labelNames: ["__x"] })).toThrow(/invalid label name/);
    expect(() => registry.histogram({ name: "h", help: "", labelNames: ["le"] })).toThrow(/reserved/);
    expect(() => registry.histogram({ name: "h2", help: "", buckets: [1, 1] })).toThrow(/ascending/);
    const c = registry.counter({ name: "c_total", help: "", labelNames: ["a"] });
    expect(() => registry.counter({ name: "c_total", help: "" })).toThrow(/already registered/);
    expect(() => c.labels()).toThrow(/takes 1 label values/);
    expect(() => c.labels("x").inc(-1)).toThrow(/only goes up/);
  });

  it("names the exposition format's content type", () => {
    expect(CONTENT_TYPE).toBe("text/plain; version=0.0.4; charset=utf-8");
  });
});
