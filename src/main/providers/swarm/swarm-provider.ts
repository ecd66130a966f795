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
import { type EventLog, scalingEvent } from '../../cluster/event-log'
import type { ClusterSeries } from '../../cluster/time-series'
import { KnownHosts } from '../../provision/known-hosts'
import type { ProviderVm, VmProvider } from '../provider'
import { NodeDepartures } from './node-departures'
import { NodeLink, streamLocalStats } from './node-link'
import { serviceName, serviceSpec } from './service-spec'
import { apiAtLeast, type SwarmEngine, type SwarmHandle } from './swarm-engine'
import { decideServiceReplicas } from './swarm-scaling'
import {
  nodeProviderState,
  nodeVmName,
  type SwarmNodeView,
  type SwarmTaskView,
  taskName,
  taskRoutes,
  taskState,
  tasksToProbe,
} from './swarm-view'
import { percentOfLimit, taskIdOf } from './task-stats'

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

const HEALTH_PATH = '/healthz'

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
    const tasksOn = (id: string) => this.tasks.filter((t) => t.nodeId === id && t.state === 'running').length
    return {
      mode: running ? (running.handle.owned ? 'owned' : 'adopted') : 'off',
      managerAddress: running?.handle.managerAddress ?? null,
      service: running ? serviceName(this.deps.clusterId) : null,
      replicas: running ? this.wanted + this.departures.surge() : null,
      nodes: running
        ? this.nodes.map((node) => ({
            name: nodeVmName(node),
            address: node.address,
            availability: node.availability,
            state: node.state,
            manager: node.manager,
            tasks: tasksOn(node.id),
          }))
        : [],
      problem: this.problem,
    }
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
    const link = await NodeLink.open(
      {
        host: input.address,
        port: input.port,
        user: input.user,
        auth: input.auth,
        keyPath: input.keyPath,
        password: input.password,
        passphrase: input.passphrase,
      },
      this.knownHosts,
    )
    try {
      const state = await link.swarmState()
      if (state !== 'inactive')
        throw new Error(
          `${input.address}: its Docker Engine is already in a Swarm (${state}); the VIM joins only engines outside one`,
        )
      await link.loadImage(this.deps.engine().docker, running.image)
      const before = new Set(this.nodes.map((n) => n.id))
      await link.join(await this.engine().workerToken(), running.handle.managerAddress)
      const node = await this.waitForNode((n) => !before.has(n.id) && n.address === input.address)
      const name = nodeVmName(node)
      const stats = new AbortController()
      const statsLink = await NodeLink.open(link.login(), this.knownHosts)
      void statsLink.streamStats((s) => this.recordStats(s), stats.signal).finally(() => statsLink.close())
      this.joined.set(name, { link, stats })
      this.deps.events.append({
        kind: 'vm',
        vmId: name,
        message: `${name}: joined the Swarm as a worker (${input.address})`,
      })
      await this.tick()
      return {
        name,
        provider: 'swarm',
        state: 'running',
        address: node.address,
        capacity: running.options.tasksPerNode,
      }
    } catch (error) {
      link.close()
      throw error
    }
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

  private async waitForNode(match: (node: SwarmNodeView) => boolean): Promise<SwarmNodeView> {
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const node = (await this.engine().nodes()).find(match)
      if (node?.state === 'ready') return node
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    throw new Error('the node joined but the manager did not see it ready within 30 s')
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
          HEALTH_PATH,
          800,
        )
        if (result.ok) this.answered.add(target.taskId)
      }),
    )
  }

  private show(running: Running, now: number): void {
    const { store } = this.deps
    const size = this.deps.taskSize()
    const routes = new Map(
      taskRoutes(this.deps.clusterId, running.options.portBase, this.nodes, this.tasks, this.answered).map(
        (r) => [r.taskId, r],
      ),
    )
    store.providerListed(
      'swarm',
      this.nodes.map((node) => ({
        name: nodeVmName(node),
        provider: 'swarm' as const,
        state: nodeProviderState(node, this.departures.leaving(nodeVmName(node))),
        capacity: running.options.tasksPerNode,
      })),
    )
    for (const node of this.nodes) {
      const name = nodeVmName(node)
      if (node.state === 'ready' && !this.upSince.has(name)) this.upSince.set(name, now)
      if (node.state !== 'ready') this.upSince.delete(name)
      const containers = this.tasks.flatMap((task) => {
        if (task.nodeId !== node.id) return []
        const state = taskState(task, this.answered.has(task.id))
        if (!state) return []
        const route = routes.get(task.id)
        const stats = this.cpu.get(task.id)
        return [
          {
            id: task.id,
            name: taskName(this.deps.clusterId, task),
            state,
            cpuPercent: stats ? percentOfLimit(stats.cpuPercent, size.cpus) : 0,
            memoryBytes: stats?.memoryBytes ?? 0,
            inFlight: route ? this.deps.inFlight(route.id) : 0,
            requestRate: 0,
            latencyMsP95: null,
            unhealthyReason: state === 'crashed' ? (task.error ?? 'exited') : null,
            ...(route && {
              route: { backendId: route.id, host: route.host, port: route.port, healthPath: HEALTH_PATH },
            }),
          },
        ]
      })
      const since = this.upSince.get(name)
      store.observeVm(
        name,
        {
          capacity: running.options.tasksPerNode,
          address: node.address,
          up:
            since !== undefined
              ? {
                  version: `Docker ${node.engineVersion} (Swarm ${node.manager ? 'manager' : 'worker'})`,
                  since,
                }
              : null,
          containers,
        },
        now,
      )
      this.record(name, containers, now)
      store.setDraining(name, this.departures.outOfRotation(name))
      store.setTarget(name, containers.filter((c) => c.state !== 'draining').length)
    }
  }

  private record(
    name: string,
    containers: readonly { id: string; state: string; cpuPercent: number; memoryBytes: number }[],
    at: number,
  ): void {
    const { series } = this.deps
    const serving = containers.filter((c) => c.state === 'ready' || c.state === 'draining')
    series.recordVm(name, at, {
      cpuPercent: serving.length ? serving.reduce((sum, c) => sum + c.cpuPercent, 0) / serving.length : 0,
      memoryBytes: containers.reduce((sum, c) => sum + c.memoryBytes, 0),
      replicas: containers.length,
      readyReplicas: containers.filter((c) => c.state === 'ready').length,
      requestRate: 0,
    })
    for (const c of containers)
      series.recordContainer(name, c.id, at, { cpuPercent: c.cpuPercent, memoryBytes: c.memoryBytes })
    series.retainContainers(name, new Set(containers.map((c) => c.id)))
  }

  private departureFacts(running: Running) {
    return (name: string) => {
      const node = this.nodes.find((n) => nodeVmName(n) === name)
      const onNode = this.tasks.filter((t) => t.nodeId === node?.id && t.state === 'running')
      const routes = taskRoutes(
        this.deps.clusterId,
        running.options.portBase,
        this.nodes,
        this.tasks,
        this.answered,
      )
      const elsewhere = routes.filter((r) => r.vmName !== name && !this.departures.leaving(r.vmName))
      return {
        tasksOnNode: onNode.length,
        readyElsewhere: elsewhere.length,
        wanted: this.wanted,
        inFlight: routes
          .filter((r) => r.vmName === name)
          .reduce((sum, r) => sum + this.deps.inFlight(r.id), 0),
      }
    }
  }

  private plan(running: Running, settings: ClusterScalingSettings, now: number): void {
    const { store, events } = this.deps
    const windowMs = settings.policy.metricWindowSeconds * 1000
    const leaving = (name: string) => this.departures.leaving(name)
    const nodes = this.nodes.map((node) => ({
      name: nodeVmName(node),
      schedulable: node.state === 'ready' && node.availability === 'active' && !leaving(nodeVmName(node)),
      capacity: running.options.tasksPerNode,
    }))
    const tasks = nodes.flatMap((node) => {
      const record = store.vm(node.name)
      if (!record || leaving(node.name)) return []
      return [...record.containers.values()]
        .filter((c) => c.state === 'ready' || c.state === 'starting')
        .map((c) => ({
          id: c.id,
          node: node.name,
          ready: c.state === 'ready',
          readySinceMs: c.readySinceMs,
          utilization: c.window.utilization(now, windowMs),
        }))
    })
    if (!nodes.some((n) => n.schedulable)) return
    const decision = decideServiceReplicas(
      { now, policy: settings.policy, current: this.wanted, nodes, tasks },
      this.policyState,
    )
    this.policyState = decision.state
    if (decision.desired === this.wanted) return
    events.append(scalingEvent(decision.reason))
    events.append({
      kind: 'placement',
      message: `Swarm service ${serviceName(this.deps.clusterId)}: ${this.wanted} → ${decision.desired} tasks; Swarm places them (${
        settings.placement === 'spread' ? 'spread over nodes' : 'its default spread'
      }, at most ${running.options.tasksPerNode} per node)`,
    })
    this.wanted = decision.desired
  }
}
