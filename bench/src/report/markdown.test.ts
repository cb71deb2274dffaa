import { expect, test } from "vitest";
import { checkTarget, type ScenarioResult } from "../scenarios/result.js";
import { spread } from "../stats.js";
import { formatNumber, formatSpread } from "./format.js";
import { renderMarkdown, scenarioTable, targetsTable } from "./markdown.js";
import type { BenchReport } from "./model.js";

const scenario: ScenarioResult = {
  id: "latency",
  title: "Call latency",
  status: "ok",
  runs: 3,
  method: "Sequential calls.",
  columns: [
    { key: "p50", label: "p50", unit: "µs" },
    { key: "cpu", label: "CPU", unit: "µs/call", digits: 1 },
  ],
  rows: [
    { label: "edge | ours", cells: { p50: spread([700, 720, 760]), cpu: spread([20.04, 20.04, 20.04]) } },
    { label: "echo", cells: { p50: spread([190]) } },
  ],
  targets: [checkTarget("Latency", "≤ 1.2× composite", 1.32, 1.2, "lower", "p50 760 vs 575 µs")],
  charts: [{ file: "latency", title: "Latency", unit: "µs", categories: [], series: [] }],
};

test("numbers: grouped thousands, decimals by magnitude, dash for nothing", () => {
  expect(formatNumber(31_234.6)).toBe("31,235");
  expect(formatNumber(12.345)).toBe("12.3");
  expect(formatNumber(1.2345)).toBe("1.23");
  expect(formatNumber(NaN)).toBe("–");
  expect(formatSpread(spread([3, 1, 2]), 0)).toBe("2 [1–3]");
  expect(formatSpread(spread([5]), 0)).toBe("5");
  expect(formatSpread(undefined)).toBe("–");
});

test("a scenario table has a header with units, escaped labels and median [min–max] cells", () => {
  const table = scenarioTable(scenario);
  expect(table.split("\n")[0]).toBe("|  | p50 (µs) | CPU (µs/call) |");
  expect(table).toContain("| edge \\| ours | 720 [700–760] | 20.0 |");
  expect(table).toContain("| echo | 190 | – |");
});

test("targets say met or by how much they were missed", () => {
  const table = targetsTable([
    checkTarget("A", "≤ 1.2×", 1.32, 1.2, "lower", ""),
    checkTarget("B", "≥ 80%", 0.6, 0.8, "higher", ""),
    checkTarget("C", "≤ 15 KB", 12, 15, "lower", "", "KB"),
    checkTarget("D", "reported", 2.5, NaN, "lower", ""),
  ]);
  expect(table).toContain("| A | ≤ 1.2× | 1.32× | **missed**: 10% over |");
  expect(table).toContain("| B | ≥ 80% | 0.60× | **missed**: 25% short |");
  expect(table).toContain("| C | ≤ 15 KB | 12.0 KB | **met** |");
  expect(table).toContain("| D | reported | 2.50× | reported |");
});

function report(scenarios: ScenarioResult[]): BenchReport {
  return {
    schema: 1,
    name: "2026-01-01T00-00-00Z",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:01:00.000Z",
    durationS: 60,
    mode: "quick",
    argv: ["--quick"],
    subject: "our gateway",
    machine: {
      cpuModel: "Test CPU",
      cores: 2,
      memoryGiB: 4,
      kernel: "6.0",
      node: "v20.0.0",
      natsServer: "nats-server: v2.9.10",
      libraries: { ws: "8", nats: "2" },
      clockTicks: 100,
      openFiles: { soft: "1024", hard: "4096" },
      loadAverage: { start: [0.1, 0.2, 0.3] },
      commit: "abc",
    },
    scenarios,
  };
}

test("the summary lists targets, scenarios, charts and skipped scenarios", () => {
  const md = renderMarkdown(
    report([scenario, { id: "chat", title: "Chat streaming", status: "skipped", runs: 0, note: "needs our stack", columns: [], rows: [], targets: [], charts: [] }]),
    (s, c) => `2026-01-01T00-00-00Z-${c}.svg`,
  );
  expect(md).toContain("# Gateway bench: 2026-01-01T00-00-00Z (quick)");
  expect(md).toContain("Test CPU, 2 cores");
  expect(md).toContain("nats-server v2.9.10");
  expect(md).toContain("| Latency | ≤ 1.2× composite | 1.32× | **missed**: 10% over |");
  expect(md).toContain("## 1. Call latency");
  expect(md).toContain("3 runs. Sequential calls.");
  expect(md).toContain("![Latency](2026-01-01T00-00-00Z-latency.svg)");
  expect(md).toContain("_skipped: needs our stack_");
});

test("a failed scenario that measured something still shows its table, marked FAILED", () => {
  const failed: ScenarioResult = { ...scenario, id: "chat", title: "Chat streaming", status: "failed", note: "**lost 3 deltas**", targets: [], charts: [] };
  const md = renderMarkdown(report([failed]), () => "");
  expect(md).toContain("**FAILED.**");
  expect(md).toContain("**lost 3 deltas**");
  expect(md).toContain("| edge \\| ours | 720 [700–760] | 20.0 |");
});
