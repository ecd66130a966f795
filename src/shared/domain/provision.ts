// SSH hosts and agent deployment as every tier sees them: how a host is reached, what the VMs page
// sends to add one, and the step-by-step progress and live log of a deploy, upgrade or uninstall.
import { z } from 'zod'
import { VM_NAME_PATTERN } from '../names'

export const SshAuthMethod = z.enum(['key', 'password', 'agent'])
export type SshAuthMethod = z.infer<typeof SshAuthMethod>

/** A Linux user name as `useradd` accepts it. */
const UserName = z
  .string()
  .trim()
  .min(1, 'user is required, e.g. ubuntu')
  .max(32, 'user is at most 32 characters')
  .regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'user must be a Linux user name: letters, digits, ".", "_" or "-"')

/** A host name, an IPv4 or an IPv6 address: never a user@ or :port, never anything a shell reads. */
export const HostAddress = z
  .string()
  .trim()
  .min(1, 'address is required, e.g. 192.168.56.10')
  .max(253, 'address is at most 253 characters')
  .regex(/^[A-Za-z0-9.:_-]+$/, 'address must be a host name or an IP address, without user or port')

/** How the VIM logs in to a host. Secrets (password, key passphrase) travel only when they are used. */
export const sshLoginFields = {
  address: HostAddress,
  port: z.number().int().min(1).max(65535).default(22),
  user: UserName,
  auth: SshAuthMethod,
  /** A private key file on the VIM's machine (auth 'key'). */
  keyPath: z.string().trim().min(1).optional(),
  password: z.string().min(1).optional(),
  passphrase: z.string().min(1).optional(),
}

export function requireKeyPath(
  login: { auth: SshAuthMethod; keyPath?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (login.auth === 'key' && !login.keyPath)
    ctx.addIssue({ code: 'custom', path: ['keyPath'], message: 'keyPath is required with auth "key"' })
}

export const SshLogin = z.object(sshLoginFields).strict().superRefine(requireKeyPath)
export type SshLogin = z.infer<typeof SshLogin>

/** vms:add for an SSH host: its login, plus how the cluster calls it and how many containers it runs. */
export const AddSshHostInput = z
  .object({
    provider: z.literal('ssh'),
    /** The VM's name in the cluster (default: derived from the address). */
    name: z
      .string()
      .trim()
      .regex(VM_NAME_PATTERN, 'name must be letters, digits, ".", "_" or "-"')
      .optional(),
    /** Most containers the agent runs there (default: the host's cores ÷ the CPU per container). */
    capacity: z.number().int().min(1).max(64).optional(),
    /** Keep the password or passphrase for later deploys (encrypted by the desktop app's keychain). */
    remember: z.boolean().default(false),
    ...sshLoginFields,
  })
  .strict()
  .superRefine(requireKeyPath)
export type AddSshHostInput = z.infer<typeof AddSshHostInput>

/** vms:add for a VirtualBox VM the user already has, managed by name. */
export const AddVirtualBoxVmInput = z
  .object({
    provider: z.literal('virtualbox'),
    vmName: z.string().trim().min(1, 'vmName is required').max(120),
    template: z.string().trim().min(1).optional(),
  })
  .strict()
export type AddVirtualBoxVmInput = z.infer<typeof AddVirtualBoxVmInput>

/** What the VMs page shows about a host's login: never the secret itself. */
export const SshLoginInfo = z.object({
  address: z.string(),
  port: z.number().int(),
  user: z.string(),
  auth: SshAuthMethod,
  keyPath: z.string().nullable(),
  /** A password or passphrase is kept (encrypted where the platform can) for later deploys. */
  secretStored: z.boolean(),
  /** Why a kept secret cannot be used now (the key that seals it is damaged); absent when all is well. */
  secretProblem: z.string().optional(),
  /** The host key trusted on first use, `SHA256:...`, or null before the first connection. */
  hostKeyFingerprint: z.string().nullable(),
})
export type SshLoginInfo = z.infer<typeof SshLoginInfo>

export const DeployOperation = z.enum(['deploy', 'upgrade', 'uninstall'])
export type DeployOperation = z.infer<typeof DeployOperation>

export const DeployStepState = z.enum(['pending', 'running', 'done', 'failed', 'skipped'])
export type DeployStepState = z.infer<typeof DeployStepState>

export const DeployStep = z.object({
  /** Stable within an operation, e.g. 'connect', 'probe', 'docker', 'node', 'upload', 'config', 'service', 'hello'. */
  id: z.string(),
  title: z.string(),
  state: DeployStepState,
  /** What the step found or why it failed, in words a person can act on. */
  detail: z.string().nullable().default(null),
  startedAt: z.number().nullable().default(null),
  endedAt: z.number().nullable().default(null),
})
export type DeployStep = z.infer<typeof DeployStep>

/**
 * Why an operation failed, for the UI to offer the fitting action: ask for the password or passphrase
 * (`secret_needed`, `login_refused`), or forget a changed host key (`host_key_changed`).
 */
export const DeployErrorCode = z.enum(['host_key_changed', 'login_refused', 'secret_needed'])
export type DeployErrorCode = z.infer<typeof DeployErrorCode>

export const DeployProgress = z.object({
  vmId: z.string(),
  operation: DeployOperation,
  state: z.enum(['running', 'succeeded', 'failed']),
  steps: z.array(DeployStep),
  /** The failed step's message (also in that step's detail), null unless state is 'failed'. */
  error: z.string().nullable(),
  errorCode: DeployErrorCode.nullable().default(null),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
})
export type DeployProgress = z.infer<typeof DeployProgress>

export const DeployLogLine = z.object({
  vmId: z.string(),
  step: z.string(),
  stream: z.enum(['stdout', 'stderr', 'info']),
  text: z.string(),
  at: z.number(),
})
export type DeployLogLine = z.infer<typeof DeployLogLine>

const VmId = z.string().min(1, 'id is required')

/** Secrets for this one operation when none is stored (never written to disk from here). */
const OneTimeSecrets = {
  password: z.string().min(1).optional(),
  passphrase: z.string().min(1).optional(),
}

export const DeployStartInput = z
  .object({
    id: VmId,
    /** Install Docker (Debian/Ubuntu `docker.io`, needs sudo) when the host has none. */
    installDocker: z.boolean().default(false),
    ...OneTimeSecrets,
  })
  .strict()
export type DeployStartInput = z.infer<typeof DeployStartInput>

export const UninstallInput = z
  .object({
    id: VmId,
    /** Also remove the containers the agent manages (default), or leave them running. */
    removeContainers: z.boolean().default(true),
    ...OneTimeSecrets,
  })
  .strict()
export type UninstallInput = z.infer<typeof UninstallInput>

export const DeployState = z.object({
  /** The latest operation on this VM, or null when none ran since the VIM started. */
  progress: DeployProgress.nullable(),
  /** Its log, oldest first (bounded). */
  log: z.array(DeployLogLine),
})
export type DeployState = z.infer<typeof DeployState>
