import type { Machine } from "../machine.js";
import type { ScenarioResult } from "../scenarios/result.js";

/** Everything one `pnpm bench` run wrote: the JSON file is this object. */
export interface BenchReport {
  schema: 1;
  name: string;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  mode: "quick" | "full";
  argv: string[];
  /** What was measured: our stack, or the server given by `--url`. */
  subject: string;
  machine: Machine;
  scenarios: ScenarioResult[];
}
