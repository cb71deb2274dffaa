import type { PluginDefinition, PluginRegister } from "./api.js";

/**
 * Types a plugin's default export; at run time it returns its argument unchanged, so a plugin
 * that imports nothing from this package at run time loads the same.
 *
 * @example
 * export default definePlugin<{ greeting: string }>({
 *   id: "hello",
 *   register(api) {
 *     api.registerGatewayMethod("hello.say", () => ({ text: api.pluginConfig.greeting }), { scope: "read" });
 *   },
 * });
 */
export function definePlugin<TConfig = Record<string, unknown>>(plugin: PluginDefinition<TConfig>): PluginDefinition<TConfig>;
export function definePlugin<TConfig = Record<string, unknown>>(plugin: PluginRegister<TConfig>): PluginRegister<TConfig>;
export function definePlugin<TConfig>(plugin: PluginDefinition<TConfig> | PluginRegister<TConfig>): PluginDefinition<TConfig> | PluginRegister<TConfig> {
  return plugin;
}

/** The manifest `configSchema` of a plugin that takes no config. */
export function emptyPluginConfigSchema(): { type: "object"; additionalProperties: false; properties: Record<string, never> } {
  return { type: "object", additionalProperties: false, properties: {} };
}
