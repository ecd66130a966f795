// What a user sets and the VIM keeps across restarts (settings.json in the data directory).
import { z } from 'zod'
import { BalancerAlgorithm } from '../balancer/balancer-settings'
import { ClusterScalingSettings } from '../scaler/cluster-settings'
import { DEFAULT_MEMBERSHIP_SETTINGS, MembershipSettings } from './membership'
import { settingsObject } from './setting-fields'

export const VimSettings = settingsObject({
  scaling: ClusterScalingSettings.default(ClusterScalingSettings.parse({})),
  balancer: BalancerAlgorithm.default('least-outstanding'),
  lab: settingsObject({
    /** Leave the lab's containers running when the app exits (they are adopted on the next start). */
    keepContainers: z.boolean().default(false),
  }).default({ keepContainers: false }),
  membership: MembershipSettings.default(DEFAULT_MEMBERSHIP_SETTINGS),
})
export type VimSettings = z.infer<typeof VimSettings>

/**
 * What the policy editor sends: any part of the settings; the rest stays as it is. `scaling` is merged
 * into the current settings and checked whole (VimSettings refuses unknown keys at every level), so that
 * cross-field rules (minVms ≤ maxVms) see the merged result.
 */
export const VimSettingsPatch = settingsObject({
  scaling: z.record(z.string(), z.unknown()).optional(),
  balancer: BalancerAlgorithm.optional(),
  lab: settingsObject({ keepContainers: z.boolean() }).partial().optional(),
  membership: z.record(z.string(), z.unknown()).optional(),
})
export type VimSettingsPatch = z.infer<typeof VimSettingsPatch>
