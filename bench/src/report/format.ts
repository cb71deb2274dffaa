import type { Spread } from "../stats.js";

/** A number as tables show it: thousands grouped, decimals by magnitude unless `digits` is given. */
export function formatNumber(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return "–";
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** `median [min–max]`, or the median alone for a single run (or when all runs agree). */
export function formatSpread(s: Spread | undefined, digits?: number): string {
  if (!s || !Number.isFinite(s.median)) return "–";
  const median = formatNumber(s.median, digits);
  const finite = s.runs.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return median;
  const min = formatNumber(s.min, digits);
  const max = formatNumber(s.max, digits);
  return min === max ? median : `${median} [${min}–${max}]`;
}
