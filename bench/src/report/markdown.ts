import type { ScenarioResult, TargetCheck } from "../scenarios/result.js";
import { formatNumber, formatSpread } from "./format.js";
import type { BenchReport } from "./model.js";

const escape = (text: string) => text.replace(/\|/g, "\\|");

function verdict(t: TargetCheck): string {
  if (t.met === null) return Number.isFinite(t.measured) ? "reported" : "not measured";
  if (t.met) return "**met**";
  // How far from the goal, as a share of the goal: 22% over a ceiling, or 59% short of a floor.
  if (t.better === "lower") return `**missed**: ${formatNumber((t.measured / t.limit - 1) * 100, 0)}% over`;
  return `**missed**: ${formatNumber((1 - t.measured / t.limit) * 100, 0)}% short`;
}

function measured(t: TargetCheck): string {
  return t.unit === "×" ? `${formatNumber(t.measured, 2)}×` : `${formatNumber(t.measured, 1)} ${t.unit}`;
}

export function targetsTable(targets: TargetCheck[]): string {
  if (targets.length === 0) return "_No targets were checked in this run._\n";
  const lines = ["| target | goal | measured | verdict | detail |", "|---|---|---|---|---|"];
  for (const t of targets) lines.push(`| ${escape(t.name)} | ${escape(t.target)} | ${measured(t)} | ${verdict(t)} | ${escape(t.detail)} |`);
  return `${lines.join("\n")}\n`;
}

export function scenarioTable(scenario: ScenarioResult): string {
  const header = ["", ...scenario.columns.map((c) => (c.unit ? `${c.label} (${c.unit})` : c.label))];
  const lines = [`| ${header.map(escape).join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const row of scenario.rows) {
    const cells = scenario.columns.map((c) => formatSpread(row.cells[c.key], c.digits));
    lines.push(`| ${[escape(row.label), ...cells].join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}

function machineLine(report: BenchReport): string {
  const m = report.machine;
  const load = (l?: number[]) => (l ? l.join(" / ") : "?");
  return [
    `**Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}; Node ${m.node}, nats-server ${m.natsServer.replace(/^nats-server:\s*/, "")}, ws ${m.libraries.ws}, nats.js ${m.libraries.nats}.`,
    `Commit ${m.commit}. Load average (1/5/15 min) ${load(m.loadAverage.start)} at start, ${load(m.loadAverage.end)} at the end. Open-file limit ${m.openFiles.soft} (hard ${m.openFiles.hard}).`,
  ].join(" ");
}

/** The Markdown summary: targets first, then one table per scenario, then its charts. */
export function renderMarkdown(report: BenchReport, chartFile: (scenario: string, chart: string) => string): string {
  const out: string[] = [];
  out.push(`# Gateway bench: ${report.name} (${report.mode})`, "");
  const command = ["pnpm bench", ...report.argv].join(" ");
  out.push(`Measured: ${report.subject}. ${report.durationS.toFixed(0)} s in all; command \`${command}\`.`, "");
  out.push(machineLine(report), "");
  out.push(
    "Each cell is the median over the runs, with the spread across runs as [min–max] when there was more than one run. Every baseline ran in the same run, interleaved with what it is compared with.",
    "",
  );
  out.push("## Targets (ARCHITECTURE §7)", "", targetsTable(report.scenarios.flatMap((s) => s.targets)));
  let index = 0;
  for (const scenario of report.scenarios) {
    index++;
    out.push(`## ${index}. ${scenario.title}`, "");
    // A failed scenario that measured something still shows its table (a chat run that lost events).
    if (scenario.status !== "ok" && scenario.rows.length === 0) {
      out.push(`_${scenario.status}: ${scenario.note ?? ""}_`, "");
      continue;
    }
    if (scenario.status === "failed") out.push("**FAILED.**", "");
    out.push(`${scenario.runs} run${scenario.runs === 1 ? "" : "s"}. ${scenario.method ?? ""}`.trim(), "");
    if (scenario.note) out.push(scenario.note, "");
    out.push(scenarioTable(scenario));
    for (const chart of scenario.charts) out.push(`![${chart.title}](${chartFile(scenario.id, chart.file)})`, "");
  }
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}
