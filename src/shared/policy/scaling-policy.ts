// The scaling policy's settings: one zod schema with defaults and human validation messages, our default
// policy, and the Kubernetes HPA defaults that the benchmark compares it with.
import { z } from 'zod'
import { aboveLimit, SETTING_LIMITS, settingsObject } from '../domain/setting-fields'

// Seconds need not be whole: a time-compressed benchmark run divides every time constant by one factor.
const positiveSeconds = (name: string) =>
  z
    .number()
    .positive(`${name} must be more than 0 seconds`)
    .max(SETTING_LIMITS.seconds, aboveLimit(name, SETTING_LIMITS.seconds, 'seconds'))
const nonNegativeSeconds = (name: string) =>
  z
    .number()
    .nonnegative(`${name} must be 0 seconds or more`)
    .max(SETTING_LIMITS.seconds, aboveLimit(name, SETTING_LIMITS.seconds, 'seconds'))
const replicaCount = (name: string) =>
  z.number().max(SETTING_LIMITS.replicas, aboveLimit(name, SETTING_LIMITS.replicas, 'replicas'))

const fraction = (name: string) =>
  z.number().min(0, `${name} must be between 0 and 1`).max(1, `${name} must be between 0 and 1`)

/**
 * How fast one direction may move, like an HPA `behavior.scaleUp|scaleDown` with two policies (Percent and
 * Pods) over one period and `selectPolicy: Max`: within any `periodSeconds` the count may change by the
 * larger of `maxPercent` % of the count at the period's start and `maxReplicas` replicas.
 */
const scalingRule = (direction: 'scaleUp' | 'scaleDown', defaults: ScalingRule) =>
  settingsObject({
    /** Up: apply the lowest recommendation of this window; down: the highest. 0 = no stabilization. */
    stabilizationSeconds: nonNegativeSeconds(`${direction}.stabilizationSeconds`).default(
      defaults.stabilizationSeconds,
    ),
    maxPercent: z
      .number()
      .nonnegative(`${direction}.maxPercent must be 0 or more`)
      .max(SETTING_LIMITS.percent, aboveLimit(`${direction}.maxPercent`, SETTING_LIMITS.percent, '%'))
      .default(defaults.maxPercent),
    /** 0 = no absolute allowance: the percent rule alone decides (HPA's scale-down default). */
    maxReplicas: replicaCount(`${direction}.maxReplicas`)
      .int(`${direction}.maxReplicas must be a whole number of replicas`)
      .nonnegative(`${direction}.maxReplicas must be 0 or more`)
      .default(defaults.maxReplicas),
    periodSeconds: positiveSeconds(`${direction}.periodSeconds`).default(defaults.periodSeconds),
  }).refine((rule) => rule.maxPercent > 0 || rule.maxReplicas > 0, {
    message: `${direction} allows no change at all: set maxPercent or maxReplicas above 0`,
    path: ['maxPercent'],
  })

export interface ScalingRule {
  stabilizationSeconds: number
  maxPercent: number
  maxReplicas: number
  periodSeconds: number
}

export const ScalingPolicy = settingsObject({
  /** Mean CPU use per replica to aim for, as a fraction of each replica's CPU limit. */
  targetUtilization: z
    .number()
    .gt(0, 'targetUtilization must be above 0 (a fraction of the CPU limit, e.g. 0.6)')
    .max(1, 'targetUtilization must be at most 1: a replica cannot use more than its CPU limit')
    .default(0.6),
  /** No change while 1 − down ≤ utilization / target ≤ 1 + up (HPA's --horizontal-pod-autoscaler-tolerance). */
  tolerance: settingsObject({
    up: fraction('tolerance.up').default(0.1),
    down: fraction('tolerance.down').default(0.1),
  }).prefault({}),
  // At least 1: with no replica there is no utilization to measure, so nothing could scale back up.
  minReplicas: replicaCount('minReplicas')
    .int('minReplicas must be a whole number')
    .min(1, 'minReplicas must be at least 1: with no replica running there is no CPU use to measure')
    .default(1),
  maxReplicas: replicaCount('maxReplicas')
    .int('maxReplicas must be a whole number')
    .min(1, 'maxReplicas must be at least 1')
    .default(10),
  /** How often the owning loop evaluates (the agent and the VIM read this; decideReplicas does not). */
  intervalSeconds: positiveSeconds('intervalSeconds').default(1),
  /** The averaging window of the utilization the loop feeds in. */
  metricWindowSeconds: positiveSeconds('metricWindowSeconds').default(5),
  /** Samples from a replica's first seconds after it became ready are not trusted (warm-up). */
  readinessDelaySeconds: nonNegativeSeconds('readinessDelaySeconds').default(5),
  scaleUp: scalingRule('scaleUp', {
    stabilizationSeconds: 3,
    maxPercent: 100,
    maxReplicas: 4,
    periodSeconds: 5,
  }).prefault({}),
  scaleDown: scalingRule('scaleDown', {
    stabilizationSeconds: 90,
    maxPercent: 25,
    maxReplicas: 1,
    periodSeconds: 10,
  }).prefault({}),
}).superRefine((policy, ctx) => {
  if (policy.minReplicas > policy.maxReplicas) {
    ctx.addIssue({
      code: 'custom',
      path: ['minReplicas'],
      message: `minReplicas (${policy.minReplicas}) must not be more than maxReplicas (${policy.maxReplicas})`,
    })
  }
})

export type ScalingPolicy = z.infer<typeof ScalingPolicy>
/** What a person or a stored file may give: every field optional, filled from DEFAULT_POLICY. */
export type ScalingPolicyInput = z.input<typeof ScalingPolicy>

/** The three settings the benchmark gives both policies alike. */
export type PolicyBounds = Partial<Pick<ScalingPolicy, 'targetUtilization' | 'minReplicas' | 'maxReplicas'>>

/**
 * Our policy. The schema's defaults are these values; why each one:
 * - intervalSeconds 1: the agents report once a second, so we look at every report.
 * - metricWindowSeconds 5: smooths one-second noise; a 10× step still crosses the band within ~1 s,
 *   while a ramp is seen only ~2.5 s late.
 * - readinessDelaySeconds 5: one metric window, so a counted sample never mixes in pre-ready idle time
 *   (a Node workload has no JVM-style start-up burst that would need HPA's 30 s).
 * - tolerance 0.1 both ways: HPA's band; the asymmetry we want comes from the windows, and ceil() already
 *   keeps a scale-down from landing above the target.
 * - scaleUp stabilization 3 s: a rise must hold for three evaluations, so one noisy second does not buy
 *   replicas that the slow scale-down would then keep for minutes.
 * - scaleUp max(100 %, 4) per 5 s: HPA's shape at our warm-up cadence (start + 5 s delay), so it is a
 *   safety net against a bogus metric, not the brake; warm-up accounting already limits each step.
 * - scaleDown stabilization 90 s: longer than the 60 s flap horizon, so no scale-up is undone within it,
 *   yet a third of HPA's 300 s of paying for idle replicas after a peak.
 * - scaleDown max(25 %, 1) per 10 s: give capacity back in small steps, so a returning burst finds most
 *   of it still there; 1 replica keeps small counts moving.
 */
export function defaultPolicy(bounds: PolicyBounds = {}): ScalingPolicy {
  return ScalingPolicy.parse(bounds)
}

/**
 * The Kubernetes HPA defaults (docs/SCALING-BENCH.md), reproduced exactly: 15 s sync and metric resolution,
 * tolerance 0.1, 30 s initial-readiness delay, scale-up unstabilized at max(100 %, 4 pods) per 15 s,
 * scale-down stabilized over 300 s at 100 % per 15 s (the Percent policy alone).
 */
export function hpaDefaultPolicy(bounds: PolicyBounds = {}): ScalingPolicy {
  return ScalingPolicy.parse({
    ...bounds,
    tolerance: { up: 0.1, down: 0.1 },
    intervalSeconds: 15,
    metricWindowSeconds: 15,
    readinessDelaySeconds: 30,
    scaleUp: { stabilizationSeconds: 0, maxPercent: 100, maxReplicas: 4, periodSeconds: 15 },
    scaleDown: { stabilizationSeconds: 300, maxPercent: 100, maxReplicas: 0, periodSeconds: 15 },
  })
}

export const DEFAULT_POLICY: ScalingPolicy = defaultPolicy()
export const HPA_DEFAULT_POLICY: ScalingPolicy = hpaDefaultPolicy()

export type PolicyParseResult = { ok: true; policy: ScalingPolicy } | { ok: false; errors: string[] }

/** Validates a policy from the editor or the wire; each error names its field and says what to do. */
export function parseScalingPolicy(input: unknown): PolicyParseResult {
  const result = ScalingPolicy.safeParse(input)
  if (result.success) return { ok: true, policy: result.data }
  return {
    ok: false,
    errors: result.error.issues.map((issue) => {
      // Our messages already name their field; zod's own (wrong type, unknown value) do not.
      const field = issue.path.join('.')
      const named = issue.code === 'custom' || field === '' || issue.message.startsWith(field)
      return named ? issue.message : `${field}: ${issue.message}`
    }),
  }
}
