import * as z from "zod";
import { MethodAccess } from "./scopes.js";

/**
 * What a service instance announces in the registry bucket, refreshed every `heartbeatMs`.
 * Edges judge liveness by `ts` (nats-server 2.9 emits no watch event when an entry expires).
 */
export const ServiceAnnouncement = z.object({
  service: z.string().min(1),
  instanceId: z.string().min(1),
  version: z.string().min(1),
  startedAt: z.int().min(0),
  ts: z.int().min(0),
  heartbeatMs: z.int().min(1),
  methods: z.array(z.object({ name: z.string().min(1), access: MethodAccess })),
  /** Set on a graceful stop, so edges drop the instance at once instead of waiting it out. */
  stopping: z.boolean().optional(),
});
export type ServiceAnnouncement = z.infer<typeof ServiceAnnouncement>;

/** How many missed heartbeats make an instance count as gone. */
export const ANNOUNCEMENT_MISSED_BEATS = 3;

/** A method announced this recently but served by nobody answers UNAVAILABLE, not "unknown". */
export const ANNOUNCEMENT_MEMORY_MS = 10 * 60_000;

export function isAnnouncementLive(announcement: ServiceAnnouncement, now: number): boolean {
  return !announcement.stopping && now - announcement.ts <= announcement.heartbeatMs * ANNOUNCEMENT_MISSED_BEATS;
}
