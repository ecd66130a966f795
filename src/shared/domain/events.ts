// The decision log as the control API returns it: what happened in the cluster, to which VM or
// container, and why — one sentence for a person, and the numbers behind it for the UI.
import { z } from 'zod'
import { queryList, queryNumber } from './query-params'

export const EventKind = z.enum([
  'scaling',
  'placement',
  'vm',
  'container',
  'agent',
  'provider',
  'proxy',
  'settings',
  'error',
])
export type EventKind = z.infer<typeof EventKind>

/**
 * The structured reason, flat so the UI can show it as a table without knowing each kind, e.g. a scaling
 * decision's `utilization`, `target`, `ratio`, `current`, `desired`, `limitedBy`.
 */
export const EventDetail = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
export type EventDetail = z.infer<typeof EventDetail>

export const ClusterEvent = z.object({
  /** Increases by one per event in a VIM run: a client that reconnects asks for what came after it. */
  id: z.number().int().positive(),
  /** Milliseconds since the epoch. */
  at: z.number(),
  kind: EventKind,
  vmId: z.string().optional(),
  containerId: z.string().optional(),
  /** The reason, as one sentence a person reads in the event log. */
  message: z.string(),
  detail: EventDetail.optional(),
})
export type ClusterEvent = z.infer<typeof ClusterEvent>

export const MAX_EVENTS_PER_QUERY = 5000

/** Filters for the log; all are optional and combine with "and". Results are newest first. */
export const EventQuery = z
  .object({
    vmId: z.string().min(1).optional(),
    kinds: queryList(EventKind).optional(),
    /** Only events with a larger id: what a reconnecting client missed. */
    afterId: queryNumber(z.number().int().nonnegative('afterId must be a whole number')).optional(),
    limit: queryNumber(
      z
        .number()
        .int('limit must be a whole number')
        .positive('limit must be at least 1')
        .max(MAX_EVENTS_PER_QUERY, `limit must be at most ${MAX_EVENTS_PER_QUERY}`),
    ).optional(),
  })
  .strict()
export type EventQuery = z.infer<typeof EventQuery>

export const EventList = z.array(ClusterEvent)
export type EventList = z.infer<typeof EventList>
