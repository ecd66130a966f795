// Passive outlier detection, as in Envoy: how long an ejection lasts and how many backends may be out.
import type { BalancerSettings } from './balancer-settings'

export type EjectionSettings = Pick<
  BalancerSettings,
  'baseEjectionMs' | 'maxEjectionMs' | 'maxEjectionPercent'
>

/**
 * Length of the `streak`-th ejection in a row (1 = first): base, 2×base, 4×base… capped, so a backend
 * that keeps failing is retried less and less often but never forgotten.
 */
export function ejectionDurationMs(streak: number, settings: EjectionSettings): number {
  const doublings = Math.max(0, streak - 1)
  // 2 ** 1024 is Infinity, which Math.min caps as well, so a long streak cannot overflow.
  return Math.min(settings.baseEjectionMs * 2 ** doublings, settings.maxEjectionMs)
}

/** Whether one more backend may be ejected while `ejected` of `total` already are. */
export function mayEject(
  ejected: number,
  total: number,
  settings: Pick<EjectionSettings, 'maxEjectionPercent'>,
): boolean {
  const afterEjection = ejected + 1
  if (settings.maxEjectionPercent <= 0) return false
  // Always keep one backend in service: a struggling backend still beats a certain 503.
  if (afterEjection >= total) return false
  // Like Envoy, one ejection is always allowed, or small clusters could never eject anything.
  return afterEjection === 1 || afterEjection * 100 <= total * settings.maxEjectionPercent
}
