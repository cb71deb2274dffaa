import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GatewayMethodError, definePlugin } from "@clawdbot/plugin-sdk";
import { DEFAULT_TRIGGERS, normalizeTriggers } from "./triggers.js";

interface StoredTriggers {
  triggers: string[];
  updatedAtMs: number;
}

const KEY = "triggers";

/**
 * Voice wake words as one global list owned by the gateway (spec §7.9). The original keeps them in
 * `<stateDir>/settings/voicewake.json`; here they live in the plugin's KV storage so every
 * plugin-host replica answers the same, and that file is read once as the starting value.
 */
export default definePlugin({
  id: "voicewake",
  register(api) {
    const legacyFile = join(api.stateDir, "settings", "voicewake.json");

    async function load(): Promise<StoredTriggers> {
      const stored = await api.storage.get<StoredTriggers>(KEY);
      if (stored) return { triggers: normalizeTriggers(stored.triggers), updatedAtMs: stored.updatedAtMs };
      const legacy = await readLegacy(legacyFile);
      return legacy ?? { triggers: [...DEFAULT_TRIGGERS], updatedAtMs: 0 };
    }

    api.registerGatewayMethod("voicewake.get", async () => ({ triggers: (await load()).triggers }), { scope: "read" });

    api.registerGatewayMethod<{ triggers?: unknown }>(
      "voicewake.set",
      async (params) => {
        if (!Array.isArray(params.triggers)) {
          throw new GatewayMethodError("INVALID_REQUEST", "voicewake.set requires triggers: string[]");
        }
        const next: StoredTriggers = { triggers: normalizeTriggers(params.triggers), updatedAtMs: Date.now() };
        await api.storage.set(KEY, next);
        api.publishEvent("voicewake.changed", { triggers: next.triggers }, { dropIfSlow: true });
        return { triggers: next.triggers };
      },
      { scope: "write" },
    );
  },
});

async function readLegacy(path: string): Promise<StoredTriggers | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<StoredTriggers>;
    return { triggers: normalizeTriggers(parsed.triggers), updatedAtMs: typeof parsed.updatedAtMs === "number" ? parsed.updatedAtMs : 0 };
  } catch {
    return undefined;
  }
}
