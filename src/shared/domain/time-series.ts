// The metric history the charts draw: which series exist per VM and per container, and the shape
// the control API returns them in (one shared time axis per subject, 1 s apart, null where no sample).
import { z } from 'zod'
import { queryNumber } from './query-params'

/** Seconds between two points of a series; the agents report once a second. */
export const SERIES_STEP_MS = 1000

export const VM_METRICS = [
  'cpuPercent',
  'memoryBytes',
  'replicas',
  'readyReplicas',
  'requestRate',
  'latencyMsP50',
  'latencyMsP95',
  'errorRate',
] as const
export const VmMetric = z.enum(VM_METRICS)
export type VmMetric = z.infer<typeof VmMetric>

export const CONTAINER_METRICS = ['cpuPercent', 'memoryBytes'] as const
export const ContainerMetric = z.enum(CONTAINER_METRICS)
export type ContainerMetric = z.infer<typeof ContainerMetric>

/** One value per point of `times`; null where nothing was reported for that second. */
const Values = z.array(z.number().nullable())
const Times = z.array(z.number()).describe('Milliseconds since the epoch, whole seconds, ascending')

export const VmSeriesResponse = z.object({
  kind: z.literal('vm'),
  vmId: z.string(),
  times: Times,
  series: z.object({
    cpuPercent: Values,
    memoryBytes: Values,
    replicas: Values,
    readyReplicas: Values,
    requestRate: Values,
    latencyMsP50: Values,
    latencyMsP95: Values,
    errorRate: Values,
  }) satisfies z.ZodType<Record<VmMetric, (number | null)[]>>,
})
export type VmSeriesResponse = z.infer<typeof VmSeriesResponse>

export const ContainerSeriesResponse = z.object({
  kind: z.literal('container'),
  vmId: z.string(),
  containerId: z.string(),
  times: Times,
  series: z.object({ cpuPercent: Values, memoryBytes: Values }) satisfies z.ZodType<
    Record<ContainerMetric, (number | null)[]>
  >,
})
export type ContainerSeriesResponse = z.infer<typeof ContainerSeriesResponse>

export const SeriesResponse = z.discriminatedUnion('kind', [VmSeriesResponse, ContainerSeriesResponse])
export type SeriesResponse = z.infer<typeof SeriesResponse>

/** What a chart asks for: one VM, or one of its containers, from `fromMs` (default: all that is kept). */
export const SeriesQuery = z
  .object({
    vmId: z.string().min(1, 'vmId is required'),
    containerId: z.string().min(1).optional(),
    fromMs: queryNumber(
      z.number().nonnegative('fromMs must be a time in milliseconds since the epoch'),
    ).optional(),
  })
  .strict()
export type SeriesQuery = z.infer<typeof SeriesQuery>
