// The balancer's knobs, shared by both proxies and validated by the policy editor and the control API.
import { z } from 'zod'
import { aboveLimit, SETTING_LIMITS, settingsObject } from '../domain/setting-fields'
import { DEFAULT_PROXY_QUEUE, DEFAULT_PROXY_TIMEOUTS, ProxyQueue, ProxyTimeouts } from '../proxy/proxy-limits'
import { DEFAULT_HEALTH_SETTINGS, HealthSettings } from './health-settings'

const milliseconds = (name: string) =>
  z
    .number()
    .int(`${name} must be a whole number of milliseconds`)
    .nonnegative(`${name} must be 0 ms or more`)
    .max(SETTING_LIMITS.milliseconds, aboveLimit(name, SETTING_LIMITS.milliseconds, 'ms (an hour)'))

export const BalancerAlgorithm = z.enum([
  'least-outstanding',
  'round-robin',
  'weighted',
  'random',
  'consistent-hash',
])
export type BalancerAlgorithm = z.infer<typeof BalancerAlgorithm>

export const BalancerSettings = settingsObject({
  /** Least outstanding requests copes best with uneven request costs, so it is the default. */
  algorithm: BalancerAlgorithm.default('least-outstanding'),
  /** Failures in a row (5xx, timeouts, refused connections) that eject a backend. */
  consecutiveFailures: z
    .number()
    .int('consecutiveFailures must be a whole number')
    .min(1, 'consecutiveFailures must be at least 1')
    .max(
      SETTING_LIMITS.consecutiveFailures,
      aboveLimit('consecutiveFailures', SETTING_LIMITS.consecutiveFailures),
    )
    .default(3),
  /** First ejection's length; it doubles with each ejection in a row, up to maxEjectionMs. */
  baseEjectionMs: milliseconds('baseEjectionMs').default(5_000),
  maxEjectionMs: milliseconds('maxEjectionMs').default(60_000),
  /**
   * At most this share of the backends is ejected at once; beyond it a failure is more likely shared
   * (a bad image, a saturated host) and ejecting more would only pile the load on the rest.
   * One backend may always be ejected when there are two or more (as in Envoy); 0 turns ejection off.
   */
  maxEjectionPercent: z
    .number()
    .min(0, 'maxEjectionPercent must be between 0 and 100')
    .max(100, 'maxEjectionPercent must be between 0 and 100')
    .default(50),
  /** How long a new or returning backend takes to reach its full weight; 0 turns slow start off. */
  slowStartMs: milliseconds('slowStartMs').default(10_000),
  /** Share of its weight a backend gets at the start of slow start (Envoy's min_weight_percent). */
  slowStartMinFraction: z
    .number()
    .gt(0, 'slowStartMinFraction must be above 0')
    .max(1, 'slowStartMinFraction must be at most 1')
    .default(0.1),
  /** Points per backend on the consistent-hash ring (ketama's 160 keeps shares within a few %). */
  hashRingVirtualNodes: z
    .number()
    .int('hashRingVirtualNodes must be a whole number')
    .min(1, 'hashRingVirtualNodes must be at least 1')
    .max(1_000, aboveLimit('hashRingVirtualNodes', 1_000))
    .default(160),
  /** Connect, response-head and idle-body timeouts of the proxy that uses this pool. */
  timeouts: ProxyTimeouts.default(DEFAULT_PROXY_TIMEOUTS),
  /** In-flight limit per backend and the FIFO queue beyond it. */
  queue: ProxyQueue.default(DEFAULT_PROXY_QUEUE),
  /** Active health checks of the backends (see health-settings.ts). */
  health: HealthSettings.default(DEFAULT_HEALTH_SETTINGS),
})
export type BalancerSettings = z.infer<typeof BalancerSettings>
export type BalancerSettingsInput = z.input<typeof BalancerSettings>

export const DEFAULT_BALANCER_SETTINGS: BalancerSettings = BalancerSettings.parse({})
