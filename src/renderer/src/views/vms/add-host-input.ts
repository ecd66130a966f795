// The "Add SSH host / VirtualBox VM / Swarm node" form's model: its fields → the vms:add input, checked in the
// browser first, so a typo is named next to its field before the VIM is asked.
import { z } from 'zod'
import type { AddSshHostInput, AddVirtualBoxVmInput } from '../../../../shared/domain/provision'
import type { AddSwarmNodeInput } from '../../../../shared/domain/swarm'
import { VM_NAME_PATTERN } from '../../../../shared/names'

export type HostKind = 'ssh' | 'virtualbox' | 'swarm'
export type AuthMethod = 'key' | 'password' | 'agent'

export interface HostDraft {
  kind: HostKind
  /** Optional: the VIM derives one from the address. */
  name: string
  address: string
  port: string
  user: string
  auth: AuthMethod
  keyPath: string
  password: string
  /** Optional: only an encrypted key has one. */
  passphrase: string
  /** Keep the password or passphrase for later deploys. */
  remember: boolean
  /** Optional: the VIM derives it from the host's cores. */
  capacity: string
  vmName: string
  template: string
}

/** The fields typed as text, each of which may carry a message. */
export type HostField = Exclude<keyof HostDraft, 'kind' | 'auth' | 'remember'>

export const EMPTY_HOST_DRAFT: HostDraft = {
  kind: 'ssh',
  name: '',
  address: '',
  port: '22',
  user: '',
  auth: 'key',
  keyPath: '',
  password: '',
  passphrase: '',
  remember: false,
  capacity: '',
  vmName: '',
  template: '',
}

/** The most containers the core lets one host run (AddSshHostInput.capacity). */
export const MAX_HOST_CAPACITY = 64

// A DNS name (labels of letters, digits and hyphens), an IPv4 address or an IPv6 address.
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
const IPV6 = /^\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?$/

const name = z
  .string()
  .trim()
  .refine(
    (value) => value === '' || VM_NAME_PATTERN.test(value),
    'A name is up to 63 letters, digits, ".", "_" or "-", starting with a letter or digit.',
  )

const address = z
  .string()
  .trim()
  .min(1, 'Enter the host name or IP address, e.g. 192.168.56.10.')
  .refine(
    (value) => HOSTNAME.test(value) || IPV6.test(value),
    'Enter a host name or an IP address, without a port or user.',
  )

const port = z
  .string()
  .trim()
  .regex(/^\d+$/, 'The port must be a whole number from 1 to 65535 (SSH uses 22).')
  .transform(Number)
  .pipe(
    z.number().min(1, 'The port must be from 1 to 65535.').max(65535, 'The port must be from 1 to 65535.'),
  )

const user = z
  .string()
  .trim()
  .min(1, 'Enter the user to log in as, e.g. ubuntu.')
  .regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'Enter a Linux user name: letters, digits, ".", "_" or "-".')

const capacity = z
  .string()
  .trim()
  .refine(
    (value) =>
      value === '' || (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_HOST_CAPACITY),
    `The capacity is a whole number of containers from 1 to ${MAX_HOST_CAPACITY}, or empty for the default.`,
  )

const SshHost = z
  .object({
    provider: z.literal('ssh'),
    name,
    address,
    port,
    user,
    auth: z.enum(['key', 'password', 'agent']),
    keyPath: z.string().trim(),
    password: z.string(),
    passphrase: z.string(),
    remember: z.boolean(),
    capacity,
  })
  .superRefine(requireSecret)

const VirtualBoxVm = z.object({
  provider: z.literal('virtualbox'),
  vmName: z
    .string()
    .trim()
    .min(1, 'Enter the name of the VM as VirtualBox shows it, e.g. acs-vm-1.')
    .max(120, 'A VirtualBox VM name is at most 120 characters here.'),
  template: z.string().trim(),
})

function requireSecret(login: { auth: AuthMethod; keyPath: string; password: string }, ctx: z.RefinementCtx) {
  if (login.auth === 'key' && !login.keyPath)
    ctx.addIssue({
      code: 'custom',
      path: ['keyPath'],
      message: 'Enter the private key’s path, e.g. ~/.ssh/id_ed25519.',
    })
  if (login.auth === 'password' && !login.password)
    ctx.addIssue({
      code: 'custom',
      path: ['password'],
      message: 'Enter the password, or choose another method.',
    })
}

/** What vms:add receives: only the fields the chosen kind and login method use. */
export type AddHostInput =
  | z.input<typeof AddSshHostInput>
  | z.input<typeof AddVirtualBoxVmInput>
  | z.input<typeof AddSwarmNodeInput>

export type HostCheck =
  | { ok: true; input: AddHostInput }
  | { ok: false; errors: Partial<Record<HostField, string>> }

export function checkHostDraft(draft: HostDraft): HostCheck {
  const errors: Partial<Record<HostField, string>> = {}
  const collect = (issues: readonly z.core.$ZodIssue[]) => {
    for (const issue of issues) errors[issue.path[0] as HostField] ??= issue.message
    return { ok: false, errors } as const
  }
  if (draft.kind === 'virtualbox') {
    const result = VirtualBoxVm.safeParse({ ...draft, provider: 'virtualbox' })
    if (!result.success) return collect(result.error.issues)
    const { vmName, template } = result.data
    return { ok: true, input: { provider: 'virtualbox', vmName, ...(template && { template }) } }
  }
  const result = SshHost.safeParse({ ...draft, provider: 'ssh' })
  if (!result.success) return collect(result.error.issues)
  const { name, capacity, keyPath, password, passphrase, remember, ...login } = result.data
  if (draft.kind === 'swarm')
    // A Swarm node joins with the login once; it is named by its host name and holds the service's tasks.
    return {
      ok: true,
      input: {
        ...login,
        provider: 'swarm',
        ...(login.auth === 'key' && { keyPath }),
        ...(login.auth === 'password' && { password }),
        ...(login.auth === 'key' && passphrase && { passphrase }),
      },
    }
  const secret = login.auth === 'password' ? password : login.auth === 'key' ? passphrase : ''
  return {
    ok: true,
    input: {
      ...login,
      ...(name && { name }),
      ...(capacity && { capacity: Number(capacity) }),
      ...(login.auth === 'key' && { keyPath }),
      ...(login.auth === 'password' && { password }),
      ...(login.auth === 'key' && passphrase && { passphrase }),
      // Remembering means nothing without a secret; the VIM's default is to forget.
      ...(secret && remember && { remember: true }),
    },
  }
}
