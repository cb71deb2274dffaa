import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";

// The original's own frame schema (shared/spec, MIT). Its client silently drops frames that
// fail it, so every frame the edge emits is checked against it.
const here = dirname(fileURLToPath(import.meta.url));
const schemaPath = join(here, "..", "fixtures", "original-protocol.schema.json");

let validateFrame: ValidateFunction | undefined;

export function originalSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(schemaPath, "utf8")) as Record<string, unknown>;
}

/** Strict validation as the original client does it: allErrors, no stripping of extra keys. */
export function assertOriginalFrame(frame: unknown): void {
  validateFrame ??= new Ajv({ allErrors: true, strict: false }).compile(originalSchema());
  if (!validateFrame(frame)) {
    throw new Error(`frame fails the original schema: ${JSON.stringify(validateFrame.errors)}\n${JSON.stringify(frame)}`);
  }
}
