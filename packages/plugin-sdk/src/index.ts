export { definePlugin, emptyPluginConfigSchema } from "./define-plugin.js";
export { GatewayMethodError, isGatewayMethodError } from "./method-error.js";
export type { GatewayMethodErrorCode, GatewayMethodErrorOptions } from "./method-error.js";
export type {
  GatewayMethodHandler,
  MethodContext,
  PluginApi,
  PluginDefinition,
  PluginHookName,
  PluginHookPayloads,
  PluginRegister,
  PluginScope,
  PluginService,
  PluginStorage,
  PublishEventOptions,
  RegisterMethodOptions,
  ServiceContext,
} from "./api.js";
