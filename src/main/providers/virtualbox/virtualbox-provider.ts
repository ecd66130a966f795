// VirtualBox VMs as cluster members, driven through VBoxManage: VMs the user added by name, and linked
// clones of a template that the provider creates, starts, stops and deletes. VirtualBox holds all the
// state (the clones carry a mark in their description), so a restarted VIM finds its clones again.
import type { ProviderCapabilities, ProviderVm, VmProvider } from '../provider'
import { reportedAddress, type Sleep, sleep, waitForAddress } from './address-wait'
import { cloneDescription, cloneTemplate, isManagedClone, nextCloneName } from './managed-clones'
import { resolveVirtualBoxSettings, type VirtualBoxSettings, type VirtualBoxSettingsInput } from './settings'
import { VBoxManageError } from './vbox-errors'
import { seconds, VBoxManage } from './vboxmanage'
import { VmControl } from './vm-control'
import type { VBoxVmInfo } from './vm-info'

export interface VirtualBoxLogEntry {
  /** `acs-2: …`, ready for the event log. */
  text: string
  vm: string | undefined
  level: 'info' | 'warn' | 'error'
}

export interface VirtualBoxProviderHooks {
  log?: (entry: VirtualBoxLogEntry) => void
  /** Where ACS_VBOXMANAGE and PATH are read (default: the VIM's environment). */
  env?: NodeJS.ProcessEnv
  vboxmanage?: VBoxManage
  sleep?: Sleep
  now?: () => number
}

export interface VirtualBoxProviderVm extends ProviderVm {
  /** VirtualBox's own state (poweroff, running, paused, …), or 'missing' for an added VM it no longer has. */
  vboxState: string
  /** Added by the user (never deleted by the provider) or a clone the provider made. */
  origin: 'added' | 'clone'
  cpus?: number
  memoryMb?: number
  /** Why the VM cannot be used, when it cannot. */
  problem?: string
}

export class VirtualBoxProvider implements VmProvider {
  readonly kind = 'virtualbox' as const
  readonly capabilities: ProviderCapabilities
  readonly settings: VirtualBoxSettings
  private readonly vbox: VBoxManage
  private readonly control: VmControl
  private readonly added: Set<string>
  private readonly closing = new AbortController()
  private readonly sleep: Sleep
  private readonly now: () => number
  /** Clone one at a time, so that two create() calls never pick the same name. */
  private cloning: Promise<unknown> = Promise.resolve()

  constructor(
    settings: VirtualBoxSettingsInput = {},
    private readonly hooks: VirtualBoxProviderHooks = {},
  ) {
    this.settings = resolveVirtualBoxSettings(settings)
    this.capabilities = { startStop: true, create: this.settings.template !== undefined }
    this.vbox =
      hooks.vboxmanage ??
      new VBoxManage({ env: hooks.env ?? process.env, timeoutMs: this.settings.commandTimeoutMs })
    this.added = new Set(this.settings.vms)
    this.sleep = hooks.sleep ?? sleep
    this.now = hooks.now ?? Date.now
    this.control = new VmControl({
      vbox: this.vbox,
      sleep: this.sleep,
      now: this.now,
      pollIntervalMs: this.settings.pollIntervalMs,
      signal: this.closing.signal,
      log: (level, vm, text) => this.log(level, vm, text),
    })
  }

  /** The VMs the user added by name, to be kept in the settings. */
  get addedVms(): string[] {
    return [...this.added]
  }

  /** The added VMs and the clones this provider made, with their state, capacity and address. */
  list(): Promise<VirtualBoxProviderVm[]> {
    return this.members(true)
  }

  /** Adds a VM the user already has, by its VirtualBox name. */
  async addVm(name: string): Promise<VirtualBoxProviderVm> {
    if (name === this.settings.template)
      throw new Error(`'${name}' is the template clones are made from; add another VM, or clone one`)
    const info = await this.control.info(name)
    this.added.add(name)
    this.log('info', name, 'added')
    return this.describe(info, 'added', true)
  }

  async start(id: string): Promise<void> {
    const { name, info } = await this.managed(id)
    if (info.state === 'running' || info.state === 'starting')
      return this.log('info', name, 'already running')
    if (info.vboxState === 'paused')
      throw new Error(`VirtualBox VM '${name}' is paused: resume it in VirtualBox, or stop it first`)
    await this.vbox.run(['startvm', name, '--type', 'headless'])
    this.log('info', name, 'started (headless)')
  }

  /** The ACPI power button, then a power off if the guest has not shut down within shutdownTimeoutMs. */
  async stop(id: string): Promise<void> {
    const { info } = await this.managed(id)
    await this.control.shutDown(info, this.settings.shutdownTimeoutMs)
  }

  /** A linked clone of the template's snapshot, started, once its guest reports an IP address. */
  async create(): Promise<VirtualBoxProviderVm> {
    const template = this.settings.template
    if (template === undefined)
      throw new Error('VirtualBox cannot create VMs without a template: set template to the VM to clone')
    this.mustBeOpen()
    const clone = this.cloning.then(() => this.cloneTemplate(template))
    this.cloning = clone.catch(() => {})
    const { name, snapshot } = await clone
    this.log('info', name, `linked clone of '${template}' (snapshot '${snapshot}') registered`)
    const startedAt = this.now()
    await this.vbox.run(['startvm', name, '--type', 'headless'])
    this.log('info', name, `started; waiting up to ${seconds(this.settings.ipTimeoutMs)} for its IP address`)
    try {
      const { address } = await this.waitFor(name, template, startedAt)
      this.log('info', name, `reports address ${address}`)
      return { ...(await this.describe(await this.control.info(name), 'clone', false)), address }
    } catch (error) {
      // The clone stays registered and running, so that a person can look at why it has no address.
      this.log('error', name, (error as Error).message)
      throw error
    }
  }

  /** Powers a clone off and deletes it with its disks; an added VM is only forgotten, never touched. */
  async remove(id: string): Promise<void> {
    const name = id
    if (this.added.delete(name)) return this.log('info', name, 'forgotten; the VM itself is left as it is')
    const { info } = await this.managed(id)
    await this.control.delete(info, this.settings.shutdownTimeoutMs)
  }

  /** The address a managed VM's guest reports, waiting up to ipTimeoutMs (the caller deploys the agent there). */
  async waitForAddress(id: string): Promise<string> {
    const { name, info, origin } = await this.managed(id)
    const template = origin === 'clone' ? cloneTemplate(info.description) : undefined
    return (await this.waitFor(name, template, undefined)).address
  }

  /**
   * Ends waits in progress. The VMs keep running: their agents serve and scale on their own while the VIM
   * is away, and powering a cluster off because the desktop app quit would surprise its users.
   */
  async close(): Promise<void> {
    this.closing.abort(new Error('the VirtualBox provider was closed'))
  }

  private async members(lookUpAddresses: boolean): Promise<VirtualBoxProviderVm[]> {
    const registered = new Set((await this.control.registered()).map((vm) => vm.name))
    const vms: VirtualBoxProviderVm[] = []
    for (const name of this.added) {
      const info = registered.has(name) ? await this.control.infoIfExists(name) : undefined
      vms.push(info ? await this.describe(info, 'added', lookUpAddresses) : this.missing(name))
    }
    for (const name of registered) {
      if (this.added.has(name) || !name.startsWith(this.settings.namePrefix)) continue
      const info = await this.control.infoIfExists(name)
      if (info && isManagedClone(name, info.description, this.settings.namePrefix))
        vms.push(await this.describe(info, 'clone', lookUpAddresses))
    }
    return vms
  }

  private async cloneTemplate(template: string): Promise<{ name: string; snapshot: string }> {
    this.mustBeOpen()
    const source = await this.control.info(template).catch((error: Error) => {
      throw new Error(`cannot clone the template: ${error.message}`)
    })
    const snapshot = this.settings.snapshot ?? source.currentSnapshot
    if (snapshot === undefined)
      throw new Error(
        `the template '${template}' has no snapshot to link clones to: take one ` +
          `(VBoxManage snapshot "${template}" take base) or set snapshot`,
      )
    const clones = (await this.members(false)).filter((vm) => vm.origin === 'clone').length
    if (clones >= this.settings.maxClones)
      throw new Error(
        `VirtualBox already runs the maximum of ${this.settings.maxClones} clones (raise maxClones)`,
      )
    const registered = (await this.control.registered()).map((vm) => vm.name)
    const taken: string[] = []
    for (;;) {
      const name = nextCloneName(this.settings.namePrefix, registered, taken)
      try {
        // New MAC addresses for every adapter: VirtualBox's default without keepallmacs/keepnatmacs.
        await this.vbox.run([
          'clonevm',
          template,
          '--snapshot',
          snapshot,
          '--options',
          'link',
          '--name',
          name,
          '--register',
        ])
      } catch (error) {
        // A folder left behind by a VM deleted outside VirtualBox blocks its name: try the next one.
        if (!(error instanceof VBoxManageError && error.kind === 'exists') || taken.length >= 2) throw error
        this.log('warn', name, `${error.message}; trying the next name`)
        taken.push(name)
        continue
      }
      await this.vbox.run(['modifyvm', name, '--description', cloneDescription(template, snapshot)])
      return { name, snapshot }
    }
  }

  private waitFor(name: string, template: string | undefined, startedAt: number | undefined) {
    return waitForAddress(this.vbox, name, {
      timeoutMs: this.settings.ipTimeoutMs,
      pollIntervalMs: this.settings.pollIntervalMs,
      adapter: this.settings.adapter,
      // Addresses written before this start are left over from an earlier boot (or from the template).
      since: startedAt === undefined ? undefined : startedAt - 1_000,
      template,
      sleep: this.sleep,
      now: this.now,
      signal: this.closing.signal,
    })
  }

  private async describe(
    info: VBoxVmInfo,
    origin: 'added' | 'clone',
    lookUpAddress: boolean,
  ): Promise<VirtualBoxProviderVm> {
    const address =
      lookUpAddress && info.state === 'running'
        ? await reportedAddress(this.vbox, info, this.settings.adapter)
        : undefined
    return {
      name: info.name,
      provider: 'virtualbox',
      state: info.state,
      capacity: this.capacityOf(info.cpus),
      vboxState: info.vboxState,
      origin,
      ...(address !== undefined ? { address } : {}),
      ...(info.cpus !== undefined ? { cpus: info.cpus } : {}),
      ...(info.memoryMb !== undefined ? { memoryMb: info.memoryMb } : {}),
    }
  }

  private capacityOf(cpus: number | undefined): number {
    return this.settings.capacity ?? Math.max(1, Math.floor((cpus ?? 1) / this.settings.cpusPerContainer))
  }

  private async managed(id: string): Promise<{ name: string; info: VBoxVmInfo; origin: 'added' | 'clone' }> {
    const name = id
    const info = await this.control.info(name)
    if (this.added.has(name)) return { name, info, origin: 'added' }
    if (isManagedClone(name, info.description, this.settings.namePrefix))
      return { name, info, origin: 'clone' }
    throw new Error(
      `VirtualBox VM '${name}' is not managed by Auto Cloud Scaler: add it on the VMs page first`,
    )
  }

  private missing(name: string): VirtualBoxProviderVm {
    return {
      name,
      provider: 'virtualbox',
      state: 'unknown',
      capacity: this.capacityOf(undefined),
      vboxState: 'missing',
      origin: 'added',
      problem: `VirtualBox VM '${name}' does not exist`,
    }
  }

  private mustBeOpen(): void {
    if (this.closing.signal.aborted) throw new Error('the VirtualBox provider is closed')
  }

  private log(level: VirtualBoxLogEntry['level'], vm: string | undefined, text: string): void {
    this.hooks.log?.({ text: vm === undefined ? text : `${vm}: ${text}`, vm, level })
  }
}
