// Swarm mode, a VM provider: Swarm nodes are the VMs, the workload service's tasks their containers. Once
// a second it reads the Swarm, shows it in the cluster store (whose rotation routes the front proxy to
// every ready task), runs the departures of nodes that leave, and at the policy interval sets the service's
// replicas from the shared policy. It leaves, on close, only what it made.
import type Docker from 'dockerode'
import type { AddVmInput } from '../../../shared/api/contract'
import type { SwarmStartInput, SwarmStatus } from '../../../shared/domain/swarm'
import { errorMessage } from '../../../shared/issues'
import type { PolicyState } from '../../../shared/policy'
import { probeHealth } from '../../../shared/proxy/health-checker'
import type { ClusterScalingSettings } from '../../../shared/scaler'
import type { ClusterStore } from '../../cluster/cluster-store'
import type { EventLog } from '../../cluster/event-log'
import type { ClusterSeries } from '../../cluster/time-series'
import { KnownHosts } from '../../provision/known-hosts'
import type { ProviderVm, VmProvider } from '../provider'
import { NodeDepartures } from './node-departures'
import { joinNode } from './node-join'
import { NodeLink, streamLocalStats } from './node-link'
import { planService } from './service-plan'
import { serviceName, serviceSpec } from './service-spec'
import { apiAtLeast, type SwarmEngine, type SwarmHandle } from './swarm-engine'
import { departureFacts, recordSwarm, SWARM_OFF, swarmStatus, TASK_HEALTH_PATH } from './swarm-records'
import {
  nodeProviderState,
  nodeVmName,
  type SwarmNodeView,
  type SwarmTaskView,
  taskRoutes,
  tasksToProbe,
} from './swarm-view'
import { taskIdOf } from './task-stats'

export interface SwarmProviderDeps {
  store: ClusterStore
  /** The charts' 1 s history: nodes and tasks go in like VMs and containers. */
  series: ClusterSeries
  events: EventLog
  clusterId: string
  dataDir: string
  settings: () => ClusterScalingSettings
  /** Each task's CPU and memory limit: the agents' container size. */
  taskSize: () => { cpus: number; memoryBytes: number }
  /** The VIM's engine, and the engine address for its docker CLI (stats). */
  engine: () => { docker: Docker; dockerHost?: string | undefined; swarm: SwarmEngine }
  /** Builds (or finds) the workload image on the VIM's engine; resolves with its tag. */
  workloadImage: () => Promise<string>
  /** The address the manager advertises when the user names none. */
  defaultAdvertiseAddress: () => string | undefined
  /** Requests the front proxy has in flight to a backend (a task's `node/task` id). */
  inFlight: (backendId: string) => number
  drainTimeoutMs: number
  /** Why Swarm mode cannot run in this VIM (its data plane, say), or undefined when it can. */
  unsupported?: () => string | undefined
}

interface Running {
  handle: SwarmHandle
  options: SwarmStartInput
  image: string
  timer: NodeJS.Timeout
  stats: AbortController
}

interface JoinedNode {
  link: NodeLink
  stats: AbortController
}

export class SwarmProvider implements VmProvider {
  readonly kind = 'swarm' as const
  readonly capabilities = { startStop: true, create: false }
  private running: Running | undefined
  private nodes: SwarmNodeView[] = []
  private tasks: SwarmTaskView[] = []
  /** Tasks that answered their health check once: the ones the rotation may take. */
  private readonly answered = new Set<string>()
  private readonly cpu = new Map<string, { cpuPercent: number; memoryBytes: number }>()
  /** Nodes the VIM joined over SSH, by node name: they leave the Swarm with it. */
  private readonly joined = new Map<string, JoinedNode>()
  private readonly knownHosts: KnownHosts
  private readonly departures: NodeDepartures
  private policyState: PolicyState | undefined
  private wanted = 0
  private lastPlanAt = Number.NEGATIVE_INFINITY
  private ticking = false
  private problem: string | null = null
  private readonly upSince = new Map<string, number>()

  constructor(private readonly deps: SwarmProviderDeps) {
    this.knownHosts = new KnownHosts(deps.dataDir)
    this.departures = new NodeDepartures({
      events: deps.events,
      store: deps.store,
      drainTimeoutMs: deps.drainTimeoutMs,
      setAvailability: (nodeId, availability) => this.engine().setAvailability(nodeId, availability),
    })
  }

  private engine(): SwarmEngine {
    return this.deps.engine().swarm
  }

  /** Swarm mode on: a Swarm on the VIM's engine (or the one it manages) and the workload service. */
  async startMode(input: SwarmStartInput): Promise<SwarmStatus> {
    if (this.running) return this.status()
    const unsupported = this.deps.unsupported?.()
    if (unsupported) throw new Error(unsupported)
    const advertise = input.advertiseAddress ?? this.deps.defaultAdvertiseAddress()
    if (!advertise)
      throw new Error(
        'no address to advertise the Swarm manager on: give advertiseAddress (an address the nodes reach)',
      )
    const handle = await this.engine().ensureSwarm(advertise)
    try {
      const image = await this.deps.workloadImage()
      this.wanted = this.deps.settings().policy.minReplicas
      await this.engine().applyService(this.spec(image, input, handle, this.wanted))
      const stats = new AbortController()
      const { dockerHost } = this.deps.engine()
      void streamLocalStats((s) => this.recordStats(s), stats.signal, dockerHost)
      const timer = setInterval(() => void this.tick(), 1000)
      this.running = { handle, options: input, image, timer, stats }
      this.deps.events.append({
        kind: 'vm',
        message: `Swarm mode on: ${handle.owned ? 'a new Swarm' : 'the Swarm this engine manages'} at ${handle.managerAddress}; the workload runs as service ${serviceName(this.deps.clusterId)} with ${this.wanted} tasks`,
      })
      await this.tick()
      return this.status()
    } catch (error) {
      await this.engine()
        .removeService()
        .catch(() => {})
      if (handle.owned)
        await this.engine()
          .leave()
          .catch(() => {})
      throw error
    }
  }

  status(): SwarmStatus {
    const running = this.running
    if (!running) return { ...SWARM_OFF, problem: this.problem }
    return swarmStatus({
      owned: running.handle.owned,
      managerAddress: running.handle.managerAddress,
      service: serviceName(this.deps.clusterId),
      replicas: this.wanted + this.departures.surge(),
      nodes: this.nodes,
      tasks: this.tasks,
      problem: this.problem,
    })
  }

  /** Swarm mode off: the service goes; the nodes the VIM joined leave; a Swarm it made is left. */
  async stopMode(): Promise<SwarmStatus> {
    const running = this.running
    if (!running) return this.status()
    this.running = undefined
    clearInterval(running.timer)
    running.stats.abort()
    const problems: string[] = []
    await this.engine()
      .removeService()
      .catch((error) => problems.push(`service: ${errorMessage(error)}`))
    for (const [name, node] of this.joined) {
      node.stats.abort()
      if (running.handle.owned) await node.link.leave().catch((error) => problems.push(errorMessage(error)))
      node.link.close()
      this.joined.delete(name)
    }
    if (running.handle.owned) {
      for (const node of this.nodes.filter((n) => !n.manager))
        await this.engine()
          .removeNode(node.id)
          .catch(() => {})
      await this.engine()
        .leave()
        .catch((error) => problems.push(`leaving the Swarm: ${errorMessage(error)}`))
    }
    for (const node of this.nodes) this.deps.store.removeVm(nodeVmName(node))
    this.nodes = []
    this.tasks = []
    this.answered.clear()
    this.problem = problems.length ? problems.join('; ') : null
    this.deps.events.append({
      kind: problems.length ? 'error' : 'vm',
      message: running.handle.owned
        ? `Swarm mode off: service removed, every node left the Swarm${problems.length ? `, except: ${this.problem}` : ''}`
        : `Swarm mode off: service removed; the Swarm itself was not the VIM's and is left as it was`,
    })
    return this.status()
  }

  async list(): Promise<ProviderVm[]> {
    if (!this.running) return []
    const capacity = this.running.options.tasksPerNode
    return this.nodes.map((node) => {
      const name = nodeVmName(node)
      return {
        name,
        provider: 'swarm',
        state: nodeProviderState(node, this.departures.leaving(name)),
        address: node.address,
        capacity,
      }
    })
  }

  /** Joins an SSH host to the Swarm as a worker, with the workload image loaded first. */
  async add(input: AddVmInput): Promise<ProviderVm> {
    if (input.provider !== 'swarm')
      throw new Error(`the Swarm provider adds Swarm nodes, not ${input.provider} VMs`)
    const running = this.running
    if (!running) throw new Error('Swarm mode is off: switch it on (POST /api/v1/swarm) before adding nodes')
    const { node, link } = await joinNode(input, {
      knownHosts: this.knownHosts,
      local: this.deps.engine().docker,
      swarm: this.engine(),
      image: running.image,
      managerAddress: running.handle.managerAddress,
    })
    const name = nodeVmName(node)
    const stats = new AbortController()
    const statsLink = await NodeLink.open(link.login(), this.knownHosts).catch((error) => {
      link.close()
      throw error
    })
    void statsLink.streamStats((s) => this.recordStats(s), stats.signal).finally(() => statsLink.close())
    this.joined.set(name, { link, stats })
    this.deps.events.append({
      kind: 'vm',
      vmId: name,
      message: `${name}: joined the Swarm as a worker (${input.address})`,
    })
    await this.tick()
    const capacity = running.options.tasksPerNode
    return { name, provider: 'swarm', state: 'running', address: node.address, capacity }
  }

  /** Stops a node: make before break (see node-departures.ts); resolves once it is drained. */
  stop(name: string): Promise<void> {
    return this.depart(name, 'stop')
  }

  /** Removes a node: drained first, then it leaves the Swarm and is forgotten. */
  async remove(name: string): Promise<void> {
    const node = this.nodeNamed(name)
    if (node.manager)
      throw new Error(`${name} is the Swarm manager: switch Swarm mode off instead of removing it`)
    await this.depart(name, 'remove')
    const joined = this.joined.get(name)
    if (joined) {
      joined.stats.abort()
      await joined.link.leave().catch(() => {})
      joined.link.close()
      this.joined.delete(name)
    }
    await this.engine().removeNode(node.id)
    this.deps.store.removeVm(name)
  }

  async close(): Promise<void> {
    await this.stopMode()
  }

  /** Starts a stopped (drained) node again: it takes tasks. */
  async start(name: string): Promise<void> {
    const node = this.nodeNamed(name)
    this.departures.cancel(name)
    await this.engine().setAvailability(node.id, 'active')
  }

  private depart(name: string, action: 'stop' | 'remove'): Promise<void> {
    const node = this.nodeNamed(name)
    return this.departures.begin(name, node.id, action, Date.now())
  }

  private nodeNamed(name: string): SwarmNodeView {
    const node = this.nodes.find((n) => nodeVmName(n) === name)
    if (!node) throw new Error(`${name} is not a node of the VIM's Swarm`)
    return node
  }

  private recordStats(stats: { name: string; cpuPercent: number; memoryBytes: number }): void {
    const id = taskIdOf(stats.name, serviceName(this.deps.clusterId))
    if (id) this.cpu.set(id, { cpuPercent: stats.cpuPercent, memoryBytes: stats.memoryBytes })
  }

  private spec(image: string, options: SwarmStartInput, handle: SwarmHandle, replicas: number) {
    const size = this.deps.taskSize()
    return serviceSpec({
      clusterId: this.deps.clusterId,
      image,
      replicas,
      cpus: size.cpus,
      memoryBytes: size.memoryBytes,
      placement: this.deps.settings().placement,
      maxPerNode: options.tasksPerNode,
      portBase: options.portBase,
      stopGraceMs: this.deps.drainTimeoutMs,
      noNewPrivileges: apiAtLeast(handle.apiVersion, '1.44'),
    })
  }

  /** One second: read the Swarm, show it, route to it, move leaving nodes on, and scale at the interval. */
  async tick(): Promise<void> {
    const running = this.running
    if (!running || this.ticking) return
    this.ticking = true
    try {
      const now = Date.now()
      this.nodes = await this.engine().nodes()
      this.tasks = await this.engine().tasks()
      await this.probeTasks(running.options.portBase)
      this.show(running, now)
      const settings = this.deps.settings()
      if (now - this.lastPlanAt >= settings.policy.intervalSeconds * 1000 - 50) {
        this.lastPlanAt = now
        this.plan(running, settings, now)
      }
      const surge = this.departures.step(now, this.departureFacts(running))
      const replicas = this.wanted + surge
      if ((await this.engine().replicas()) !== replicas)
        await this.engine().applyService(this.spec(running.image, running.options, running.handle, replicas))
      this.problem = null
    } catch (error) {
      const message = `Swarm: ${errorMessage(error)}`
      if (this.problem !== message) this.deps.events.append({ kind: 'error', message })
      this.problem = message
    } finally {
      this.ticking = false
    }
  }

  private async probeTasks(portBase: number): Promise<void> {
    const running = new Set(this.tasks.filter((t) => t.state === 'running').map((t) => t.id))
    for (const id of [...this.answered]) if (!running.has(id)) this.answered.delete(id)
    const pending = tasksToProbe(portBase, this.nodes, this.tasks).filter((t) => !this.answered.has(t.taskId))
    await Promise.all(
      pending.map(async (target) => {
        const result = await probeHealth(
          { id: target.taskId, host: target.host, port: target.port },
          TASK_HEALTH_PATH,
          800,
        )
        if (result.ok) this.answered.add(target.taskId)
      }),
    )
  }

  private show(running: Running, now: number): void {
    recordSwarm(
      { store: this.deps.store, series: this.deps.series },
      {
        clusterId: this.deps.clusterId,
        portBase: running.options.portBase,
        tasksPerNode: running.options.tasksPerNode,
        taskCpus: this.deps.taskSize().cpus,
        nodes: this.nodes,
        tasks: this.tasks,
        answered: this.answered,
        stats: this.cpu,
        upSince: this.upSince,
        leaving: (name) => this.departures.leaving(name),
        outOfRotation: (name) => this.departures.outOfRotation(name),
        inFlight: this.deps.inFlight,
      },
      now,
    )
  }

  private departureFacts(running: Running) {
    const routes = taskRoutes(
      this.deps.clusterId,
      running.options.portBase,
      this.nodes,
      this.tasks,
      this.answered,
    )
    return (name: string) =>
      departureFacts(name, {
        nodes: this.nodes,
        tasks: this.tasks,
        routes,
        wanted: this.wanted,
        leaving: (vm) => this.departures.leaving(vm),
        inFlight: this.deps.inFlight,
      })
  }

  private plan(running: Running, settings: ClusterScalingSettings, now: number): void {
    const plan = planService(
      {
        now,
        settings,
        service: serviceName(this.deps.clusterId),
        tasksPerNode: running.options.tasksPerNode,
        nodes: this.nodes,
        wanted: this.wanted,
        store: this.deps.store,
        leaving: (name) => this.departures.leaving(name),
      },
      this.policyState,
    )
    if (!plan) return
    this.policyState = plan.state
    for (const event of plan.events) this.deps.events.append(event)
    this.wanted = plan.desired
  }
}
