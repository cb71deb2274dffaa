import { invalidRequest } from "@clawdbot/protocol";
import type { GatewayView, ModelRef } from "../app-config.js";
import { ECHO_MODEL, ECHO_PROVIDER_ID, EchoProvider } from "./echo.js";
import { OpenAiCompatibleProvider } from "./openai.js";
import type { ModelProvider } from "./types.js";

export interface ProviderSettings {
  echoWordDelayMs: number;
}

/** The model a session runs with: its override, else the configured default, else echo. */
export function resolveModelRef(view: GatewayView, entry: Record<string, unknown> | undefined): ModelRef {
  if (typeof entry?.modelOverride === "string" && entry.modelOverride) {
    return { provider: typeof entry.providerOverride === "string" && entry.providerOverride ? entry.providerOverride : ECHO_PROVIDER_ID, model: entry.modelOverride };
  }
  return view.defaultModel ?? { provider: ECHO_PROVIDER_ID, model: ECHO_MODEL.id };
}

/** A fresh provider for one run. */
export function createProvider(view: GatewayView, ref: ModelRef, settings: ProviderSettings): ModelProvider {
  if (ref.provider === ECHO_PROVIDER_ID) return new EchoProvider(settings.echoWordDelayMs);
  const config = view.providers.get(ref.provider);
  if (!config?.baseUrl) throw invalidRequest(`unknown model provider: ${ref.provider}`);
  return new OpenAiCompatibleProvider({ id: config.id, baseUrl: config.baseUrl, apiKey: config.apiKey });
}
