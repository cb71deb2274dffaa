import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 almost everywhere). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Parses utime+stime (in ticks) out of a /proc/<pid>/stat line; the comm field may hold spaces. */
export function parseStatTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ": field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU time (user + system) a process has used so far, in µs; NaN once it is gone. */
export function cpuMicros(pid: number): number {
  try {
    return (parseStatTicks(readFileSync(`/proc/${pid}/stat`, "utf8")) * 1e6) / clkTck();
  } catch {
    return NaN;
  }
}

/** Resident set size in bytes (VmRSS); NaN once the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Groups of processes whose CPU is measured together over a window ("edge", "client", …). */
export type ProcessGroups = Record<string, readonly number[]>;

/** CPU of each group between `start()` and `stop()`, in µs. */
export class CpuWindow {
  readonly #groups: ProcessGroups;
  #start = new Map<number, number>();

  constructor(groups: ProcessGroups) {
    this.#groups = groups;
  }

  start(): void {
    this.#start = new Map(Object.values(this.#groups).flat().map((pid) => [pid, cpuMicros(pid)]));
  }

  stop(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [group, pids] of Object.entries(this.#groups)) {
      let total = 0;
      for (const pid of pids) total += cpuMicros(pid) - (this.#start.get(pid) ?? NaN);
      out[group] = total;
    }
    return out;
  }
}
