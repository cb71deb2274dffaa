import { pino, type Logger, type LoggerOptions } from "pino";

/** Paths never written to a log line, whatever object they arrive in. */
export const REDACTED_PATHS = [
  "token",
  "password",
  "*.token",
  "*.password",
  "auth.token",
  "auth.password",
  "params.auth",
  "*.params.auth",
  "headers.authorization",
  "req.headers.authorization",
  "*.apiKey",
  "apiKey",
  "deviceToken",
  "*.deviceToken",
  "signature",
  "*.signature",
  "*.device.signature",
];

export interface LoggerConfig {
  service: string;
  level?: string;
  /** Extra bindings on every line (edge id, instance id). */
  bindings?: Record<string, string>;
  destination?: pino.DestinationStream;
}

/** One root logger per process; per-connection and per-request children hang off it. */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level ?? "info",
    base: { service: config.service, pid: process.pid, ...config.bindings },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}
