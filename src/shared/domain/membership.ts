// Who may join the cluster: how many VMs the VIM keeps, how fast new ones may join, when a VM that nobody
// knows any more is forgotten, and the addresses the user set for VMs behind NAT or port forwarding.
import { z } from 'zod'
import { VM_NAME_PATTERN } from '../names'
import { settingsObject } from './setting-fields'

/** The agent's own rule for VM names (vmm-agent --name). */
export const VmName = z
  .string()
  .regex(VM_NAME_PATTERN, "a VM name is letters, digits, '.', '_' or '-' (at most 63)")

export const AddressOverride = settingsObject({
  vm: VmName,
  /** `HOST` (the agent's advertised port) or `HOST:PORT`, as the VIM reaches the VM's load balancer. */
  address: z
    .string()
    .min(1)
    .max(260)
    .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'an address is HOST or HOST:PORT'),
})
export type AddressOverride = z.infer<typeof AddressOverride>

export const MembershipSettings = settingsObject({
  /** Most VMs the VIM keeps records of; a new name beyond it is refused. Lab scale is tens. */
  maxVms: z
    .number()
    .int('membership.maxVms must be a whole number')
    .min(1, 'membership.maxVms must be at least 1')
    .max(5000, 'membership.maxVms must be at most 5000')
    .default(200),
  /** New VM names admitted per minute (a restarted VIM's known agents are not counted). */
  newVmsPerMinute: z
    .number()
    .int('membership.newVmsPerMinute must be a whole number')
    .min(1, 'membership.newVmsPerMinute must be at least 1')
    .max(100_000, 'membership.newVmsPerMinute must be at most 100000')
    .default(120),
  /** A VM that no provider lists and whose agent left is forgotten after this long. */
  forgetAfterSeconds: z
    .number()
    .min(0, 'membership.forgetAfterSeconds must be 0 seconds or more')
    .max(7 * 86_400, 'membership.forgetAfterSeconds must be at most 604800 (a week)')
    .default(300),
  addressOverrides: z.array(AddressOverride).max(5000).default([]),
})
export type MembershipSettings = z.infer<typeof MembershipSettings>

export const DEFAULT_MEMBERSHIP_SETTINGS: MembershipSettings = MembershipSettings.parse({})
