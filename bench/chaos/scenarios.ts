// The named faults: what each sets up, what it breaks, and what "back at target" means after it. The runner
// (run-scenario.ts) and the reliability tests run these same definitions.
import type { ClusterSnapshot, VmInfo } from '../../src/shared/domain/cluster'
import { connectDocker } from '../../vmm-agent/runtime/docker-connection'
import { type ContainerCount, dockerContainersOf } from './census'
import type { LabVim } from './lab-vim'
import { quantile } from './load-summary'
import { OpenLoopLoad, type RequestRecord } from './open-loop'

export interface FaultContext {
  vim: LabVim
  /** The cluster just before the fault, every VM at its target. */
  before: ClusterSnapshot
  quick: boolean
  /** Load the scenario adds (an overload burst): its requests count with the rest. */
  addLoad(load: OpenLoopLoad): void
  note(line: string): void
}

export interface Scenario {
  name: string
  /** What it does, for docs/RELIABILITY.md. */
  method: string
  /** What a user of the cluster should see, for docs/RELIABILITY.md. */
  userSees: string
  settings: unknown
  /** The open-loop GET rate through the front proxy, requests per second. */
  rate: number
  /** Serving replicas before the fault. */
  initial: number
  /** Serving replicas once recovered. */
  expected: number
  /**
   * Another container or VM was ready throughout, so every idempotent request should have been answered.
   * False where losing requests is the point (overload sheds) or cannot be helped (the front proxy itself).
   */
  zeroLoss: boolean
  inject(ctx: FaultContext): Promise<void>
  /** Besides `expected` serving replicas and no duplicate: a shape the cluster must reach. */
  settled?(snapshot: ClusterSnapshot, count: ContainerCount): boolean
  /** Figures of its own for the notes, read from the request log. */
  findings?(records: readonly RequestRecord[]): string[]
  /** Undoes what the fault left that the VIM's stop would not (a paused container). Must not throw. */
  cleanUp?(ctx: FaultContext): Promise<void>
}

/** A fixed number of replicas, spread one per VM, given back at once when the bounds drop. */
export function pinnedReplicas(replicas: number, placement: 'spread' | 'bin-pack' = 'spread') {
  return {
    scaling: {
      placement,
      policy: {
        minReplicas: replicas,
        maxReplicas: replicas,
        scaleDown: { stabilizationSeconds: 0, periodSeconds: 1 },
      },
    },
  }
}

/** The first VM (by name) that runs a ready container, and that container. */
function firstServing(snapshot: ClusterSnapshot): { vm: VmInfo; containerId: string } {
  for (const vm of [...snapshot.vms].sort((a, b) => a.name.localeCompare(b.name))) {
    const container = vm.containers.find((c) => c.state === 'ready')
    if (container) return { vm, containerId: container.id }
  }
  throw new Error('no VM runs a ready container')
}

const docker = () => connectDocker().docker

/**
 * Where one container (0.25 CPU, 20 ms of CPU per request: about 12 req/s) carries the whole load for as long
 * as the fault lasts, the load stays within it, so that what fails is the fault's doing and not overload's.
 */
export const ONE_CONTAINER_RATE = 10

const containerKill: Scenario = {
  name: 'container-kill',
  method: "`docker kill` (SIGKILL) of the first VM's only container; the other VM's container keeps serving.",
  userSees:
    'Nothing: requests that reached the dead container are answered by the other VM; the agent starts a replacement.',
  settings: pinnedReplicas(2),
  rate: 20,
  initial: 2,
  expected: 2,
  zeroLoss: true,
  async inject({ before, note }) {
    const { vm, containerId } = firstServing(before)
    note(`killed ${vm.name}'s container ${containerId.slice(0, 12)}`)
    await docker().getContainer(containerId).kill({ signal: 'SIGKILL' })
  },
}

const agentKill: Scenario = {
  name: 'agent-sigkill',
  method: "SIGKILL of the first VM's agent (2 VMs, one container each); its container is left running.",
  userSees:
    "Nothing: the VM leaves the front proxy's rotation and the other VM serves; its replicas come back.",
  settings: pinnedReplicas(2),
  rate: 20,
  initial: 2,
  expected: 2,
  zeroLoss: true,
  async inject({ vim, before, note }) {
    const { vm } = firstServing(before)
    const pid = await vim.agentPid(vm.address)
    note(`killed ${vm.name}'s agent (pid ${pid})`)
    process.kill(pid, 'SIGKILL')
  },
}

const scaleInToZero: Scenario = {
  name: 'scale-in-to-0',
  method:
    '3 replicas spread over the 2 VMs (2 + 1); the policy is set to 2 replicas, bin-packed (PUT /api/v1/policy), so the VM with 1 goes to 0 while the other keeps 2: enough for the load.',
  userSees: 'Nothing: the emptied VM leaves the rotation before its container stops.',
  settings: pinnedReplicas(3),
  rate: 20,
  initial: 3,
  expected: 2,
  zeroLoss: true,
  async inject({ vim, note }) {
    await vim.api('/policy', { method: 'PUT', body: JSON.stringify(pinnedReplicas(2, 'bin-pack')) })
    note('policy: 3 → 2 replicas, bin-pack')
  },
  settled: (snapshot) =>
    snapshot.vms.some((vm) => vm.containers.filter((c) => c.state !== 'stopped').length === 0),
}

const vmMove: Scenario = {
  name: 'vm-move',
  method:
    'One replica in all, on the first VM; that VM is stopped (POST /api/v1/vms/:id/stop), so the replica moves to the other VM.',
  userSees: 'Nothing, if the new replica is ready before the old one stops (make before break).',
  settings: pinnedReplicas(1),
  rate: ONE_CONTAINER_RATE,
  initial: 1,
  expected: 1,
  zeroLoss: true,
  async inject({ vim, before, note }) {
    const { vm } = firstServing(before)
    note(`stopped ${vm.name}`)
    await vim.api(`/vms/${encodeURIComponent(vm.name)}/stop`, { method: 'POST' }, 60_000)
  },
  // The stop answers at once and drains the VM first: settled once the replica moved and the VM stopped.
  settled: (snapshot) =>
    snapshot.vms.filter((vm) => vm.containers.some((c) => c.state === 'ready')).length === 1 &&
    snapshot.vms.some((vm) => vm.status === 'stopped'),
}

/** The container a scenario paused, to unpause in its clean-up. */
const paused = new WeakMap<FaultContext, string>()

const pausedContainer: Scenario = {
  name: 'paused-container',
  method:
    "`docker pause` of the first VM's only container (it accepts connections and never answers); unpaused in the clean-up.",
  userSees:
    'At most a short wait: the container is found unhealthy within a few health intervals and taken out of rotation; requests it held are answered elsewhere.',
  settings: pinnedReplicas(2),
  rate: ONE_CONTAINER_RATE,
  initial: 2,
  expected: 2,
  zeroLoss: true,
  async inject(ctx) {
    const { vm, containerId } = firstServing(ctx.before)
    paused.set(ctx, containerId)
    ctx.note(`paused ${vm.name}'s container ${containerId.slice(0, 12)}`)
    await docker().getContainer(containerId).pause()
  },
  async cleanUp(ctx) {
    const id = paused.get(ctx)
    if (id)
      await docker()
        .getContainer(id)
        .unpause()
        .catch(() => {})
  },
}

const overload: Scenario = {
  name: 'overload',
  method:
    'One container (0.25 CPU, about 12 req/s of 20 ms requests) at 10 req/s, then 50 req/s more for a few seconds: more than any queue holds.',
  userSees:
    'Fast 503s with Retry-After for what does not fit (counted as failed here), the rest answered in order; no request waits for minutes.',
  settings: pinnedReplicas(1),
  rate: ONE_CONTAINER_RATE,
  initial: 1,
  expected: 1,
  zeroLoss: false,
  async inject({ vim, quick, addLoad, note }) {
    const seconds = quick ? 4 : 6
    const burst = new OpenLoopLoad({
      url: `${vim.proxyUrl}/`,
      rate: 50,
      maxSeconds: seconds,
      timeoutMs: 35_000,
    })
    addLoad(burst)
    note(`a burst of 50 req/s for ${seconds} s on top`)
    // The fault lasts as long as the burst sends; its last requests are still answered meanwhile.
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  },
  findings(records) {
    const shedding = records.filter((r) => r.status === 503)
    const shed = shedding.map((r) => r.latencyMs)
    const withRetryAfter = shedding.filter((r) => r.retryAfter !== null).length
    const answered = records.filter((r) => r.status === 200).map((r) => r.latencyMs)
    const ms = (v: number) => `${Math.round(v)} ms`
    return [
      shed.length === 0
        ? 'no 503'
        : `${shed.length} × 503 after p99 ${ms(quantile(shed, 0.99))}, at worst ${ms(Math.max(...shed))}, ${withRetryAfter} with Retry-After`,
      `answered: p99 ${ms(quantile(answered, 0.99))}`,
    ]
  },
}

function vimRestart(signal: 'SIGTERM' | 'SIGKILL'): Scenario {
  const name = signal === 'SIGTERM' ? 'vim-sigterm' : 'vim-sigkill'
  return {
    name,
    method: `${signal} of the VIM process (its lab agents are separate processes), then \`npm run serve\` again on the same data dir and ports.`,
    userSees:
      signal === 'SIGTERM'
        ? 'Connection refused while the VIM (and its front proxy) is down; the lab stops and comes back, no container left over.'
        : 'Connection refused while the VIM is down; the restarted VIM finds the running containers again, none duplicated or orphaned.',
    settings: pinnedReplicas(2),
    rate: 20,
    initial: 2,
    expected: 2,
    zeroLoss: false,
    async inject({ vim, note }) {
      const downAt = Date.now()
      if (!(await vim.signal(signal))) note(`the VIM did not exit within 40 s of ${signal}`)
      const left = (await dockerContainersOf(vim.cluster)).filter((c) => c.state === 'running')
      note(`${left.length} container(s) running while the VIM was down`)
      const agents = [...vim.agentPids].filter((pid) => isAlive(pid))
      if (agents.length > 0) note(`${agents.length} lab agent(s) still running while the VIM was down`)
      await vim.launch()
      note(`the VIM was down ${((Date.now() - downAt) / 1000).toFixed(1)} s`)
    },
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export const SCENARIOS: readonly Scenario[] = [
  containerKill,
  agentKill,
  scaleInToZero,
  vmMove,
  pausedContainer,
  overload,
  vimRestart('SIGTERM'),
  vimRestart('SIGKILL'),
]

export function scenarioNamed(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name)
  if (!found)
    throw new Error(`no scenario '${name}'; the scenarios are: ${SCENARIOS.map((s) => s.name).join(', ')}`)
  return found
}
