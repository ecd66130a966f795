// Active health checks: how often each balancer probes its backends, how long a probe may take, and how
// many results in a row flip a backend. One schema for the agent (--balancer) and the VIM (settings.proxy).
import { z } from 'zod'
import { aboveLimit, SETTING_LIMITS, settingsObject } from '../domain/setting-fields'

const probeCount = (name: string) =>
  z
    .number()
    .int(`${name} must be a whole number`)
    .min(1, `${name} must be at least 1`)
    .max(SETTING_LIMITS.consecutiveFailures, aboveLimit(name, SETTING_LIMITS.consecutiveFailures))

export const HealthSettings = settingsObject({
  /** Probes stop altogether when false; backends then leave only through passive ejection. */
  enabled: z.boolean().default(true),
  /** Time between two probes of one backend. */
  intervalMs: z
    .number()
    .int('intervalMs must be a whole number of milliseconds')
    .min(100, 'intervalMs must be at least 100 ms')
    .max(SETTING_LIMITS.milliseconds, aboveLimit('intervalMs', SETTING_LIMITS.milliseconds, 'ms (an hour)'))
    .default(2_000),
  /** A probe without a response head within this long fails: a hung process answers nothing at all. */
  timeoutMs: z
    .number()
    .int('timeoutMs must be a whole number of milliseconds')
    .min(50, 'timeoutMs must be at least 50 ms')
    .max(SETTING_LIMITS.milliseconds, aboveLimit('timeoutMs', SETTING_LIMITS.milliseconds, 'ms (an hour)'))
    .default(1_000),
  /** Failed probes in a row that declare a backend unhealthy (with the defaults: out within 3 intervals). */
  unhealthyThreshold: probeCount('unhealthyThreshold').default(2),
  /** Passed probes in a row that bring an unhealthy backend back (it then warms up as after an ejection). */
  healthyThreshold: probeCount('healthyThreshold').default(2),
  /**
   * The agent replaces a container unhealthy for this long (the replacement first, then the sick one).
   * The front proxy does not use it: a VM is not replaced for failing its check.
   */
  replaceAfterMs: z
    .number()
    .int('replaceAfterMs must be a whole number of milliseconds')
    .nonnegative('replaceAfterMs must be 0 ms or more')
    .max(
      SETTING_LIMITS.milliseconds,
      aboveLimit('replaceAfterMs', SETTING_LIMITS.milliseconds, 'ms (an hour)'),
    )
    .default(30_000),
})
export type HealthSettings = z.infer<typeof HealthSettings>
export type HealthSettingsInput = z.input<typeof HealthSettings>

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = HealthSettings.parse({})
