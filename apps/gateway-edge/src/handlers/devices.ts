import {
  DevicePairApproveParams,
  type DevicePairApproveResult,
  type DevicePairingRequest,
  DevicePairListParams,
  type DevicePairListResult,
  DevicePairRejectParams,
  type DevicePairRejectResult,
  type DevicePairResolved,
  DeviceTokenRevokeParams,
  type DeviceTokenRevokeResult,
  DeviceTokenRotateParams,
  type DeviceTokenRotateResult,
  GatewayError,
  formatParamsIssues,
} from "@clawdbot/protocol";
import type * as z from "zod";
import { type DeviceStore, summarizeDevice } from "../device-store.js";
import type { LocalHandler } from "./system.js";

export interface DeviceDeps {
  devices: DeviceStore;
  /** Publishes a pairing event to the operators of every edge. */
  announce: (event: "device.pair.requested" | "device.pair.resolved", payload: DevicePairingRequest | DevicePairResolved) => void;
}

function parse<S extends z.ZodType>(method: string, schema: S, params: unknown): z.output<S> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new GatewayError("INVALID_REQUEST", `invalid ${method} params: ${formatParamsIssues(parsed.error.issues)}`, { kind: "invalidParams" });
  return parsed.data;
}

/**
 * `device.pair.*` and `device.token.*` (spec §4.5), answered by any edge from the shared device
 * store; resolutions are announced to every edge's operators. Scope checks (operator.pairing)
 * happen before these run.
 */
export function deviceHandlers(deps: DeviceDeps): Record<string, LocalHandler> {
  const { devices, announce } = deps;
  return {
    "device.pair.list": async (params): Promise<DevicePairListResult> => {
      parse("device.pair.list", DevicePairListParams, params);
      const { pending, paired } = await devices.list();
      return { pending, paired: paired.map(summarizeDevice) };
    },
    "device.pair.approve": async (params, conn): Promise<DevicePairApproveResult> => {
      const { requestId } = parse("device.pair.approve", DevicePairApproveParams, params);
      const approved = await devices.approve(requestId);
      if (!approved) throw new GatewayError("INVALID_REQUEST", "unknown requestId");
      conn.log.info({ deviceId: approved.device.deviceId, role: approved.device.role, requestId }, "device pairing approved");
      announce("device.pair.resolved", { requestId, deviceId: approved.device.deviceId, decision: "approved", ts: Date.now() });
      return { requestId, device: summarizeDevice(approved.device) };
    },
    "device.pair.reject": async (params, conn): Promise<DevicePairRejectResult> => {
      const { requestId } = parse("device.pair.reject", DevicePairRejectParams, params);
      const rejected = await devices.reject(requestId);
      if (!rejected) throw new GatewayError("INVALID_REQUEST", "unknown requestId");
      conn.log.info({ deviceId: rejected.deviceId, requestId }, "device pairing rejected");
      announce("device.pair.resolved", { requestId, deviceId: rejected.deviceId, decision: "rejected", ts: Date.now() });
      return { requestId, deviceId: rejected.deviceId };
    },
    "device.token.rotate": async (params, conn): Promise<DeviceTokenRotateResult> => {
      const { deviceId, role, scopes } = parse("device.token.rotate", DeviceTokenRotateParams, params);
      const token = await devices.rotate(deviceId, role, scopes);
      if (!token) throw new GatewayError("INVALID_REQUEST", "unknown deviceId/role");
      conn.log.info({ deviceId, role, scopes: token.scopes }, "device token rotated");
      return { deviceId, role: token.role, token: token.token, scopes: token.scopes, rotatedAtMs: token.rotatedAtMs ?? token.createdAtMs };
    },
    "device.token.revoke": async (params, conn): Promise<DeviceTokenRevokeResult> => {
      const { deviceId, role } = parse("device.token.revoke", DeviceTokenRevokeParams, params);
      const token = await devices.revoke(deviceId, role);
      if (!token) throw new GatewayError("INVALID_REQUEST", "unknown deviceId/role");
      conn.log.info({ deviceId, role }, "device token revoked");
      return { deviceId, role: token.role, revokedAtMs: token.revokedAtMs ?? Date.now() };
    },
  };
}
