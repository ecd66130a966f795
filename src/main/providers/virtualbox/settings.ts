// The VirtualBox provider's options as a person sets them, checked once with defaults filled in, so that a
// mistake is one clear error when the VIM starts rather than a failed clone later.
import { z } from 'zod'
import { describeIssues } from '../../../shared/issues'

const VmName = z.string().trim().min(1, 'a VM name is empty').max(120, 'a VM name is at most 120 characters')
const Milliseconds = z.number().int().min(1).max(3_600_000)

export const VirtualBoxSettings = z
  .object({
    /** The VM that new VMs are linked clones of; without it the provider cannot create VMs. */
    template: VmName.optional(),
    /** The template's snapshot to clone (default: its current snapshot). */
    snapshot: z.string().trim().min(1).optional(),
    /** Clones are named `<prefix>1`, `<prefix>2`, … and only VMs with this prefix are ever deleted. */
    namePrefix: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$/, 'namePrefix must be letters, digits, ".", "_" or "-"')
      .default('acs-'),
    /** VMs the user added by name; the provider starts and stops them but never deletes them. */
    vms: z.array(VmName).default([]),
    /** How long a started clone may take to report its IP address through the Guest Additions. */
    ipTimeoutMs: Milliseconds.default(180_000),
    /** How long the guest gets to shut down after the ACPI power button before it is powered off. */
    shutdownTimeoutMs: Milliseconds.default(60_000),
    /** VirtualBox's adapter number (1–8) whose address the VIM uses; default: the first non-NAT one. */
    adapter: z.number().int().min(1).max(8).optional(),
    /** Most containers per VM (default: the VM's CPUs ÷ cpusPerContainer). */
    capacity: z.number().int().min(1).max(256).optional(),
    /** CPU share of one container, for the default capacity: one user ≈ half a container's CPU. */
    cpusPerContainer: z.number().min(0.01).max(64).default(0.5),
    /** Most clones the provider keeps; a laptop running VirtualBox has little room for more. */
    maxClones: z.number().int().min(0).max(64).default(4),
    /** How often states and guest properties are polled while waiting. */
    pollIntervalMs: Milliseconds.default(2_000),
    /** Bound on one VBoxManage call. */
    commandTimeoutMs: Milliseconds.default(60_000),
  })
  .strict()

export type VirtualBoxSettings = z.output<typeof VirtualBoxSettings>
export type VirtualBoxSettingsInput = z.input<typeof VirtualBoxSettings>

/** The settings checked and completed. Throws an Error that names each field to fix. */
export function resolveVirtualBoxSettings(input: VirtualBoxSettingsInput = {}): VirtualBoxSettings {
  const parsed = VirtualBoxSettings.safeParse(input)
  if (!parsed.success) throw new Error(`virtualbox: ${describeIssues(parsed.error.issues)}`)
  const settings = parsed.data
  if (settings.snapshot !== undefined && settings.template === undefined)
    throw new Error('virtualbox: snapshot is set but template is not: name the template VM to clone')
  const clash = settings.vms.find((name) => name === settings.template)
  if (clash !== undefined)
    throw new Error(
      `virtualbox: '${clash}' is the template; clones are made from it, so it cannot also be a cluster VM`,
    )
  return settings
}
