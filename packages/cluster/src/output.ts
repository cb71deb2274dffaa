import { prettyFactory } from "pino-pretty";
import type { LogLine } from "./app-process.js";

const PALETTE = [36, 35, 33, 32, 34, 96, 91, 92, 93, 94, 95, 37] as const;

/**
 * `pnpm cluster`'s output: every process's pino JSON as a one-liner behind its name, so a dozen
 * interleaved processes stay readable. Lines that are not JSON keep their text.
 */
export function createPrinter(options: { colors: boolean; write: (text: string) => void }): (source: string, line: LogLine) => void {
  const colours = new Map<string, number>();
  const paint = (code: number, text: string) => (options.colors ? `\x1b[${code}m${text}\x1b[0m` : text);
  const pretty = prettyFactory({ colorize: options.colors, translateTime: "SYS:HH:MM:ss.l", singleLine: true, ignore: "pid,hostname,service,edgeId" });
  return (source, line) => {
    if (!colours.has(source)) colours.set(source, PALETTE[colours.size % PALETTE.length]!);
    const body = typeof line.level === "number" ? pretty(line).replace(/\n$/, "") : String(line.msg ?? "");
    const prefix = `${paint(colours.get(source)!, source.padEnd(18))} │ `;
    options.write(body.split("\n").map((l) => prefix + l).join("\n") + "\n");
  };
}
