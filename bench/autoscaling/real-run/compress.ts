// Time compression of the real run: every time constant of both policies, of the agent's loop and
// balancer, of the CPU limit's period and of the workload's request cost is divided by one factor F,
// and the scenario replays F× faster at F× the rate, so that each window sees as many requests as in F = 1.
import type { BalancerSettings } from '../../../src/shared/balancer'
import type { ScalingPolicy, ScalingRule } from '../../../src/shared/policy'

/** The CFS period Docker enforces CPU limits over when none is given. */
export const DOCKER_CPU_PERIOD_MS = 100
/** The kernel refuses a CFS quota under 1 ms per period. */
export const KERNEL_MIN_QUOTA_MS = 1
/** The workload's own request cost (its CPU_MS default): what a request costs in trace time. */
export const WORKLOAD_CPU_MS = 20
/** The smallest container the run uses; larger only where a compressed period needs it. */
export const MIN_CONTAINER_CPUS = 0.1

const rule = (r: ScalingRule, factor: number): ScalingRule => ({
  ...r,
  stabilizationSeconds: r.stabilizationSeconds / factor,
  periodSeconds: r.periodSeconds / factor,
})

export function compressPolicy(policy: ScalingPolicy, factor: number): ScalingPolicy {
  return {
    ...policy,
    intervalSeconds: policy.intervalSeconds / factor,
    metricWindowSeconds: policy.metricWindowSeconds / factor,
    readinessDelaySeconds: policy.readinessDelaySeconds / factor,
    scaleUp: rule(policy.scaleUp, factor),
    scaleDown: rule(policy.scaleDown, factor),
    steadiness: {
      ...policy.steadiness,
      smallRiseSeconds: policy.steadiness.smallRiseSeconds / factor,
      scaleDownAfterUpSeconds: policy.steadiness.scaleDownAfterUpSeconds / factor,
      burstMemorySeconds: policy.steadiness.burstMemorySeconds / factor,
      burstStabilizationSeconds: policy.steadiness.burstStabilizationSeconds / factor,
      clearDropSeconds: policy.steadiness.clearDropSeconds / factor,
    },
  }
}

/** The balancer's durations (slow start, ejections); its settings take whole milliseconds. */
export function compressBalancer(settings: BalancerSettings, factor: number): BalancerSettings {
  const ms = (value: number) => Math.round(value / factor)
  return {
    ...settings,
    slowStartMs: ms(settings.slowStartMs),
    baseEjectionMs: ms(settings.baseEjectionMs),
    maxEjectionMs: ms(settings.maxEjectionMs),
  }
}

export interface AgentTiming {
  /** The agent's loop: one CPU sample and one chance to evaluate per round (1 s uncompressed). */
  loopIntervalSeconds: number
  cpuPeriodMs: number
  /** Each container's CPU limit: the smallest whose quota the kernel accepts at the compressed period. */
  cpus: number
  /** The CPU the workload burns per request (the rest of its cost, HTTP handling, cannot be compressed). */
  requestCpuMs: number
}

export function agentTiming(factor: number): AgentTiming {
  const cpuPeriodMs = DOCKER_CPU_PERIOD_MS / factor
  return {
    loopIntervalSeconds: 1 / factor,
    cpuPeriodMs,
    cpus: Math.max(MIN_CONTAINER_CPUS, Math.ceil((KERNEL_MIN_QUOTA_MS / cpuPeriodMs) * 100) / 100),
    requestCpuMs: WORKLOAD_CPU_MS / factor,
  }
}

/** Real time → trace time: seconds since the replay started, × F, less the warm-up. */
export const toTraceSeconds = (realSeconds: number, factor: number, warmupSeconds: number) =>
  realSeconds * factor - warmupSeconds
