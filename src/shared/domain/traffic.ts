// What a traffic run is asked to do and what it reports: one definition for the engine, the CLI, the
// control API and the UI, so pure zod and no Node built-ins.
import { z } from 'zod'

/** Bounds that keep one run from hurting the machine it runs on (two cores on the build machines). */
export const TRAFFIC_LIMITS = {
  maxRate: 10_000,
  maxDurationSeconds: 3600,
  maxConcurrency: 1000,
  maxInFlight: 10_000,
  maxRequests: 10_000_000,
  maxTimeoutSeconds: 600,
  maxCompress: 1000,
  maxTraceRows: 100_000,
  /** Below the control API's 1 MiB request bodies. */
  maxTraceCharacters: 1_000_000,
} as const

export const TRAFFIC_DEFAULTS = {
  maxInFlight: 256,
  maxRequests: 1_000_000,
  timeoutSeconds: 30,
  spikeFactor: 5,
} as const

// Messages name no field: the caller prefixes the path (`pattern.rate: …`) or the CLI flag (`--rate: …`).
const rate = () =>
  z
    .number({ error: 'must be a number of requests per second' })
    .min(0, { error: 'must be at least 0 requests per second' })
    .max(TRAFFIC_LIMITS.maxRate, { error: `must be at most ${TRAFFIC_LIMITS.maxRate} requests per second` })
const positiveRate = () => rate().positive({ error: 'must be more than 0 requests per second' })
const seconds = () =>
  z
    .number({ error: 'must be a number of seconds' })
    .min(0, { error: 'must be at least 0 seconds' })
    .max(TRAFFIC_LIMITS.maxDurationSeconds, {
      error: `must be at most ${TRAFFIC_LIMITS.maxDurationSeconds} seconds`,
    })
const count = (min: number, max: number) =>
  z
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` })

/**
 * How the intended request rate changes over the run. Times are seconds from the start of the run;
 * optional moments default to fractions of the duration (spike: the middle third; step: half way).
 */
export const TrafficPattern = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('steady'), rate: positiveRate() }).strict(),
  z.object({ kind: z.literal('ramp'), from: rate(), to: rate() }).strict(),
  z
    .object({
      kind: z.literal('spike'),
      rate: positiveRate(),
      /** The spike's rate is `rate × factor`. */
      factor: z
        .number()
        .min(1, { error: 'must be at least 1' })
        .max(100, { error: 'must be at most 100' })
        .default(TRAFFIC_DEFAULTS.spikeFactor),
      atSeconds: seconds().optional(),
      lengthSeconds: seconds().positive({ error: 'must be more than 0 seconds' }).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('step'),
      rate: positiveRate(),
      /** The level after the step; default twice the base. */
      to: rate().optional(),
      atSeconds: seconds().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('trace'),
      /** `second,requests_per_second` rows, header optional; each row holds until the next one's second. */
      csv: z.string().max(TRAFFIC_LIMITS.maxTraceCharacters, {
        error: `is longer than ${TRAFFIC_LIMITS.maxTraceCharacters} characters`,
      }),
      /** Replays the trace this many times faster; the rates themselves are kept. */
      compress: z
        .number()
        .positive({ error: 'must be more than 0' })
        .max(TRAFFIC_LIMITS.maxCompress, { error: `must be at most ${TRAFFIC_LIMITS.maxCompress}` })
        .default(1),
      /** Named in error messages, e.g. the file the CSV came from. */
      source: z.string().optional(),
    })
    .strict(),
])
export type TrafficPattern = z.infer<typeof TrafficPattern>
export type TrafficPatternKind = TrafficPattern['kind']

export const TrafficPlan = z
  .object({
    /** The server to load, e.g. the VIM's front proxy. A path here is the default request path. */
    url: z.string().min(1, { error: 'is required' }),
    /** The request path and query, e.g. `/` (costs CPU) or `/session?seconds=5` (holds half a container). */
    path: z
      .string()
      .regex(/^\/[^\s]*$/, { error: "must start with '/' and contain no spaces" })
      .optional(),
    /**
     * open: requests leave on a schedule whatever the server does, and latency counts from the intended
     * send time. closed: `concurrency` users, each sending its next request when the previous answered.
     */
    mode: z.enum(['open', 'closed']).default('open'),
    /** Open loop: how the rate changes over the run (required). Closed loop: not used. */
    pattern: TrafficPattern.optional(),
    /** Required, except for a trace, which lasts as long as its (compressed) rows by default. */
    durationSeconds: seconds().positive({ error: 'must be more than 0 seconds' }).optional(),
    /** Closed loop: the number of users. */
    concurrency: count(1, TRAFFIC_LIMITS.maxConcurrency).default(1),
    /** The run ends after this many requests, even before its duration. */
    maxRequests: count(1, TRAFFIC_LIMITS.maxRequests).default(TRAFFIC_DEFAULTS.maxRequests),
    /** Open loop: requests outstanding at once; a server that does not answer cannot pile up sockets. */
    maxInFlight: count(1, TRAFFIC_LIMITS.maxInFlight).default(TRAFFIC_DEFAULTS.maxInFlight),
    /** Per request, for the response headers and again for the body. */
    timeoutSeconds: z
      .number()
      .positive({ error: 'must be more than 0 seconds' })
      .max(TRAFFIC_LIMITS.maxTimeoutSeconds, {
        error: `must be at most ${TRAFFIC_LIMITS.maxTimeoutSeconds} seconds`,
      })
      .default(TRAFFIC_DEFAULTS.timeoutSeconds),
  })
  .strict()
export type TrafficPlan = z.infer<typeof TrafficPlan>
export type TrafficPlanInput = z.input<typeof TrafficPlan>

/** What the UI sends to start a run: the plan, aimed at the VIM's front proxy unless it names a URL. */
export const TrafficStartInput = TrafficPlan.extend({ url: z.string().min(1).optional() })
export type TrafficStartInput = z.input<typeof TrafficStartInput>

/** Why a request got no response. */
export const TrafficErrorKind = z.enum([
  'connect-refused',
  'connect-timeout',
  'timeout',
  'reset',
  'dns',
  'other',
])
export type TrafficErrorKind = z.infer<typeof TrafficErrorKind>

/**
 * Milliseconds until the whole response arrived (any status); for open-loop runs counted from the intended
 * send time. Requests with no response are counted by cause instead. Zero when nothing was measured.
 */
export const LatencySummary = z.object({
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  max: z.number(),
})
export type LatencySummary = z.infer<typeof LatencySummary>

const Window = z.object({
  /** Requests answered (with any status) or failed in the window. */
  completed: z.number().int(),
  /** Completed per second. */
  rate: z.number(),
  /** Requests sent per second. */
  sentRate: z.number(),
  /** Responses with status ≥ 400 plus requests with no response. */
  failed: z.number().int(),
  latencyMs: LatencySummary,
})

export const TrafficSnapshot = z.object({
  state: z.enum(['running', 'stopping', 'finished']),
  mode: z.enum(['open', 'closed']),
  /** Null in closed loop. */
  pattern: z.enum(['steady', 'ramp', 'spike', 'step', 'trace']).nullable(),
  /** The URL requests go to, path included. */
  target: z.string(),
  elapsedSeconds: z.number(),
  durationSeconds: z.number(),
  /** Open loop: the schedule's rate at this moment. Closed loop: null. */
  intendedRate: z.number().nullable(),
  /** Closed loop: the number of users. Open loop: null. */
  users: z.number().int().nullable(),
  sent: z.number().int(),
  inFlight: z.number().int(),
  /** The last interval (about one second). */
  interval: Window.extend({ seconds: z.number() }),
  /** Since the start. */
  total: Window,
  /** Responses per HTTP status code. */
  statusCodes: z.record(z.string(), z.number().int()),
  /** Requests with no response, per cause. */
  errors: z.partialRecord(TrafficErrorKind, z.number().int()),
  /** Cut by a stop before they were answered (not counted as failed). */
  aborted: z.number().int(),
  /** Open loop: scheduled before the end but never sent, because `maxInFlight` requests were outstanding. */
  unsent: z.number().int(),
  /** How late requests left the generator against their schedule (a busy generator shows here). */
  sendLagMs: z.object({ p99: z.number(), max: z.number() }),
  /** Why the run ended; null while it runs. */
  endReason: z.enum(['duration', 'max-requests', 'stopped']).nullable(),
})
export type TrafficSnapshot = z.infer<typeof TrafficSnapshot>

export const TrafficStatus = z.object({
  running: z.boolean(),
  /** The current run's latest snapshot, or the last run's summary; null before the first run. */
  snapshot: TrafficSnapshot.nullable(),
})
export type TrafficStatus = z.infer<typeof TrafficStatus>
