// What a user sets and the VIM keeps across restarts (settings.json in the data directory).
import { z } from 'zod'
import { BalancerAlgorithm } from '../balancer/balancer-settings'
import { ClusterScalingSettings } from '../scaler/cluster-settings'

export const VimSettings = z.object({
  scaling: ClusterScalingSettings.default(ClusterScalingSettings.parse({})),
  balancer: BalancerAlgorithm.default('least-outstanding'),
  lab: z
    .object({
      /** Leave the lab's containers running when the app exits (they are adopted on the next start). */
      keepContainers: z.boolean().default(false),
      /** Lab VM names are `<prefix>-1`, …; unset: `lab-` and 4 characters of the cluster id. --lab-prefix wins. */
      namePrefix: z
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9_.-]{0,58}$/,
          "namePrefix must be letters, digits, '.', '_' or '-' (at most 59)",
        )
        .optional(),
    })
    .default({ keepContainers: false }),
})
export type VimSettings = z.infer<typeof VimSettings>

/** What the policy editor sends: any part of the settings; the rest stays as it is. */
export const VimSettingsPatch = z.object({
  scaling: z.record(z.string(), z.unknown()).optional(),
  balancer: BalancerAlgorithm.optional(),
  lab: z.object({ keepContainers: z.boolean() }).partial().optional(),
})
export type VimSettingsPatch = z.infer<typeof VimSettingsPatch>
