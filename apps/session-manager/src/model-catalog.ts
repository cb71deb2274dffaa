import type { ModelChoice } from "@clawdbot/protocol";
import type { GatewayView } from "./app-config.js";
import { ECHO_MODEL } from "./providers/echo.js";

/** The models a session may use: the built-in echo model, then each configured provider's. */
export function modelCatalog(view: GatewayView): ModelChoice[] {
  const models: ModelChoice[] = [{ ...ECHO_MODEL }];
  for (const provider of view.providers.values()) {
    for (const m of provider.models) {
      models.push({
        id: m.id,
        name: m.name ?? m.id,
        provider: provider.id,
        ...(m.contextWindow !== undefined ? { contextWindow: m.contextWindow } : {}),
        ...(m.reasoning !== undefined ? { reasoning: m.reasoning } : {}),
      });
    }
  }
  return models;
}

/** A catalog model by `provider/id` or bare id; undefined when it is not in the catalog. */
export function findModel(view: GatewayView, ref: string): { provider: string; id: string } | undefined {
  const slash = ref.indexOf("/");
  const catalog = modelCatalog(view);
  const found =
    slash > 0 ? catalog.find((m) => m.provider === ref.slice(0, slash) && m.id === ref.slice(slash + 1)) : catalog.find((m) => m.id === ref);
  return found ? { provider: found.provider, id: found.id } : undefined;
}
