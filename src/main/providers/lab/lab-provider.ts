// The local lab, the app's embedded default provider: its "VMs" are vmm-agent child processes on this
// machine (lab-1 … lab-N), each with its own capacity, load balancer port and containers.

import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { connectDocker } from '../../../../vmm-agent/runtime/docker-connection'
import { secondsText } from '../../../shared/duration-text'
import type { ProviderCapabilities, ProviderVm, VmProvider } from '../provider'
import { labAgentCommand } from './agent-command'
import {
  AGENT_RESTART_POLICY,
  NO_CRASHES,
  planAgentRestart,
  type RestartHistory,
  type RestartPolicy,
} from './agent-restart'
import { containerCount, removeLeftoverContainers } from './lab-leftovers'
import { chooseLabRuntime, type DockerCheck, type LabRuntimeChoice } from './lab-runtime'
import { type LabOptions, type LabSettings, resolveLabSettings } from './lab-settings'
import { type LabAgentExit, type LabAgentExitFacts, type LabLogEntry, LabVm } from './lab-vm'

export interface LabProviderOptions extends LabOptions {
  /** Every agent output line and the provider's own, each naming its VM (default: dropped). */
  log?: (entry: LabLogEntry) => void
  /** An agent exited without being asked to; the lab restarts it after a backoff (see agent-restart.ts). */
  onAgentExit?: (exit: LabAgentExit) => void
  /** How soon a crashed agent is restarted (default AGENT_RESTART_POLICY). */
  restartPolicy?: RestartPolicy
  /**
   * Whether a VM of this name belongs to another provider (an SSH host on this machine's Docker engine
   * with a lab-like name): its containers are its own agent's, never swept by the lab (default: none).
   */
  ownedElsewhere?: (vmName: string) => boolean
  /** Whether Docker answers, for runtime 'auto' (default: a ping of the engine). */
  checkDocker?: DockerCheck
}

export interface LabProviderVm extends ProviderVm {
  /** The agent's process id while it runs. */
  pid?: number
  /** The container runtime its agent was started with. */
  runtime?: 'docker' | 'process'
}

/** The bound on one sweep of leftover containers: the VIM's exit must not wait on a hung engine. */
const SWEEP_TIMEOUT_MS = 15_000

export class LabProvider implements VmProvider {
  readonly kind = 'lab' as const
  readonly capabilities: ProviderCapabilities = { startStop: true, create: true }
  readonly settings: LabSettings
  private readonly vms = new Map<string, LabVm>()
  private readonly log: (entry: LabLogEntry) => void
  private runtimeChoice: Promise<LabRuntimeChoice> | undefined
  private closed = false
  /** Whether stops leave the containers for the next start: the setting, which may change while the lab runs. */
  private keepContainers: boolean
  /** Per VM: its crashes in a row, and the restart waiting to happen, if any. */
  private readonly restarts = new Map<string, { history: RestartHistory; timer?: NodeJS.Timeout }>()

  /** The lab with its initial VMs defined but stopped; see open() for one that is running. */
  constructor(private readonly options: LabProviderOptions) {
    this.settings = resolveLabSettings(options)
    this.keepContainers = this.settings.keepContainers
    this.log = options.log ?? (() => {})
    for (let i = 0; i < this.settings.initialVms; i++) this.define()
  }

  /** Creates the lab and starts its initial VMs. */
  static async open(options: LabProviderOptions): Promise<LabProvider> {
    const lab = new LabProvider(options)
    try {
      for (const vm of lab.vms.values()) await lab.start(vm.name)
    } catch (error) {
      await lab.close()
      throw error
    }
    return lab
  }

  async list(): Promise<LabProviderVm[]> {
    return [...this.vms.values()].map((vm) => this.describe(vm))
  }

  async start(id: string): Promise<void> {
    this.mustBeOpen()
    const vm = this.vm(id)
    // Started now, so a restart still waiting for its time has nothing left to do.
    this.cancelRestart(id)
    await vm.start(async () => {
      await this.mustHaveBundle()
      const { runtime } = await this.runtime()
      const keyFile = this.settings.hub ? this.options.agentKeyFile?.(id) : undefined
      return { command: labAgentCommand(this.settings, id, runtime, process.env, keyFile), runtime }
    })
  }

  /** Stops the VM's agent; a restart still waiting for its time is called off (the VM was meant to stop). */
  async stop(id: string): Promise<void> {
    const vm = this.vm(id)
    this.cancelRestart(id)
    await vm.stop({ timeoutMs: this.settings.stopTimeoutMs, leaveContainers: this.keepContainers })
  }

  /** The user changed lab.keepContainers: the next stop (of a VM, or of the app) follows it. */
  setKeepContainers(keep: boolean): void {
    this.keepContainers = keep
  }

  /** Adds the next VM, up to `maxVms`, and starts it. */
  async create(): Promise<LabProviderVm> {
    this.mustBeOpen()
    if (this.vms.size >= this.settings.maxVms)
      throw new Error(`the lab already has its maximum of ${this.settings.maxVms} VMs (raise maxVms)`)
    const vm = this.define()
    await this.start(vm.name)
    return this.describe(vm)
  }

  /** Stops the VM's agent (removing its containers unless keepContainers) and forgets the VM. */
  async remove(id: string): Promise<void> {
    await this.stop(id)
    this.vms.delete(id)
    this.restarts.delete(id)
  }

  /**
   * Stops every agent this lab started, all at once; each removes its containers unless keepContainers.
   * Then, unless keepContainers, removes what a killed agent left behind: every container of this lab.
   */
  async close(): Promise<void> {
    this.closed = true
    for (const name of this.restarts.keys()) this.cancelRestart(name)
    const results = await Promise.allSettled([...this.vms.values()].map((vm) => this.stop(vm.name)))
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []))
    if (!this.keepContainers) {
      const problem = await this.sweep(new Set(), 'its agent left behind')
      if (problem) failures.push(problem)
    }
    if (failures.length > 0) throw new Error(`the lab did not stop cleanly: ${failures.join('; ')}`)
  }

  /**
   * Removes this cluster's lab containers on the lab's engine that no lab VM owns now (a VM beyond the
   * lab's size, say), left by an earlier run; those of this lab's VMs are their agents' to adopt.
   */
  async removeLeftovers(): Promise<void> {
    const problem = await this.sweep(new Set(this.vms.keys()), 'left by a previous run')
    if (problem) this.log({ text: `lab: ${problem}`, vm: undefined, source: 'provider', level: 'error' })
  }

  /** Only a Docker lab has containers to sweep; a lab that never chose its runtime started nothing. */
  private async sweep(spare: ReadonlySet<string>, why: string): Promise<string | undefined> {
    if (!this.runtimeChoice || (await this.runtimeChoice).runtime !== 'docker') return undefined
    const { docker } = connectDocker(this.settings.dockerHost)
    const { removed, problem } = await removeLeftoverContainers(
      docker,
      {
        cluster: this.settings.cluster,
        namePrefix: this.settings.namePrefix,
        spare,
        ownedElsewhere: this.options.ownedElsewhere ?? (() => false),
      },
      SWEEP_TIMEOUT_MS,
    )
    if (removed.length > 0) {
      this.log({
        text: `lab: removed ${containerCount(removed.length)} ${why}: ${removed.sort().join(', ')}`,
        vm: undefined,
        source: 'provider',
        level: 'warn',
      })
    }
    return problem
  }

  /** The runtime the agents use, chosen once (the first start pings Docker when 'auto'). */
  runtime(): Promise<LabRuntimeChoice> {
    this.runtimeChoice ??= chooseLabRuntime(
      this.settings.runtime,
      this.settings.dockerHost,
      this.options.checkDocker,
    ).then((choice) => {
      this.log({
        text: `lab: ${choice.runtime} runtime: ${choice.reason}`,
        vm: undefined,
        source: 'provider',
        level: choice.runtime === 'docker' || this.settings.runtime === 'process' ? 'info' : 'warn',
      })
      return choice
    })
    return this.runtimeChoice
  }

  private define(): LabVm {
    // The lowest free number, so that a removed VM's name is reused rather than colliding.
    let n = 1
    while (this.vms.has(`${this.settings.namePrefix}-${n}`)) n++
    const name = `${this.settings.namePrefix}-${n}`
    const vm = new LabVm(name, {
      log: this.log,
      exitedOnItsOwn: (exit) => this.agentExited(name, exit),
    })
    this.vms.set(name, vm)
    return vm
  }

  /** A crash, not a stop: said in the event log, and the agent comes back after a backoff. */
  private agentExited(name: string, exit: LabAgentExitFacts): void {
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`
    const said = exit.lastErrorLine ? `: ${exit.lastErrorLine}` : ''
    // The VM may have been removed, or the lab closed, between the exit and its report.
    const restart = !this.closed && this.vms.has(name)
    let next = 'the lab is closing, so it stays stopped'
    if (restart) {
      const { delayMs } = this.scheduleRestart(name, exit.upForMs)
      next = `restarting it in ${secondsText(delayMs)}`
    }
    const reason = `${name}'s agent exited (${how})${said}; ${next}`
    this.log({ text: reason, vm: name, source: 'provider', level: 'error' })
    this.options.onAgentExit?.({ vm: name, code: exit.code, signal: exit.signal, reason })
  }

  private scheduleRestart(name: string, upForMs: number): { delayMs: number } {
    const entry = this.restarts.get(name) ?? { history: NO_CRASHES }
    const plan = planAgentRestart(entry.history, upForMs, this.options.restartPolicy ?? AGENT_RESTART_POLICY)
    clearTimeout(entry.timer)
    entry.history = plan.history
    entry.timer = setTimeout(() => void this.restart(name), plan.delayMs)
    this.restarts.set(name, entry)
    return plan
  }

  private cancelRestart(name: string): void {
    const entry = this.restarts.get(name)
    clearTimeout(entry?.timer)
    if (entry) entry.timer = undefined
  }

  private async restart(name: string): Promise<void> {
    const vm = this.vms.get(name)
    // Stopped, removed, started by someone else meanwhile, or the lab is closing: nothing to do.
    if (this.closed || !vm || vm.state !== 'stopped') return
    try {
      await this.start(name)
      this.log({ text: `${name}: its agent was restarted`, vm: name, source: 'provider', level: 'info' })
    } catch (error) {
      if (this.closed || !this.vms.has(name)) return
      const { delayMs } = this.scheduleRestart(name, 0)
      this.log({
        text: `${name}: its agent could not be restarted: ${(error as Error).message}; trying again in ${secondsText(delayMs)}`,
        vm: name,
        source: 'provider',
        level: 'error',
      })
    }
  }

  private describe(vm: LabVm): LabProviderVm {
    return {
      name: vm.name,
      provider: 'lab',
      state: vm.state,
      capacity: this.settings.capacity,
      ...(vm.address !== undefined ? { address: vm.address } : {}),
      ...(vm.pid !== undefined ? { pid: vm.pid } : {}),
      ...(vm.runtime !== undefined ? { runtime: vm.runtime } : {}),
    }
  }

  private vm(id: string): LabVm {
    const vm = this.vms.get(id)
    if (!vm)
      throw new Error(`the lab has no VM '${id}' (it has ${[...this.vms.keys()].join(', ') || 'none'})`)
    return vm
  }

  private mustBeOpen(): void {
    if (this.closed) throw new Error('the lab is closed')
  }

  /** Node would start and fail with "Cannot find module"; this says what to do instead. */
  private async mustHaveBundle(): Promise<void> {
    try {
      await access(this.settings.agentBundle, constants.R_OK)
    } catch {
      throw new Error(
        `the agent bundle is missing at ${this.settings.agentBundle}: build it with npm run build:agent`,
      )
    }
  }
}
