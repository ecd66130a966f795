// The two policies under test, built from the same bounds: ours (defaultPolicy) fed by the agent's
// metric window every second, and the HPA defaults (hpaDefaultPolicy) fed by a 15 s mean every 15 s.
import { defaultPolicy, hpaDefaultPolicy, type ScalingPolicy } from '../../src/shared/policy'
import type { MetricFeed } from './replica-metric'
import type { Workload } from './workload'

export interface Contender {
  id: 'ours' | 'hpa'
  label: string
  policy: ScalingPolicy
  feed: MetricFeed
  /** When, in seconds after the trace starts (modulo the interval), the loop evaluates. */
  phaseSeconds: number
}

/**
 * HPA's 15 s loop runs at an arbitrary phase against the load. Half a period (8 s, the whole second above
 * 7.5) puts each scenario's load changes, which fall on whole minutes, mid-way between two syncs: HPA's
 * average case, neither the sync right after the change (best) nor right before it (worst).
 */
export const HPA_PHASE_SECONDS = 8

export function contenders(w: Workload): [Contender, Contender] {
  const bounds = {
    targetUtilization: w.targetUtilization,
    minReplicas: w.minReplicas,
    maxReplicas: w.maxReplicas,
  }
  return [
    { id: 'ours', label: 'Ours', policy: defaultPolicy(bounds), feed: 'agent-window', phaseSeconds: 0 },
    {
      id: 'hpa',
      label: 'HPA defaults',
      policy: hpaDefaultPolicy(bounds),
      feed: 'metrics-server',
      phaseSeconds: HPA_PHASE_SECONDS,
    },
  ]
}
