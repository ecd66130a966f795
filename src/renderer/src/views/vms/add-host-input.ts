// The "Add SSH host / VirtualBox VM" form's model: its text fields → the vms:add input, checked in the
// browser first, so a typo is named next to its field before the VIM is asked.
import { z } from 'zod'

export type HostKind = 'ssh' | 'virtualbox'
export type AuthMethod = 'key' | 'password' | 'agent'

export interface HostDraft {
  kind: HostKind
  address: string
  port: string
  user: string
  auth: AuthMethod
  keyPath: string
  password: string
  vmName: string
  template: string
}

export type HostField = Exclude<keyof HostDraft, 'kind'>

export const EMPTY_HOST_DRAFT: HostDraft = {
  kind: 'ssh',
  address: '',
  port: '22',
  user: '',
  auth: 'key',
  keyPath: '',
  password: '',
  vmName: '',
  template: '',
}

// A DNS name (labels of letters, digits and hyphens), an IPv4 address or an IPv6 address.
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
const IPV6 = /^\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?$/

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

const sshLogin = {
  address,
  port,
  user,
  auth: z.enum(['key', 'password', 'agent']),
  keyPath: z.string().trim(),
  password: z.string(),
}

const SshHost = z.object({ provider: z.literal('ssh'), ...sshLogin }).superRefine(requireSecret)

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
  | {
      provider: 'ssh'
      address: string
      port: number
      user: string
      auth: AuthMethod
      keyPath?: string
      password?: string
    }
  | { provider: 'virtualbox'; vmName: string; template?: string }

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
    const result = VirtualBoxVm.safeParse({ provider: 'virtualbox', ...draft })
    if (!result.success) return collect(result.error.issues)
    const { vmName, template } = result.data
    return { ok: true, input: { provider: 'virtualbox', vmName, ...(template && { template }) } }
  }
  const result = SshHost.safeParse({ provider: 'ssh', ...draft })
  if (!result.success) return collect(result.error.issues)
  const { keyPath, password, ...login } = result.data
  return {
    ok: true,
    input: {
      ...login,
      ...(login.auth === 'key' && { keyPath }),
      ...(login.auth === 'password' && { password }),
    },
  }
}
