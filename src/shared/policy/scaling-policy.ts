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

/**
 * Rules that keep the count steady where the HPA's windows alone would make it flap or pay for idle
 * replicas. Each is off at 0 (the HPA has none of them).
 */
const steadiness = settingsObject({
  /** A rise that asks for at most this ratio to the target must hold `smallRiseSeconds` first. */
  smallRiseRatio: z
    .number()
    .min(1, 'steadiness.smallRiseRatio must be at least 1 (1.3 = up to 30 % over the target)')
    .max(10, 'steadiness.smallRiseRatio must be at most 10 (1.3 = up to 30 % over the target)')
    .default(1.3),
  /** How long a small rise must hold: the lowest recommendation of this window applies. 0 = off. */
  smallRiseSeconds: nonNegativeSeconds('steadiness.smallRiseSeconds').default(15),
  /** No scale-down within this long after a scale-up (a scale-down sooner would undo it). 0 = off. */
  scaleDownAfterUpSeconds: nonNegativeSeconds('steadiness.scaleDownAfterUpSeconds').default(60),
  /** A scale-down keeps the remaining replicas at least this fraction under the target. */
  scaleDownHeadroom: z
    .number()
    .min(0, 'steadiness.scaleDownHeadroom must be between 0 and 0.5 (0.05 = 5 % under the target)')
    .max(0.5, 'steadiness.scaleDownHeadroom must be between 0 and 0.5 (0.05 = 5 % under the target)')
    .default(0.05),
  /** A scale-up this soon after a scale-down marks the load as bursty. 0 = off. */
  burstMemorySeconds: nonNegativeSeconds('steadiness.burstMemorySeconds').default(600),
  /** While the load is bursty (a return within the memory), the scale-down window is this long instead. */
  burstStabilizationSeconds: nonNegativeSeconds('steadiness.burstStabilizationSeconds').default(300),
  /** No further scale-up while replicas of an earlier one are still warming up. */
  waitForWarmUp: z.boolean().default(true),
  /** A drop to at most this fraction of the current replicas' worth counts as clearly over. */
  clearDropRatio: fraction('steadiness.clearDropRatio').default(0.5),
  /** Once a clear drop has held this long, the scale-down window is this long instead. 0 = off. */
  clearDropSeconds: nonNegativeSeconds('steadiness.clearDropSeconds').default(15),
})

export type Steadiness = z.infer<typeof steadiness>

/** The HPA has none of the steadiness rules. */
export const NO_STEADINESS: Steadiness = {
  smallRiseRatio: 1,
  smallRiseSeconds: 0,
  scaleDownAfterUpSeconds: 0,
  scaleDownHeadroom: 0,
  burstMemorySeconds: 0,
  burstStabilizationSeconds: 0,
  clearDropRatio: 0,
  clearDropSeconds: 0,
  waitForWarmUp: false,
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
    maxReplicas: 2,
    periodSeconds: 15,
  }).prefault({}),
  scaleDown: scalingRule('scaleDown', {
    stabilizationSeconds: 60,
    maxPercent: 100,
    maxReplicas: 1,
    periodSeconds: 10,
  }).prefault({}),
  steadiness: steadiness.prefault({}),
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
 *   replicas that a scale-down could give back only a minute later.
 * - scaleUp max(100 %, 2) per 15 s: doubling keeps pace with a real surge, while a saturated replica (whose
 *   CPU cannot show how far over it is) does not buy a whole lab for a burst that is over in seconds.
 * - scaleDown stabilization 60 s at up to 100 % per 10 s: once the load has stayed low for a minute, give
 *   back all that it does not need in one step, the HPA's shape on a fifth of its window.
 * - steadiness: a small rise (≤ 1.3× the target) must hold 15 s, as long as HPA's metric window, so noise
 *   does not buy replicas; no scale-down within 60 s of a scale-up; a scale-down leaves 5 % headroom under
 *   the target, so the next noisy minute does not undo it; and once the load has come back within 600 s of
 *   a scale-down, the scale-down window is 300 s (HPA's), so recurring bursts find their replicas warm;
 *   but once every recommendation of the last 15 s asks for at most half the replicas in force, the surge
 *   is clearly over and the scale-down window is those 15 s (never within 60 s of a scale-up, never while
 *   the load is bursty): a spike's capacity is not paid for a minute longer than the spike.
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
    steadiness: NO_STEADINESS,
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
