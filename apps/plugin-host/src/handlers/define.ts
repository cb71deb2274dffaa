import type { HandlerContext, MethodSpec } from "@clawdbot/nats-rpc";
import type { MethodName, methods } from "@clawdbot/protocol";
import type * as z from "zod";

/**
 * A handler typed by the protocol registry: the RPC server validates params against the
 * registry's schema before the handler runs, so the handler receives the schema's output.
 */
export function method<M extends MethodName>(
  _name: M,
  handler: (params: z.output<(typeof methods)[M]["params"]>, context: HandlerContext) => unknown,
): MethodSpec {
  return { handler: handler as MethodSpec["handler"] };
}
