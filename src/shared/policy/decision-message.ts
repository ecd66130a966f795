// The one sentence a scaling decision leaves in the event log: what was measured, what changed, and which
// rule held it back, in the words of the policy editor.
import type { DecisionReason } from './decide-replicas'
import type { ScalingPolicy, ScalingRule } from './scaling-policy'

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`
const replicas = (n: number) => `${n} ${n === 1 ? 'replica' : 'replicas'}`
const duration = (seconds: number) => `${Number(seconds.toFixed(2))} s`

function measurement(reason: Omit<DecisionReason, 'message'>): string {
  const { utilization, ratio, adjustedRatio, warmingUp, missingMetrics } = reason
  if (utilization === null || ratio === null) {
    const pending = [
      warmingUp > 0 ? `${warmingUp} warming up` : '',
      missingMetrics > 0 ? `${missingMetrics} without metrics` : '',
    ].filter(Boolean)
    return `No CPU metrics yet from a ready replica${pending.length > 0 ? ` (${pending.join(', ')})` : ''}`
  }
  let ratios = `ratio ${ratio.toFixed(2)}`
  if (adjustedRatio !== undefined) {
    const counted = [
      ratio > 1 && warmingUp > 0 ? `${replicas(warmingUp)} warming up as idle` : '',
      missingMetrics > 0
        ? `${replicas(missingMetrics)} without metrics as ${ratio < 1 ? 'busy' : 'idle'}`
        : '',
    ].filter(Boolean)
    ratios += `; ${adjustedRatio.toFixed(2)} counting ${counted.join(' and ')}`
  }
  return `CPU ${percent(utilization)} of limit vs target ${percent(reason.target)} (${ratios})`
}

function rate(rule: ScalingRule, sign: '+' | '−'): string {
  const allowances = [
    rule.maxPercent > 0 ? `${sign}${rule.maxPercent}%` : '',
    rule.maxReplicas > 0 ? `${sign}${replicas(rule.maxReplicas)}` : '',
  ].filter(Boolean)
  return `at most ${allowances.join(' or ')} per ${duration(rule.periodSeconds)}`
}

function limitation(reason: Omit<DecisionReason, 'message'>, policy: ScalingPolicy, ceiling: number): string {
  const { limitedBy, current, desired, rawDesired } = reason
  const up = rawDesired > current
  const { up: tolUp, down: tolDown } = policy.tolerance
  switch (limitedBy) {
    case undefined:
    case 'no-metrics':
      return ''
    case 'tolerance':
      return tolUp === tolDown
        ? `within the ±${percent(tolUp)} tolerance`
        : `within the tolerance (−${percent(tolDown)}/+${percent(tolUp)})`
    case 'headroom':
      return `removing a replica would leave less than ${percent(policy.steadiness.scaleDownHeadroom)} headroom under the target`
    case 'small-rise':
      return `recommended ${rawDesired}; a rise to at most ${policy.steadiness.smallRiseRatio}× the target must hold ${duration(policy.steadiness.smallRiseSeconds)} first`
    case 'after-scale-up':
      return `recommended ${rawDesired}; no scale-down within ${duration(policy.steadiness.scaleDownAfterUpSeconds)} of a scale-up`
    case 'burst':
      return `recommended ${rawDesired}; the load came back within ${duration(policy.steadiness.burstMemorySeconds)} of a scale-down, so scale-down stabilization applies the highest of the last ${duration(policy.steadiness.burstStabilizationSeconds)}`
    case 'warm-up':
      return 'counting the replicas still warming up would reverse the direction, so waiting for them'
    case 'warming':
      return `recommended ${rawDesired}; waiting for the replicas still warming up to take their share first`
    case 'stabilization':
      return up
        ? `recommended ${rawDesired}; scale-up stabilization applies the lowest of the last ${duration(policy.scaleUp.stabilizationSeconds)}`
        : `recommended ${rawDesired}; scale-down stabilization applies the highest of the last ${duration(policy.scaleDown.stabilizationSeconds)}`
    case 'rate-limit':
      return desired > current
        ? `recommended ${rawDesired}, limited by the scale-up rate (${rate(policy.scaleUp, '+')})`
        : `recommended ${rawDesired}, limited by the scale-down rate (${rate(policy.scaleDown, '−')})`
    case 'min':
      return `${desired > current ? 'up to' : 'limited by'} the minimum of ${replicas(policy.minReplicas)}`
    case 'max':
      return `${desired < current ? 'down to' : 'limited by'} the maximum of ${replicas(policy.maxReplicas)}`
    case 'capacity':
      return `${desired < current ? 'down to' : 'limited by'} capacity (${ceiling === 0 ? 'no replica fits' : `${replicas(ceiling)} fit`})`
  }
}

export function describeDecision(
  reason: Omit<DecisionReason, 'message'>,
  policy: ScalingPolicy,
  ceiling: number,
): string {
  const { current, desired } = reason
  const change = desired === current ? `holding ${replicas(current)}` : `${current} → ${replicas(desired)}`
  const why = limitation(reason, policy, ceiling)
  return `${measurement(reason)}: ${change}${why ? `, ${why}` : ''}`
}
