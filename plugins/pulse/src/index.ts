import { definePlugin } from "@clawdbot/plugin-sdk";
import { Pulse, type PulseConfig } from "./pulse.js";

/**
 * An example of a service with config: a timer that broadcasts a beat. The manifest's schema
 * fills in the defaults; a config change is applied in place through the `config_changed` hook.
 */
export default definePlugin<PulseConfig>({
  id: "pulse",
  register(api) {
    const pulse = new Pulse(api.pluginConfig, (event, payload) => api.publishEvent(event, payload, { dropIfSlow: true }));

    api.on("gateway_start", ({ instanceId }) => pulse.setInstance(instanceId));
    api.registerService({
      id: "pulse-timer",
      start: () => pulse.start(),
      stop: () => pulse.stop(),
    });
    api.on("config_changed", ({ pluginConfig }) => {
      api.logger.info({ intervalMs: pluginConfig.intervalMs }, "pulse reconfigured");
      pulse.configure(pluginConfig);
    });
    api.registerGatewayMethod("pulse.status", () => pulse.status(), { scope: "read" });
  },
});
