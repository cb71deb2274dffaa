#!/usr/bin/env node
// The `clawdbot` command: runs the built CLI (`pnpm build`, or `pnpm --filter @clawdbot/cli... build`).
import { existsSync } from "node:fs";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("clawdbot: not built yet: run `pnpm build` (or `pnpm --filter @clawdbot/cli... build`) first\n");
  process.exit(2);
}
await import(main.href);
