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

const milliseconds = (name: string, min: number) =>
  z
    .number()
    .int(`${name} must be a whole number of milliseconds`)
    .min(min, `${name} must be at least ${min} ms`)
    .max(SETTING_LIMITS.milliseconds, aboveLimit(name, SETTING_LIMITS.milliseconds, 'ms (an hour)'))

/** The fields without their defaults, so that a patch names only what it changes. */
const fields = {
  /** Probes stop altogether when false; backends then leave only through passive ejection. */
  enabled: z.boolean(),
  /** Time between two probes of one backend. */
  intervalMs: milliseconds('intervalMs', 100),
  /** A probe without a response head within this long fails: a hung process answers nothing at all. */
  timeoutMs: milliseconds('timeoutMs', 50),
  /** Failed probes in a row that declare a backend unhealthy (with the defaults: out within 3 intervals). */
  unhealthyThreshold: probeCount('unhealthyThreshold'),
  /** Passed probes in a row that bring an unhealthy backend back (it then warms up as after an ejection). */
  healthyThreshold: probeCount('healthyThreshold'),
  /**
   * The agent replaces a container unhealthy for this long (the replacement first, then the sick one).
   * The front proxy does not use it: a VM is not replaced for failing its check.
   */
  replaceAfterMs: milliseconds('replaceAfterMs', 0),
}

export const HealthSettings = settingsObject({
  enabled: fields.enabled.default(true),
  intervalMs: fields.intervalMs.default(2_000),
  timeoutMs: fields.timeoutMs.default(1_000),
  unhealthyThreshold: fields.unhealthyThreshold.default(2),
  healthyThreshold: fields.healthyThreshold.default(2),
  replaceAfterMs: fields.replaceAfterMs.default(30_000),
})
export type HealthSettings = z.infer<typeof HealthSettings>
export type HealthSettingsInput = z.input<typeof HealthSettings>

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = HealthSettings.parse({})

/** Some of the fields, e.g. in the policy editor's patch of the VIM's settings; the rest stays. */
export const HealthSettingsPatch = settingsObject(fields).partial()
