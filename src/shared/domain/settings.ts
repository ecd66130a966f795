// What a user sets and the VIM keeps across restarts (settings.json in the data directory).
import { z } from 'zod'
import { BalancerAlgorithm } from '../balancer/balancer-settings'
import { DEFAULT_HEALTH_SETTINGS, HealthSettings, HealthSettingsPatch } from '../balancer/health-settings'
import { DataPlaneKind } from '../haproxy/data-plane'
import { LAB_PREFIX_PATTERN } from '../names'
import { DEFAULT_PROXY_QUEUE, DEFAULT_PROXY_TIMEOUTS, ProxyQueue, ProxyTimeouts } from '../proxy/proxy-limits'
import { ClusterScalingSettings } from '../scaler/cluster-settings'
import { DEFAULT_MEMBERSHIP_SETTINGS, MembershipSettings } from './membership'
import { settingsObject } from './setting-fields'

/** A proxy in front of the VIM's front proxy whose X-Forwarded-* headers are kept: an address or CIDR block. */
export const TrustedProxy = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
  error: 'must be an IP address or CIDR block, e.g. 10.0.0.5 or 10.0.0.0/8',
})

/** Lab VM names are `<prefix>-1`, …: the agent's rule for names, leaving room for the number. */
const LabNamePrefix = z
  .string()
  .regex(LAB_PREFIX_PATTERN, "namePrefix must be letters, digits, '.', '_' or '-' (at most 59)")

/** How lab VMs run their containers: Docker where it answers (auto), Docker only, or plain processes. */
export const LAB_RUNTIMES = ['auto', 'docker', 'process'] as const
export const LabRuntime = z.enum(LAB_RUNTIMES)
export type LabRuntime = z.infer<typeof LabRuntime>
export const MAX_LAB_VMS = 16
/** Lab VMs when neither --lab nor the setting says: a newcomer sees a scaling cluster at once. */
export const DEFAULT_LAB_VMS = 2
const LabVms = z.number().int().min(0).max(MAX_LAB_VMS, `vms must be at most ${MAX_LAB_VMS}`)

export const VimSettings = settingsObject({
  scaling: ClusterScalingSettings.default(ClusterScalingSettings.parse({})),
  balancer: BalancerAlgorithm.default('least-outstanding'),
  lab: settingsObject({
    /** Leave the lab's containers running when the app exits (they are adopted on the next start). */
    keepContainers: z.boolean().default(false),
    /** Lab VM names are `<prefix>-1`, …; unset: `lab-` and 4 characters of the cluster id. --lab-prefix wins. */
    namePrefix: LabNamePrefix.optional(),
    /** Lab VMs started with the app (0: no lab); unset: DEFAULT_LAB_VMS. Read at start; --lab wins. */
    vms: LabVms.optional(),
    /** The lab's container runtime; unset: auto. Read at start; --runtime wins. */
    runtime: LabRuntime.optional(),
  }).default({ keepContainers: false }),
  membership: MembershipSettings.default(DEFAULT_MEMBERSHIP_SETTINGS),
  proxy: settingsObject({
    /** Peers whose X-Forwarded-* and Forwarded headers the front proxy keeps; everyone else's are replaced. */
    trustedProxies: z.array(TrustedProxy).max(64).default([]),
    /** The front proxy's connect, response-head and idle timeouts. */
    timeouts: ProxyTimeouts.default(DEFAULT_PROXY_TIMEOUTS),
    /** The front proxy's in-flight limit per ready container of a VM, and its FIFO queue. */
    queue: ProxyQueue.default(DEFAULT_PROXY_QUEUE),
    /** How the front proxy probes each VM's agent at /_agent/healthz; an unhealthy VM gets no new requests. */
    health: HealthSettings.default(DEFAULT_HEALTH_SETTINGS),
    /**
     * Who forwards the requests, front and lab agents: the embedded Node proxy, or HAProxy where it is
     * installed. Read at start; --data-plane wins.
     */
    dataPlane: DataPlaneKind.default('embedded'),
  }).default({
    trustedProxies: [],
    timeouts: DEFAULT_PROXY_TIMEOUTS,
    queue: DEFAULT_PROXY_QUEUE,
    health: DEFAULT_HEALTH_SETTINGS,
    dataPlane: 'embedded',
  }),
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
  lab: settingsObject({
    keepContainers: z.boolean(),
    namePrefix: LabNamePrefix,
    vms: LabVms,
    runtime: LabRuntime,
  })
    .partial()
    .optional(),
  membership: z.record(z.string(), z.unknown()).optional(),
  proxy: settingsObject({
    trustedProxies: z.array(TrustedProxy).max(64),
    // Merged into the current values, then checked whole (as `scaling` is).
    timeouts: z.record(z.string(), z.unknown()),
    queue: z.record(z.string(), z.unknown()),
    health: HealthSettingsPatch,
    dataPlane: DataPlaneKind,
  })
    .partial()
    .optional(),
})
export type VimSettingsPatch = z.infer<typeof VimSettingsPatch>
