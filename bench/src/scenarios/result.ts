import type { Spread } from "../stats.js";

/** A column of a scenario's table; cells are medians over runs with their min–max. */
export interface Column {
  key: string;
  label: string;
  unit?: string;
  digits?: number;
}

export interface Row {
  label: string;
  cells: Record<string, Spread | undefined>;
}

/** One target of ARCHITECTURE §7, checked against this run. */
export interface TargetCheck {
  name: string;
  /** The target in words ("≤ 1.2× minimal composite"). */
  target: string;
  /** The measured ratio (or value) compared with `limit`. */
  measured: number;
  limit: number;
  better: "lower" | "higher";
  /** How `measured` reads: a ratio ("×") or a unit ("KB"). */
  unit: string;
  met: boolean | null;
  detail: string;
}

export interface ChartSeries {
  name: string;
  values: number[];
}

/** A grouped bar chart: one group per category, one bar per series. */
export interface ChartSpec {
  file: string;
  title: string;
  unit: string;
  categories: string[];
  series: ChartSeries[];
  log?: boolean;
}

export interface ScenarioResult {
  id: string;
  title: string;
  status: "ok" | "skipped" | "failed";
  runs: number;
  /** What was measured and how, in a sentence or two. */
  method?: string;
  note?: string;
  columns: Column[];
  rows: Row[];
  targets: TargetCheck[];
  charts: ChartSpec[];
  /** Everything else worth keeping in the JSON (per-run values, settings). */
  raw?: unknown;
}

export function skipped(id: string, title: string, note: string): ScenarioResult {
  return { id, title, status: "skipped", runs: 0, note, columns: [], rows: [], targets: [], charts: [] };
}

export function failed(id: string, title: string, err: unknown): ScenarioResult {
  const message = err instanceof Error ? err.message : String(err);
  return { id, title, status: "failed", runs: 0, note: message, columns: [], rows: [], targets: [], charts: [] };
}

/** A target met or not: `measured` compared with `limit` in the direction that is better. */
export function checkTarget(
  name: string,
  target: string,
  measured: number,
  limit: number,
  better: "lower" | "higher",
  detail: string,
  unit = "×",
): TargetCheck {
  // A NaN limit marks a figure that is only reported, never judged.
  const met = Number.isFinite(measured) && Number.isFinite(limit) ? (better === "lower" ? measured <= limit : measured >= limit) : null;
  return { name, target, measured, limit, better, unit, met, detail };
}
