import * as z from "zod";
import { isPlainObject, type JsonObject } from "./paths.js";
import { SECRET_KEY } from "./redact.js";
import { ConfigSchema } from "./schema.js";

/** One field's presentation in a config editor (the original's `ConfigUiHint`). */
export interface ConfigUiHint {
  label?: string;
  help?: string;
  group?: string;
  order?: number;
  advanced?: boolean;
  sensitive?: boolean;
  placeholder?: string;
  itemTemplate?: unknown;
}

// Group labels and order of the top-level sections, as the original shows them.
const GROUPS: Record<string, [label: string, order: number]> = {
  wizard: ["Wizard", 20],
  update: ["Update", 25],
  diagnostics: ["Diagnostics", 27],
  gateway: ["Gateway", 30],
  nodeHost: ["Node Host", 35],
  agents: ["Agents", 40],
  tools: ["Tools", 50],
  bindings: ["Bindings", 55],
  audio: ["Audio", 60],
  models: ["Models", 70],
  messages: ["Messages", 80],
  commands: ["Commands", 85],
  session: ["Session", 90],
  cron: ["Cron", 100],
  hooks: ["Hooks", 110],
  ui: ["UI", 120],
  browser: ["Browser", 130],
  talk: ["Talk", 140],
  channels: ["Messaging Channels", 150],
  skills: ["Skills", 200],
  plugins: ["Plugins", 205],
  discovery: ["Discovery", 210],
  logging: ["Logging", 900],
};

/** A plugin's contribution to `config.schema` (from the manifests the plugin-host publishes). */
export interface PluginSchemaSource {
  id: string;
  name?: string;
  description?: string;
  configSchema?: JsonObject;
  uiHints?: Record<string, unknown>;
  /** Channel ids this plugin provides: its schema also describes `channels.<id>`. */
  channels?: string[];
}

export interface ConfigSchemaResponse {
  schema: JsonObject;
  uiHints: Record<string, ConfigUiHint>;
  version: string;
  generatedAt: string;
}

const HINT_KEYS = ["label", "help", "group", "order", "advanced", "sensitive", "placeholder", "itemTemplate"] as const;

/** A plugin's hint with only the keys a hint may have (the original's schema forbids others). */
function cleanHint(hint: JsonObject): ConfigUiHint {
  return Object.fromEntries(HINT_KEYS.filter((k) => hint[k] !== undefined).map((k) => [k, hint[k]]));
}

let baseSchema: JsonObject | undefined;

/** The base JSON Schema (draft-07, like the original), generated once from the zod schema. */
export function configJsonSchema(): JsonObject {
  baseSchema ??= z.toJSONSchema(ConfigSchema, { target: "draft-7", io: "input", unrepresentable: "any" }) as JsonObject;
  return structuredClone(baseSchema);
}

/** Labels, help and `sensitive` from the schema's metadata, plus group labels; `*` stands for any key or item. */
function hintsFromSchema(node: unknown, path: string[], hints: Record<string, ConfigUiHint>): void {
  if (!isPlainObject(node)) return;
  const key = path.join(".");
  const hint: ConfigUiHint = {};
  if (typeof node.title === "string" && path.length > 0) hint.label = node.title;
  if (typeof node.description === "string") hint.help = node.description;
  const last = path.at(-1);
  if (node.sensitive === true || (last && last !== "*" && SECRET_KEY.test(last) && node.type === "string")) hint.sensitive = true;
  if (path.length === 1 && GROUPS[path[0]!]) [hint.group, hint.order] = GROUPS[path[0]!]!;
  if (key && Object.keys(hint).length > 0) hints[key] = { ...hints[key], ...hint };
  if (isPlainObject(node.properties)) for (const [k, v] of Object.entries(node.properties)) hintsFromSchema(v, [...path, k], hints);
  if (isPlainObject(node.additionalProperties)) hintsFromSchema(node.additionalProperties, [...path, "*"], hints);
  if (isPlainObject(node.items)) hintsFromSchema(node.items, [...path, "*"], hints);
  for (const alt of [node.anyOf, node.oneOf].filter(Array.isArray)) for (const option of alt as unknown[]) hintsFromSchema(option, path, hints);
}

/**
 * `config.schema` (subsystems §A.9): the JSON Schema with each plugin's schema merged at
 * `plugins.entries.<id>.config` and each channel plugin's at `channels.<id>`, and the uiHints.
 */
export function buildConfigSchema(plugins: readonly PluginSchemaSource[], version: string): ConfigSchemaResponse {
  const schema = configJsonSchema();
  const uiHints: Record<string, ConfigUiHint> = {};
  hintsFromSchema(schema, [], uiHints);
  const root = schema.properties as Record<string, JsonObject>;
  for (const plugin of [...plugins].sort((a, b) => a.id.localeCompare(b.id))) {
    if (plugin.configSchema) {
      const entries = childObject(propertiesOf(childObject(root, "plugins")), "entries");
      propertiesOf(entries)[plugin.id] = {
        type: "object",
        properties: { enabled: { type: "boolean" }, config: plugin.configSchema },
        additionalProperties: false,
      };
      uiHints[`plugins.entries.${plugin.id}`] = { label: plugin.name ?? plugin.id, ...(plugin.description ? { help: plugin.description } : {}) };
      for (const channel of plugin.channels ?? []) {
        propertiesOf((root.channels = { ...root.channels, type: "object" }))[channel] = plugin.configSchema;
        uiHints[`channels.${channel}`] = { label: channel, group: "Messaging Channels" };
      }
    }
    for (const [path, hint] of Object.entries(plugin.uiHints ?? {})) {
      if (isPlainObject(hint)) uiHints[`plugins.entries.${plugin.id}.config.${path}`] = cleanHint(hint);
    }
  }
  return { schema, uiHints, version, generatedAt: new Date().toISOString() };
}

/** A schema node's `properties`, created when missing. */
function propertiesOf(node: JsonObject): Record<string, JsonObject> {
  if (!isPlainObject(node.properties)) node.properties = {};
  return node.properties as Record<string, JsonObject>;
}

/** The object schema at `properties[key]`, created when missing. */
function childObject(properties: Record<string, JsonObject>, key: string): JsonObject {
  if (!isPlainObject(properties[key])) properties[key] = { type: "object" };
  return properties[key];
}
