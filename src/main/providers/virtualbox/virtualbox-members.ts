// VirtualBox as the VIM uses it: on when VBoxManage answers (PATH or ACS_VBOXMANAGE); what the user adds
// (VMs by name, the template new VMs are cloned from, the login used to deploy agents onto them) is kept
// in virtualbox.json in the data directory, so it survives a restart.
import { join } from 'node:path'
import { z } from 'zod'
import { type AddVmInput, ApiError } from '../../../shared/api/contract'
import { SshAuthMethod } from '../../../shared/domain/provision'
import { errorMessage } from '../../../shared/issues'
import { loadProblem, SettingsStore } from '../../cluster/settings-store'
import type { ProviderVm, VmProvider } from '../provider'
import type { SshTarget } from '../ssh/ssh-host-provider'
import { VirtualBoxSettings } from './settings'
import { VBoxManage } from './vboxmanage'
import { type VirtualBoxLogEntry, VirtualBoxProvider } from './virtualbox-provider'

/** How the VIM logs in to VirtualBox VMs (their address comes from the Guest Additions). */
export const VirtualBoxLogin = z
  .object({
    user: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    auth: SshAuthMethod,
    keyPath: z.string().min(1).optional(),
  })
  .strict()
export type VirtualBoxLogin = z.infer<typeof VirtualBoxLogin>

export const VirtualBoxFile = VirtualBoxSettings.extend({ login: VirtualBoxLogin.optional() })
type VirtualBoxFile = z.output<typeof VirtualBoxFile>

export interface VirtualBoxMembersOptions {
  dataDir: string
  env?: NodeJS.ProcessEnv
  log: (entry: VirtualBoxLogEntry) => void
  /** Called with each VM the provider cloned, once it has an address: the agent is deployed there. */
  onCreated?: (vm: ProviderVm) => void
}

export class VirtualBoxMembers implements VmProvider {
  readonly kind = 'virtualbox' as const
  private inner: VirtualBoxProvider
  /** Each VM's address as last listed (the Guest Additions report it). */
  private addresses = new Map<string, string>()

  private constructor(
    private readonly file: SettingsStore<typeof VirtualBoxFile>,
    private readonly options: VirtualBoxMembersOptions,
  ) {
    this.inner = this.provider(file.get())
  }

  /**
   * The provider when VirtualBox is there, else why not (for the event log). A virtualbox.json that does
   * not parse is set aside by the settings store and reported, never silently replaced.
   */
  static async open(
    options: VirtualBoxMembersOptions,
  ): Promise<{ members?: VirtualBoxMembers; problem?: string }> {
    const file = new SettingsStore(
      join(options.dataDir, 'virtualbox.json'),
      VirtualBoxFile,
      VirtualBoxFile.parse({}),
    )
    const loaded = await file.load()
    const vbox = new VBoxManage({ env: options.env ?? process.env, timeoutMs: 10_000 })
    try {
      await vbox.run(['--version'])
    } catch (error) {
      return loaded.status === 'loaded'
        ? { problem: `VirtualBox VMs are configured but ${errorMessage(error)}` }
        : {}
    }
    try {
      return {
        members: new VirtualBoxMembers(file, options),
        ...(loadProblem(loaded) && { problem: loadProblem(loaded) }),
      }
    } catch (error) {
      return { problem: `virtualbox.json: ${errorMessage(error)}` }
    }
  }

  get capabilities() {
    return this.inner.capabilities
  }

  get login(): VirtualBoxLogin | undefined {
    return this.file.get().login
  }

  /** In the cluster a VM's id is its name, under every provider (the provider accepts both). */
  async list(): Promise<ProviderVm[]> {
    const vms = (await this.inner.list()).map((vm) => ({ ...vm, id: vm.name }))
    this.addresses = new Map(vms.flatMap((vm) => (vm.address ? [[vm.name, vm.address] as const] : [])))
    return vms
  }

  /** The SSH login for deploying the agent onto a VM, once its address is known and a login is set. */
  target(id: string): SshTarget | undefined {
    const login = this.file.get().login
    const address = this.addresses.get(id)
    if (!login || !address) return undefined
    return { vmName: id, login: { ...login, address } }
  }

  /** Adds an existing VM by name; a template given with it is where later VMs are cloned from. */
  async add(input: AddVmInput): Promise<ProviderVm> {
    if (input.provider !== 'virtualbox') throw new ApiError('invalid_input', 'not a VirtualBox VM')
    if (input.template && input.template !== this.file.get().template) {
      await this.save({ template: input.template })
      await this.inner.close()
      this.inner = this.provider(this.file.get())
    }
    const vm = await this.inner.addVm(input.vmName).catch((error: unknown) => {
      throw new ApiError('invalid_input', errorMessage(error))
    })
    await this.save({ vms: this.inner.addedVms })
    return vm
  }

  start(id: string): Promise<void> {
    return this.inner.start(id)
  }

  stop(id: string): Promise<void> {
    return this.inner.stop(id)
  }

  async create(): Promise<ProviderVm> {
    const created = await this.inner.create()
    const vm = { ...created, id: created.name }
    if (vm.address) this.addresses.set(vm.name, vm.address)
    this.options.onCreated?.(vm)
    return vm
  }

  async remove(id: string): Promise<void> {
    await this.inner.remove(id)
    await this.save({ vms: this.inner.addedVms })
  }

  waitForAddress(id: string): Promise<string> {
    return this.inner.waitForAddress(id)
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  private provider(settings: VirtualBoxFile): VirtualBoxProvider {
    const { login: _login, ...providerSettings } = settings
    return new VirtualBoxProvider(providerSettings, {
      log: this.options.log,
      ...(this.options.env && { env: this.options.env }),
    })
  }

  private async save(patch: Partial<VirtualBoxFile>): Promise<void> {
    const saved = await this.file.update((current) => ({ ...current, ...patch }))
    if (!saved.ok) throw new ApiError('internal', saved.message)
  }
}
