import { REDACTED_PATHS } from "@clawdbot/runtime";
import type { Logger } from "pino";

/**
 * Secrets the edge handles beyond the shared ones (`token`, `password`, `auth.*`, which the
 * runtime already redacts): device tokens, device signatures, and whole connect params.
 * The edge never logs them on purpose; this keeps an accidental `{ params }` or `{ device }`
 * from leaking one.
 */
export const EDGE_REDACTED_PATHS = [
  "deviceToken",
  "*.deviceToken",
  "signature",
  "*.signature",
  "device.signature",
  "*.device.signature",
  "params.device.signature",
  "auth.deviceToken",
  "*.auth",
];

/** A child of `log` whose every line, and every line of its children, has edge secrets redacted. */
export function withSecretRedaction(log: Logger): Logger {
  return log.child({}, { redact: { paths: [...new Set([...REDACTED_PATHS, ...EDGE_REDACTED_PATHS])], censor: "[redacted]" } });
}
