import { describe, expect, it } from 'vitest'
import type { ClusterScalingSettings, PlacementStrategy } from '../../shared/scaler'
import { DEFAULT_CLUSTER_SCALING_SETTINGS } from '../../shared/scaler'
import { ClusterStore } from '../cluster/cluster-store'
import { EventLog } from '../cluster/event-log'
import type { AgentSession } from '../hub/agent-hub'
import { VimMetrics } from '../metrics/prometheus'
import type { ProviderVm, VmProvider } from '../providers/provider'
import { FrontProxy } from '../proxy/front-proxy'
import { followCluster } from '../proxy/rotation'
import { ClusterAutoscaler } from './cluster-autoscaler'
import { VmDepartures } from './vm-departures'

interface VmSpec {
  name: string
  capacity?: number
  /** The target of the welcome (what the agent runs when it joins). */
  target: number
  ready: number
  starting?: number
}

/**
 * A real store, event log and front proxy (not listening) around the autoscaler; agents, sessions and
 * the provider are fakes that write every action into one ordered log.
 */
function cluster(
  vms: VmSpec[],
  options: { replicas: number; placement?: PlacementStrategy; intervalSeconds?: number; canStop?: boolean },
) {
  let now = 1_000_000
  const log: string[] = []
  const store = new ClusterStore(
    () => 5000,
    () => now,
  )
  const events = new EventLog()
  const proxy = new FrontProxy({ host: '127.0.0.1', port: 0 })
  followCluster(store, proxy)
  const inFlight = new Map<string, number>()
  const failNext = new Set<string>()
  const sessions = new Map<string, AgentSession>()
  const powered = new Map<string, ProviderVm['state']>()
  const weight = (name: string) => proxy.pool.snapshot().find((b) => b.id === name)?.weight

  const report = (name: string, ready: number, starting = 0) => {
    const container = (i: number, state: 'ready' | 'starting') => ({
      id: `${name}-${state}-${i}`,
      name: `acs-${name}-${state}-${i}`,
      state,
      cpuPercent: 10,
      memoryBytes: 1,
      inFlight: 0,
      requestRate: 0,
      latencyMsP50: null,
      latencyMsP95: null,
      healthy: true,
      startedAt: now,
      ...(state === 'ready' && { readyAt: now }),
    })
    const containers = [
      ...Array.from({ length: ready }, (_, i) => container(i, 'ready')),
      ...Array.from({ length: starting }, (_, i) => container(i, 'starting')),
    ]
    store.applyReport(
      name,
      {
        type: 'report',
        v: 1,
        seq: 0,
        at: now,
        vm: { cpuPercent: 0, memoryBytes: 0, replicas: containers.length, readyReplicas: ready },
        containers,
        recommendation: { replicas: ready, reason: 'steady' },
        target: ready + starting,
        mode: 'following',
      } as never,
      now,
    )
  }
  const join = (spec: VmSpec) => {
    store.agentConnected({
      name: spec.name,
      provider: 'lab',
      capacity: spec.capacity ?? 4,
      address: `127.0.0.1:${20000 + sessions.size}`,
      version: 'test',
      runtime: 'docker',
      connectedAt: now,
      target: spec.target,
    })
    powered.set(spec.name, 'running')
    const session = {
      vmName: spec.name,
      command: async (type: string, payload: { replicas: number }) => {
        log.push(`${type} ${spec.name} ${payload.replicas} (front weight ${weight(spec.name) ?? 'none'})`)
        if (failNext.delete(spec.name)) throw new Error('the agent refused it')
        return { type: 'ack', ok: true }
      },
    }
    sessions.set(spec.name, session as unknown as AgentSession)
    report(spec.name, spec.ready, spec.starting ?? 0)
  }
  const leave = (name: string) => {
    sessions.delete(name)
    store.agentDisconnected(name)
  }
  for (const spec of vms) join(spec)

  // Drain marks as the rotation sees them, in order with the commands.
  const draining = new Map<string, boolean>()
  store.subscribe(() => {
    for (const vm of store.vms()) {
      if ((draining.get(vm.name) ?? false) === vm.draining) continue
      draining.set(vm.name, vm.draining)
      log.push(`${vm.draining ? 'out of rotation' : 'back in rotation'} ${vm.name}`)
    }
  })

  const provider: VmProvider = {
    kind: 'lab',
    capabilities: { startStop: options.canStop ?? false, create: false },
    list: async () =>
      [...powered].map(([name, state]) => ({ name, provider: 'lab', state, capacity: 4 }) as ProviderVm),
    start: async (name) => {
      log.push(`start ${name}`)
    },
    stop: async (name) => {
      log.push(`stop ${name}`)
      powered.set(name, 'stopped')
    },
    close: async () => {},
  }
  const settings: ClusterScalingSettings = {
    ...DEFAULT_CLUSTER_SCALING_SETTINGS,
    placement: options.placement ?? 'spread',
    idleCooldownSeconds: 0,
    policy: {
      ...DEFAULT_CLUSTER_SCALING_SETTINGS.policy,
      minReplicas: options.replicas,
      maxReplicas: options.replicas,
      intervalSeconds: options.intervalSeconds ?? 1,
    },
  }
  const departures = new VmDepartures({
    store,
    events,
    connected: (name) => sessions.has(name),
    onCordon: () => autoscaler.planSoon(),
    waitMs: 8_000,
  })
  /** The user's Stop: pending (cordoned) while the VM drains, or undefined when it stops at once. */
  const userStop = (name: string) => departures.leave(name, 'stop', now, () => provider.stop(name))
  const vmEvents = () =>
    events
      .list({})
      .reverse()
      .filter((e) => e.kind === 'vm')
      .map((e) => e.message)
  const autoscaler = new ClusterAutoscaler({
    departures,
    store,
    events,
    metrics: new VimMetrics(),
    settings: () => settings,
    session: (name) => sessions.get(name),
    providers: () => [provider],
    inFlight: (name) => inFlight.get(name) ?? 0,
    now: () => now,
    drainTimeoutMs: 10_000,
  })
  /** One second of the autoscaler's timer; the fake commands settle before it returns. */
  const tick = async () => {
    await autoscaler.tick()
    await new Promise((resolve) => setImmediate(resolve))
    now += 1000
  }
  const placementNotes = () =>
    events
      .list({})
      .reverse()
      .filter((e) => e.kind === 'placement' || e.kind === 'error')
      .map((e) => e.message)
  return {
    log,
    store,
    tick,
    report,
    join,
    leave,
    inFlight,
    failNext,
    weight,
    placementNotes,
    settings,
    userStop,
    vmEvents,
    powered,
  }
}

describe('ClusterAutoscaler: plan → setTarget, drain marks and provider actions, in order', () => {
  it('scales up: every increase goes out in the first second, nothing leaves the rotation', async () => {
    const c = cluster(
      [
        { name: 'lab-1', target: 1, ready: 1 },
        { name: 'lab-2', target: 0, ready: 0 },
      ],
      { replicas: 4 },
    )
    await c.tick()
    expect(c.log).toEqual(['setTarget lab-1 2 (front weight 1)', 'setTarget lab-2 2 (front weight none)'])
    expect(c.store.vm('lab-1')?.sentTarget).toBe(2)
  })

  it('scales one VM in to 0: out of the rotation, then in-flight requests finish, then setTarget 0', async () => {
    const c = cluster(
      [
        { name: 'lab-1', target: 1, ready: 1 },
        { name: 'lab-2', target: 1, ready: 1 },
      ],
      { replicas: 1 },
    )
    c.inFlight.set('lab-2', 3)
    await c.tick()
    expect(c.log).toEqual(['out of rotation lab-2'])
    expect(c.weight('lab-2')).toBe(0)
    await c.tick()
    await c.tick()
    expect(c.log).toEqual(['out of rotation lab-2'])
    c.inFlight.set('lab-2', 0)
    await c.tick()
    expect(c.log).toEqual(['out of rotation lab-2', 'setTarget lab-2 0 (front weight 0)'])
    // The UI shows the plan's target from the start; the agent got it only after the drain.
    expect(c.store.vm('lab-2')?.target).toBe(0)
    // Weight 0 until its last container is gone; then it leaves the rotation.
    c.report('lab-2', 0)
    await c.tick()
    expect(c.log.at(-1)).toBe('back in rotation lab-2')
    expect(c.weight('lab-2')).toBeUndefined()
    expect(c.placementNotes()).toContain(
      'lab-2: 1 → 0 held until the front has no request in flight to it (out of the rotation)',
    )
  })

  it('sends target 0 at the drain timeout even with requests still in flight', async () => {
    const c = cluster(
      [
        { name: 'lab-1', target: 1, ready: 1 },
        { name: 'lab-2', target: 1, ready: 1 },
      ],
      { replicas: 1 },
    )
    c.inFlight.set('lab-2', 1)
    for (let s = 0; s < 10; s++) await c.tick()
    expect(c.log).toEqual(['out of rotation lab-2'])
    await c.tick()
    expect(c.log).toEqual(['out of rotation lab-2', 'setTarget lab-2 0 (front weight 0)'])
    expect(c.placementNotes().at(-1)).toMatch(
      /^lab-2: 1 → 0 after the drain timeout of 10 s \(1 request still/,
    )
  })

  it('moves the only replica: the old one goes only once the new one is ready', async () => {
    // A second VM joins and starts a replica (its welcome target); bin-pack then empties the smaller VM.
    const c = cluster([{ name: 'lab-1', capacity: 2, target: 1, ready: 1 }], {
      replicas: 1,
      placement: 'bin-pack',
      intervalSeconds: 15,
    })
    await c.tick()
    c.join({ name: 'lab-2', capacity: 4, target: 1, ready: 0, starting: 1 })
    for (let s = 0; s < 20; s++) await c.tick()
    // Planned at once (the UI shows it), held while lab-2's replica starts, said once.
    expect(c.store.vm('lab-1')?.target).toBe(0)
    expect(c.log).toEqual([])
    expect(c.weight('lab-1')).toBe(1)
    const held = "lab-1: 1 → 0 held until lab-2's replica is ready"
    expect(c.placementNotes().filter((m) => m === held)).toHaveLength(1)

    c.report('lab-2', 1)
    await c.tick()
    await c.tick()
    expect(c.log).toEqual(['out of rotation lab-1', 'setTarget lab-1 0 (front weight 0)'])
  })

  it('holds a decrease while the replacement starts, then releases it (no drain above 0)', async () => {
    const c = cluster(
      [
        { name: 'lab-1', capacity: 2, target: 2, ready: 2 },
        { name: 'lab-2', capacity: 4, target: 1, ready: 0, starting: 1 },
      ],
      { replicas: 2 },
    )
    await c.tick()
    await c.tick()
    expect(c.log).toEqual([])
    expect(c.placementNotes()).toContain("lab-1: 2 → 1 held until lab-2's replica is ready")
    c.report('lab-2', 1)
    await c.tick()
    expect(c.log).toEqual(['setTarget lab-1 1 (front weight 2)'])
  })

  it('drops the drain of a VM whose agent left mid-drain, and sends it nothing', async () => {
    const c = cluster(
      [
        { name: 'lab-1', target: 1, ready: 1 },
        { name: 'lab-2', target: 1, ready: 1 },
      ],
      { replicas: 1 },
    )
    c.inFlight.set('lab-2', 2)
    await c.tick()
    c.leave('lab-2')
    for (let s = 0; s < 12; s++) await c.tick()
    expect(c.log).toEqual(['out of rotation lab-2', 'back in rotation lab-2'])
    expect(c.weight('lab-2')).toBeUndefined()
    expect(c.placementNotes().some((m) => m.startsWith('lab-2') && m.includes('did not take'))).toBe(false)
  })

  it('stops a VM through its provider only after setTarget 0 and once its containers are gone', async () => {
    const c = cluster(
      [
        { name: 'lab-1', target: 1, ready: 1 },
        { name: 'lab-2', target: 1, ready: 1 },
      ],
      { replicas: 1, canStop: true },
    )
    for (let s = 0; s < 3; s++) await c.tick()
    expect(c.log).toEqual(['out of rotation lab-2', 'setTarget lab-2 0 (front weight 0)'])
    // The agent drains its container (reported as gone only after a few seconds): no stop meanwhile.
    for (let s = 0; s < 3; s++) await c.tick()
    expect(c.log).not.toContain('stop lab-2')
    c.report('lab-2', 0)
    await c.tick()
    await c.tick()
    expect(c.log).toEqual([
      'out of rotation lab-2',
      'setTarget lab-2 0 (front weight 0)',
      'back in rotation lab-2',
      'stop lab-2',
    ])
  })

  it('retries a setTarget the agent refused on the next second, and logs the failure once', async () => {
    const c = cluster([{ name: 'lab-1', target: 1, ready: 1 }], { replicas: 2 })
    c.failNext.add('lab-1')
    await c.tick()
    expect(c.store.vm('lab-1')?.sentTarget).toBe(1)
    const failures = () => c.placementNotes().filter((m) => m.includes('did not take'))
    expect(failures()).toEqual(['lab-1 did not take its target 2: the agent refused it; retrying'])
    await c.tick()
    expect(c.log).toEqual(['setTarget lab-1 2 (front weight 1)', 'setTarget lab-1 2 (front weight 1)'])
    expect(c.store.vm('lab-1')?.sentTarget).toBe(2)
    await c.tick()
    expect(c.log).toHaveLength(2)
    expect(failures()).toHaveLength(1)
  })
})

describe('ClusterAutoscaler: a VM the user stops is cordoned, drained, then stopped', () => {
  it('moves the only replica to another VM before it drains and stops the VM', async () => {
    const c = cluster(
      [
        { name: 'lab-1', target: 1, ready: 1 },
        { name: 'lab-2', target: 0, ready: 0 },
      ],
      { replicas: 1, intervalSeconds: 15 },
    )
    await c.tick()
    expect(c.userStop('lab-1')).toMatch(/^lab-1: cordoned; it stops once its replicas run on other VMs/)
    expect(c.store.snapshot(0).vms.find((vm) => vm.name === 'lab-1')).toMatchObject({
      status: 'draining',
      leaving: { action: 'stop' },
    })
    // Planned at the next second, not at the 15 s interval: the replacement first, lab-1 kept meanwhile.
    await c.tick()
    await c.tick()
    expect(c.log).toEqual(['setTarget lab-2 1 (front weight none)'])
    expect(c.weight('lab-1')).toBe(1)
    c.report('lab-2', 1)
    for (let s = 0; s < 2; s++) await c.tick()
    expect(c.log.slice(1)).toEqual(['out of rotation lab-1', 'setTarget lab-1 0 (front weight 0)'])
    // Its container drains: no stop meanwhile.
    await c.tick()
    expect(c.log).not.toContain('stop lab-1')
    c.report('lab-1', 0)
    await c.tick()
    await c.tick()
    expect(c.log.at(-1)).toBe('stop lab-1')
    expect(c.log.filter((l) => l === 'stop lab-1')).toHaveLength(1)
    expect(c.vmEvents()).toContain('lab-1: stopping after its 1 replica moved to lab-2')
    expect(c.store.vm('lab-1')?.leaving).toBeNull()
  })

  it('with no other VM, drains and stops anyway, saying that requests will fail', async () => {
    const c = cluster([{ name: 'lab-1', target: 1, ready: 1 }], { replicas: 1 })
    await c.tick()
    expect(c.userStop('lab-1')).toBeDefined()
    for (let s = 0; s < 2; s++) await c.tick()
    expect(c.log).toEqual(['out of rotation lab-1', 'setTarget lab-1 0 (front weight 0)'])
    c.report('lab-1', 0)
    await c.tick()
    expect(c.log.at(-1)).toBe('stop lab-1')
    expect(c.vmEvents()).toContain(
      'lab-1: stopping after its 1 replica drained; no other VM is ready, so requests fail until one is',
    )
  })

  it('stops after the bounded wait when its containers do not go, and says so', async () => {
    const c = cluster(
      [
        { name: 'lab-1', target: 1, ready: 1 },
        { name: 'lab-2', target: 1, ready: 1 },
      ],
      { replicas: 2 },
    )
    await c.tick()
    c.userStop('lab-1')
    for (let s = 0; s < 7; s++) await c.tick()
    expect(c.log).not.toContain('stop lab-1')
    for (let s = 0; s < 2; s++) await c.tick()
    expect(c.log.at(-1)).toBe('stop lab-1')
    expect(c.vmEvents().some((m) => /^lab-1: stopping after waiting 8 s for it to drain/.test(m))).toBe(true)
  })

  it('stops a VM whose agent is not connected at once (nothing to drain)', async () => {
    const c = cluster(
      [
        { name: 'lab-1', target: 1, ready: 1 },
        { name: 'lab-2', target: 1, ready: 1 },
      ],
      { replicas: 2 },
    )
    c.leave('lab-2')
    expect(c.userStop('lab-2')).toBeUndefined()
    expect(c.store.vm('lab-2')?.leaving).toBeNull()
  })

  it('keeps the replica of the only VM until a stopped VM it starts has it ready', async () => {
    const c = cluster([{ name: 'lab-1', target: 1, ready: 1 }], { replicas: 1, canStop: true })
    c.powered.set('lab-2', 'stopped')
    await c.tick()
    c.userStop('lab-1')
    for (let s = 0; s < 3; s++) await c.tick()
    // The fake provider's start does not power lab-2 on, so it is asked again each evaluation.
    const commands = () => c.log.filter((l) => l !== 'start lab-2')
    expect(c.log).toContain('start lab-2')
    expect(commands()).toEqual([])
    expect(c.weight('lab-1')).toBe(1)
    expect(c.placementNotes()).toContain('lab-1: 1 → 0 held until another VM is up to take its replica')
    c.join({ name: 'lab-2', target: 0, ready: 0 })
    for (let s = 0; s < 2; s++) await c.tick()
    expect(commands()).toEqual(['setTarget lab-2 1 (front weight none)'])
    c.report('lab-2', 1)
    for (let s = 0; s < 2; s++) await c.tick()
    expect(commands().slice(1)).toEqual(['out of rotation lab-1', 'setTarget lab-1 0 (front weight 0)'])
    c.report('lab-1', 0)
    for (let s = 0; s < 2; s++) await c.tick()
    expect(c.log.filter((l) => l === 'stop lab-1')).toHaveLength(1)
    expect(c.vmEvents()).toContain('lab-1: stopping after its 1 replica moved to lab-2')
  })
})
