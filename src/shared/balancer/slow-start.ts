// Slow start: a cold backend (new container, VM back from ejection) gets a share of traffic that grows
// over a window, so that a JIT warming up or an empty cache is not hit by its full share at once.
import type { BalancerSettings } from './balancer-settings'

export type SlowStartSettings = Pick<BalancerSettings, 'slowStartMs' | 'slowStartMinFraction'>

/** The weight a backend is balanced with `msInService` after it entered service: a linear ramp. */
export function effectiveWeight(weight: number, msInService: number, settings: SlowStartSettings): number {
  const { slowStartMs, slowStartMinFraction } = settings
  if (slowStartMs <= 0 || msInService >= slowStartMs) return weight
  // A clock that steps backwards must not give a negative weight.
  const progress = Math.max(0, msInService) / slowStartMs
  return weight * (slowStartMinFraction + (1 - slowStartMinFraction) * progress)
}

export function isWarmingUp(msInService: number, settings: SlowStartSettings): boolean {
  return settings.slowStartMs > 0 && msInService < settings.slowStartMs
}
