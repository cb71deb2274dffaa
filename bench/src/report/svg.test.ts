import { expect, test } from "vitest";
import { escapeXml, linearTicks, logTicks, renderBarChart } from "./svg.js";

test("linear ticks are round numbers from 0 past the maximum", () => {
  expect(linearTicks(37_000)).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
  expect(linearTicks(0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  expect(linearTicks(0)).toEqual([0, 1]);
});

test("log ticks are the decades around the values", () => {
  expect(logTicks(120, 9_000)).toEqual([100, 1_000, 10_000]);
  expect(logTicks(5, 5)).toEqual([1, 10]);
});

test("renders one bar per finite value, with escaped labels and a legend", () => {
  const svg = renderBarChart({
    file: "t",
    title: "Calls <per> second & more",
    unit: "calls/s",
    categories: ["edge", "echo"],
    series: [
      { name: "64", values: [100, 200] },
      { name: "256", values: [150, NaN] },
    ],
  });
  expect(svg.startsWith("<svg")).toBe(true);
  expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  expect(svg).toContain("Calls &lt;per&gt; second &amp; more");
  expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(3);
  expect(svg).toContain(">256</text>");
  expect(svg).not.toContain("NaN");
});

test("a log chart places bars without NaN or negative heights", () => {
  const svg = renderBarChart({ file: "l", title: "p", unit: "µs", categories: ["a"], series: [{ name: "p50", values: [300] }, { name: "p99", values: [4_000] }], log: true });
  const heights = [...svg.matchAll(/height="(-?[\d.]+)" fill="[^"]+"><title>/g)].map((m) => Number(m[1]));
  expect(heights).toHaveLength(2);
  for (const h of heights) expect(h).toBeGreaterThan(0);
  expect(escapeXml('"a"')).toBe("&quot;a&quot;");
});
