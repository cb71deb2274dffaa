import type { ChartSpec } from "../scenarios/result.js";
import { formatNumber } from "./format.js";

const WIDTH = 760;
const HEIGHT = 380;
const MARGIN = { top: 64, right: 24, bottom: 56, left: 72 };
const COLORS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b"];

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Round axis ticks from 0 to at least `max`: 1, 2 or 5 times a power of ten apart. */
export function linearTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const ticks: number[] = [];
  for (let v = 0; v < max + step; v += step) {
    ticks.push(Number(v.toPrecision(12)));
    if (v >= max) break;
  }
  return ticks;
}

/** Powers of ten around [min, max], for a log axis. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-9))));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

/** A grouped bar chart as a standalone SVG document (no scripts, no external resources). */
export function renderBarChart(chart: ChartSpec): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = chart.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const max = values.length ? Math.max(...values) : 1;
  const ticks = chart.log ? logTicks(values.length ? Math.min(...values) : 1, max) : linearTicks(max);
  const top = ticks[ticks.length - 1]!;
  const bottom = chart.log ? ticks[0]! : 0;
  const y = (v: number) => {
    const f = chart.log ? (Math.log10(v) - Math.log10(bottom)) / (Math.log10(top) - Math.log10(bottom)) : v / top;
    return MARGIN.top + plotH * (1 - Math.min(1, Math.max(0, f)));
  };
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(chart.title)}</text>`,
  );
  // Legend
  let lx = MARGIN.left;
  chart.series.forEach((s, i) => {
    parts.push(`<rect x="${lx}" y="36" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${lx + 16}" y="46">${escapeXml(s.name)}</text>`);
    lx += 28 + s.name.length * 7;
  });
  // Axis and grid
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${ty}" y2="${ty}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle" fill="#555">${escapeXml(formatNumber(t, t < 10 && !Number.isInteger(t) ? 2 : 0))}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
  parts.push(
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escapeXml(chart.unit)}${chart.log ? " (log)" : ""}</text>`,
  );
  // Bars
  const groups = Math.max(1, chart.categories.length);
  const groupW = plotW / groups;
  const barW = Math.min(48, (groupW * 0.8) / Math.max(1, chart.series.length));
  chart.categories.forEach((category, g) => {
    const start = MARGIN.left + g * groupW + (groupW - barW * chart.series.length) / 2;
    chart.series.forEach((s, i) => {
      const v = s.values[g];
      if (v === undefined || !Number.isFinite(v) || v <= 0) return;
      const x = start + i * barW;
      const by = y(v);
      const h = MARGIN.top + plotH - by;
      parts.push(`<rect x="${x.toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[i % COLORS.length]}"><title>${escapeXml(`${category} ${s.name}: ${formatNumber(v)} ${chart.unit}`)}</title></rect>`);
      parts.push(`<text x="${(x + (barW - 2) / 2).toFixed(1)}" y="${(by - 3).toFixed(1)}" text-anchor="middle" font-size="9" fill="#333">${escapeXml(formatNumber(v, v >= 10 ? 0 : 1))}</text>`);
    });
    parts.push(`<text x="${(MARGIN.left + g * groupW + groupW / 2).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${escapeXml(category)}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
