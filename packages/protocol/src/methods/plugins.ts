import * as z from "zod";

export const PluginsListParams = z.strictObject({});
export type PluginsListParams = z.infer<typeof PluginsListParams>;

export const PluginState = z.enum(["loaded", "disabled", "errored", "loading"]);

export const PluginSummary = z.object({
  id: z.string().min(1),
  origin: z.string(),
  enabled: z.boolean(),
  state: PluginState,
  error: z.string().optional(),
  methods: z.array(z.string()),
});
export type PluginSummary = z.infer<typeof PluginSummary>;

export const PluginsListResult = z.object({ plugins: z.array(PluginSummary) });
export type PluginsListResult = z.infer<typeof PluginsListResult>;
