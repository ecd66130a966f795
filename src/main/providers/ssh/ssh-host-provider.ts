// Any Linux machine added by address is a VM: the VIM logs in over SSH to deploy its agent, and cannot
// power it on or off. The hosts are kept in hosts.json in the data directory; a password or passphrase
// only when the user asked to remember it, and then sealed (secret-box.ts).
import { join } from 'node:path'
import { z } from 'zod'
import { type AddVmInput, ApiError } from '../../../shared/api/contract'
import {
  type AddSshHostInput,
  HostAddress,
  SshAuthMethod,
  type SshLogin,
  type SshLoginInfo,
} from '../../../shared/domain/provision'
import { loadProblem, SettingsStore } from '../../cluster/settings-store'
import { keyFileProblem } from '../../provision/key-file'
import type { ProviderVm, VmProvider } from '../provider'
import type { SecretBox } from './secret-box'

const SshHostRecord = z.object({
  name: z.string().min(1),
  address: HostAddress,
  port: z.number().int().min(1).max(65535),
  user: z.string().min(1),
  auth: SshAuthMethod,
  keyPath: z.string().optional(),
  capacity: z.number().int().min(1).optional(),
  /** The remembered password or passphrase, sealed by the SecretBox of `sealedBy`. */
  sealedSecret: z.string().optional(),
  sealedBy: z.enum(['os-keychain', 'key-file']).optional(),
})
type SshHostRecord = z.infer<typeof SshHostRecord>

const SshHostsFile = z.object({ hosts: z.array(SshHostRecord).default([]) })

export interface SshSecrets {
  password?: string
  passphrase?: string
}

/** What the provisioner needs to reach a host. */
export interface SshTarget {
  vmName: string
  login: SshLogin
  secrets?: SshSecrets
  capacity?: number
}

export interface SshHostProviderOptions {
  dataDir: string
  secretBox: SecretBox
  /** Whether a VM of that name already exists (under any provider). */
  nameTaken: (name: string) => boolean
  /** The fingerprint trusted on first use for address:port, when there is one. */
  hostKey?: (address: string, port: number) => string | null
}

export class SshHostProvider implements VmProvider {
  readonly kind = 'ssh' as const
  readonly capabilities = { startStop: false, create: false }
  private readonly file: SettingsStore<typeof SshHostsFile>
  /** Secrets known in this run of the VIM (given, or opened once from hosts.json): in memory only. */
  private readonly sessionSecrets = new Map<string, SshSecrets>()

  private constructor(private readonly options: SshHostProviderOptions) {
    this.file = new SettingsStore(join(options.dataDir, 'hosts.json'), SshHostsFile, { hosts: [] })
  }

  static async open(
    options: SshHostProviderOptions,
  ): Promise<{ provider: SshHostProvider; warning?: string }> {
    const provider = new SshHostProvider(options)
    const loaded = await provider.file.load()
    return { provider, ...(loadProblem(loaded) && { warning: loadProblem(loaded) }) }
  }

  async list(): Promise<ProviderVm[]> {
    return this.file.get().hosts.map((host) => ({
      name: host.name,
      provider: 'ssh',
      // The VIM cannot see the machine's power; its agent's connection tells whether it is up.
      state: 'unknown',
      address: host.address,
      capacity: host.capacity ?? 0,
      login: this.loginInfo(host),
    }))
  }

  async add(request: AddVmInput): Promise<ProviderVm> {
    if (request.provider !== 'ssh') throw new ApiError('invalid_input', 'not an SSH host')
    const input: AddSshHostInput = request
    const name = input.name ?? `host-${input.address.replace(/[^A-Za-z0-9-]+/g, '-')}`
    if (this.options.nameTaken(name) || this.host(name))
      throw new ApiError('conflict', `There is already a VM named '${name}': give this host another name.`)
    const duplicate = this.file.get().hosts.find((h) => h.address === input.address && h.port === input.port)
    if (duplicate)
      throw new ApiError(
        'conflict',
        `${input.address}:${input.port} is already in the cluster as '${duplicate.name}'.`,
      )
    if (input.keyPath) {
      const problem = await keyFileProblem(input.keyPath)
      if (problem) throw new ApiError('invalid_input', problem)
    }
    const secret = input.auth === 'password' ? input.password : input.passphrase
    if (input.auth === 'password' && !secret)
      throw new ApiError('invalid_input', 'password is required with auth "password"')
    const { problem } = this.options.secretBox
    if (secret && input.remember && problem)
      throw new ApiError('conflict', `The password cannot be remembered: ${problem}`)
    const record: SshHostRecord = {
      name,
      address: input.address,
      port: input.port,
      user: input.user,
      auth: input.auth,
      ...(input.keyPath && { keyPath: input.keyPath }),
      ...(input.capacity && { capacity: input.capacity }),
      ...(secret &&
        input.remember && {
          sealedSecret: this.options.secretBox.seal(secret),
          sealedBy: this.options.secretBox.kind,
        }),
    }
    const saved = await this.file.update((current) => ({ hosts: [...current.hosts, record] }))
    if (!saved.ok) throw new ApiError('internal', saved.message)
    if (secret) this.sessionSecrets.set(name, secretsOf(input.auth, secret))
    const vm = (await this.list()).find((v) => v.name === name)
    if (!vm) throw new ApiError('internal', `${name} was saved but is not listed`)
    return vm
  }

  async start(id: string): Promise<void> {
    throw new ApiError('conflict', `${id} is an SSH host: power it on yourself; the VIM cannot.`)
  }

  async stop(id: string): Promise<void> {
    throw new ApiError('conflict', `${id} is an SSH host: power it off yourself; the VIM cannot.`)
  }

  async remove(id: string): Promise<void> {
    const saved = await this.file.update((current) => ({ hosts: current.hosts.filter((h) => h.name !== id) }))
    if (!saved.ok) throw new ApiError('internal', saved.message)
    this.sessionSecrets.delete(id)
  }

  /** The login for a deploy: one-time secrets first, then this run's, then the remembered one. */
  target(id: string, oneTime: SshSecrets = {}): SshTarget | undefined {
    const host = this.host(id)
    if (!host) return undefined
    const known = this.sessionSecrets.get(id) ?? this.rememberedSecrets(host)
    if (Object.keys(known).length > 0) this.sessionSecrets.set(id, known)
    const secrets = { ...known, ...definedOnly(oneTime) }
    return {
      vmName: host.name,
      login: {
        address: host.address,
        port: host.port,
        user: host.user,
        auth: host.auth,
        ...(host.keyPath && { keyPath: host.keyPath }),
      },
      ...(Object.keys(secrets).length > 0 && { secrets }),
      ...(host.capacity && { capacity: host.capacity }),
    }
  }

  async close(): Promise<void> {
    this.sessionSecrets.clear()
  }

  private host(name: string): SshHostRecord | undefined {
    return this.file.get().hosts.find((h) => h.name === name)
  }

  private rememberedSecrets(host: SshHostRecord): SshSecrets {
    if (!host.sealedSecret || host.sealedBy !== this.options.secretBox.kind) return {}
    try {
      return secretsOf(host.auth, this.options.secretBox.open(host.sealedSecret))
    } catch {
      // Sealed on another machine or with a lost key: the deploy asks for it again.
      return {}
    }
  }

  private loginInfo(host: SshHostRecord): SshLoginInfo {
    return {
      address: host.address,
      port: host.port,
      user: host.user,
      auth: host.auth,
      keyPath: host.keyPath ?? null,
      // Kept but unreadable (a damaged key file) is not stored: the deploy must ask for it.
      secretStored:
        this.sessionSecrets.has(host.name) ||
        (host.sealedSecret !== undefined &&
          host.sealedBy === this.options.secretBox.kind &&
          !this.options.secretBox.problem),
      ...(host.sealedSecret !== undefined &&
        this.options.secretBox.problem && { secretProblem: this.options.secretBox.problem }),
      hostKeyFingerprint: this.options.hostKey?.(host.address, host.port) ?? null,
    }
  }
}

function secretsOf(auth: SshLogin['auth'], secret: string): SshSecrets {
  return auth === 'password' ? { password: secret } : { passphrase: secret }
}

function definedOnly(secrets: SshSecrets): SshSecrets {
  return Object.fromEntries(Object.entries(secrets).filter(([, v]) => v)) as SshSecrets
}
