import { prettyFactory } from "pino-pretty";

export type LogRecord = Record<string, unknown>;

/** ANSI colours for the name column; each service keeps its colour for the whole run. */
const PALETTE = [36, 35, 33, 32, 34, 96] as const;
export const DIM = 2;
export const RED = 31;
export const BOLD = 1;

export interface Formatter {
  /** One output chunk (ending in a newline) for one line an app wrote. */
  format(service: string, text: string, record: LogRecord | undefined): string;
  paint(code: number, text: string): string;
}

/** `JSON.parse` for log lines: an object, or undefined for anything else (tsx notices, stack traces). */
export function parseRecord(text: string): LogRecord | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as LogRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Turns the apps' pino JSON into pino-pretty's one-liners behind a coloured, aligned name
 * column, so four interleaved services stay readable. Lines that are not JSON keep their text.
 */
export function createFormatter(options: { colors: boolean; names: string[] }): Formatter {
  const width = Math.max(...options.names.map((n) => n.length));
  const colours = new Map(options.names.map((name, i) => [name, PALETTE[i % PALETTE.length]!]));
  const paint = (code: number, text: string) => (options.colors ? `\x1b[${code}m${text}\x1b[0m` : text);
  const pretty = prettyFactory({
    colorize: options.colors,
    translateTime: "SYS:HH:MM:ss.l",
    // One line per record reads best with four services interleaved; errors still get their stack.
    singleLine: true,
    // The name column already says which service; pid and host are the same on every line.
    ignore: "pid,hostname,service,edgeId",
  });
  return {
    paint,
    format(service, text, record) {
      const prefix = `${paint(colours.get(service) ?? DIM, service.padEnd(width))} ${paint(DIM, "│")} `;
      const body = record ? pretty(record).replace(/\n$/, "") : text;
      const lines = body.split("\n").map((line) => prefix + line);
      // Error stacks span lines; the prefix on each keeps them attributed.
      return `${lines.join("\n")}\n`;
    },
  };
}
