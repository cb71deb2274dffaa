// Summarises V8 .cpuprofile files (from `pnpm bench --profile`): self time by function and by
// package, so a closing note can say where an edge spends its time.
//   pnpm --filter @clawdbot/bench exec tsx src/profile-summary.ts bench/profiles/*.cpuprofile
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which package (or part of node) a script URL belongs to. */
export function packageOf(url: string): string {
  if (!url) return "(native / V8)";
  if (url.startsWith("node:")) return url;
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pnpm) return pnpm[1]!;
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (mod) return mod[1]!;
  const ours = /\/(apps|packages)\/([^/]+)\//.exec(url);
  if (ours) return `@clawdbot/${ours[2]}`;
  return url;
}

export function summarise(profile: Profile, top = 25): string {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idle += us;
      continue;
    }
    total += us;
    const file = url.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace(/^.*\/(apps|packages)\//, "$1/");
    const key = `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const pkg = functionName.startsWith("(") ? functionName : packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`, "", "by package / category:"];
  for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(v)}  ${k}`);
  lines.push("", "by function (self time):");
  for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  return lines.join("\n");
}

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  for (const file of process.argv.slice(2)) {
    console.log(`== ${file}`);
    console.log(summarise(JSON.parse(readFileSync(file, "utf8")) as Profile));
    console.log("");
  }
}
