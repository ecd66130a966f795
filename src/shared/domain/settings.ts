// What a user sets and the VIM keeps across restarts (settings.json in the data directory).
import { z } from 'zod'
import { BalancerAlgorithm } from '../balancer/balancer-settings'
import { ClusterScalingSettings } from '../scaler/cluster-settings'

/** A proxy in front of the VIM's front proxy whose X-Forwarded-* headers are kept: an address or CIDR block. */
export const TrustedProxy = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
  error: 'must be an IP address or CIDR block, e.g. 10.0.0.5 or 10.0.0.0/8',
})

export const VimSettings = z.object({
  scaling: ClusterScalingSettings.default(ClusterScalingSettings.parse({})),
  balancer: BalancerAlgorithm.default('least-outstanding'),
  lab: z
    .object({
      /** Leave the lab's containers running when the app exits (they are adopted on the next start). */
      keepContainers: z.boolean().default(false),
    })
    .default({ keepContainers: false }),
  proxy: z
    .object({
      /** Peers whose X-Forwarded-* and Forwarded headers the front proxy keeps; everyone else's are replaced. */
      trustedProxies: z.array(TrustedProxy).max(64).default([]),
    })
    .default({ trustedProxies: [] }),
})
export type VimSettings = z.infer<typeof VimSettings>

/** What the policy editor sends: any part of the settings; the rest stays as it is. */
export const VimSettingsPatch = z.object({
  scaling: z.record(z.string(), z.unknown()).optional(),
  balancer: BalancerAlgorithm.optional(),
  lab: z.object({ keepContainers: z.boolean() }).partial().optional(),
  proxy: z
    .object({ trustedProxies: z.array(TrustedProxy).max(64) })
    .partial()
    .optional(),
})
export type VimSettingsPatch = z.infer<typeof VimSettingsPatch>
