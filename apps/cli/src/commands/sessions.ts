import type { Command } from "commander";
import { formatAge, table } from "../format/age.js";
import { callFailure } from "../gateway-connection.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import { labelled } from "../labelled.js";
import { type ConnectionOptions, parsePositiveInt, withConnectionOptions } from "../options.js";
import { withGateway } from "../run-gateway.js";

interface ListOptions extends ConnectionOptions {
  limit?: string;
  active?: string;
  search?: string;
}

/** `clawdbot sessions [list]`: `sessions.list` as a table (or JSON). */
export function registerSessions(program: Command, io: CliIo): void {
  const sessions = program.command("sessions").description("Conversation sessions");
  withConnectionOptions(
    sessions
      .command("list", { isDefault: true })
      .description("List sessions, most recently updated first")
      .option("--limit <n>", "At most this many")
      .option("--active <minutes>", "Only sessions updated within this many minutes")
      .option("--search <text>", "Only sessions whose key, label or title contains this"),
  ).action(
    labelled("Sessions list failed", async (opts: ListOptions) => {
      const params: Record<string, unknown> = {};
      const limit = parsePositiveInt(opts.limit, "--limit");
      const active = parsePositiveInt(opts.active, "--active");
      if (limit !== undefined) params.limit = limit;
      if (active !== undefined) params.activeMinutes = active;
      if (opts.search !== undefined) params.search = opts.search;
      await withGateway(opts, io, async ({ client }) => {
        const result = await client.call("sessions.list", params).catch((err: unknown) => {
          throw callFailure(err, "sessions.list");
        });
        if (opts.json) return writeJson(io.stdout, result);
        for (const line of sessionLines(result, Date.now())) writeLine(io.stdout, line);
      });
    }),
  );
}

interface Row {
  key: string;
  kind: string;
  updatedAt: number | null;
  label?: unknown;
  model?: unknown;
  totalTokens?: unknown;
}

export function sessionLines(result: { count: number; path: string; sessions: readonly unknown[] }, now: number): string[] {
  const rows = result.sessions as Row[];
  if (rows.length === 0) return [`No sessions (${result.path}).`];
  const body = rows.map((r) => [
    r.key,
    r.kind,
    formatAge(r.updatedAt === null ? null : now - r.updatedAt),
    typeof r.model === "string" ? r.model : "-",
    typeof r.totalTokens === "number" ? String(r.totalTokens) : "-",
    typeof r.label === "string" ? r.label : "",
  ]);
  return [`Sessions: ${result.count} (${result.path})`, ...table(["KEY", "KIND", "UPDATED", "MODEL", "TOKENS", "LABEL"], body)];
}
