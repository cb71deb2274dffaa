import type { BenchReport } from "./model.js";

/** The JSON results file: NaN (a value that could not be measured) becomes null. */
export function renderJson(report: BenchReport): string {
  return `${JSON.stringify(report, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2)}\n`;
}
