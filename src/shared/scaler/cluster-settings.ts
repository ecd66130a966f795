// The cluster autoscaler's settings: one zod schema with defaults and messages a person can act on, used
// by the control API and the policy editor alike.
import { z } from 'zod'
import { aboveLimit, SETTING_LIMITS, settingsObject } from '../domain/setting-fields'
import { ScalingPolicy } from '../policy'
import { PlacementStrategy } from './place-replicas'
import { DEFAULT_START_TIMEOUT_SECONDS } from './plan-fleet'

const wholeVms = (name: string, min: number) =>
  z
    .number()
    .int(`${name} must be a whole number of VMs`)
    .min(min, `${name} must be at least ${min}: the cluster needs one VM to serve and to measure load`)
    .max(SETTING_LIMITS.vms, aboveLimit(name, SETTING_LIMITS.vms, 'VMs'))

export const ClusterScalingSettings = settingsObject({
  /** Cluster-wide: min/maxReplicas bound the sum over all VMs. */
  policy: ScalingPolicy.prefault({}),
  /** Spread by default: a lab shows its replicas across VMs, and losing one VM loses the fewest. */
  placement: PlacementStrategy.default('spread'),
  minVms: wholeVms('minVms', 1).default(1),
  /** The local lab's two VMs and two more: a runaway load test cannot start every VM a provider has. */
  maxVms: wholeVms('maxVms', 1).default(4),
  /**
   * How long a VM stays up with no replicas before it is stopped. Longer than the policy's 90 s
   * scale-down window, so a VM emptied by a dip is still there when the load returns.
   */
  idleCooldownSeconds: z
    .number()
    .nonnegative('idleCooldownSeconds must be 0 seconds or more')
    .max(
      SETTING_LIMITS.idleCooldownSeconds,
      aboveLimit('idleCooldownSeconds', SETTING_LIMITS.idleCooldownSeconds, 'seconds'),
    )
    .default(120),
  /**
   * How long a powered-on VM may take to connect its agent. Until then no other VM is started (it may
   * be the room asked for); after it, the fleet stops waiting for it.
   */
  startTimeoutSeconds: z
    .number()
    .positive('startTimeoutSeconds must be more than 0 seconds')
    .max(SETTING_LIMITS.seconds, aboveLimit('startTimeoutSeconds', SETTING_LIMITS.seconds, 'seconds'))
    .default(DEFAULT_START_TIMEOUT_SECONDS),
}).superRefine((settings, ctx) => {
  if (settings.minVms > settings.maxVms) {
    ctx.addIssue({
      code: 'custom',
      path: ['minVms'],
      message: `minVms (${settings.minVms}) must not be more than maxVms (${settings.maxVms})`,
    })
  }
})

export type ClusterScalingSettings = z.infer<typeof ClusterScalingSettings>
/** What a person or a stored file may give: every field optional, filled from the defaults. */
export type ClusterScalingSettingsInput = z.input<typeof ClusterScalingSettings>

export const DEFAULT_CLUSTER_SCALING_SETTINGS: ClusterScalingSettings = ClusterScalingSettings.parse({})

export type ClusterSettingsParseResult =
  | { ok: true; settings: ClusterScalingSettings }
  | { ok: false; errors: string[] }

/**
 * Validates settings from the editor or the API; each error names its field by its full path
 * ("policy.minReplicas (3) must not be more than maxReplicas (2)") and says what to do.
 */
export function parseClusterScalingSettings(input: unknown): ClusterSettingsParseResult {
  const result = ClusterScalingSettings.safeParse(input)
  if (result.success) return { ok: true, settings: result.data }
  return { ok: false, errors: result.error.issues.map((issue) => fieldMessage(issue.path, issue.message)) }
}

// Our messages name their field relative to the schema that owns it ("scaleUp.maxPercent must…");
// prefix the rest of the path, or the whole path when zod's own message names no field.
function fieldMessage(path: readonly PropertyKey[], message: string): string {
  const names = path.map(String)
  for (let i = 0; i < names.length; i++) {
    if (message.startsWith(names.slice(i).join('.'))) {
      return i === 0 ? message : `${names.slice(0, i).join('.')}.${message}`
    }
  }
  return names.length === 0 ? message : `${names.join('.')}: ${message}`
}
