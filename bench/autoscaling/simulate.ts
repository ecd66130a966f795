// The discrete-event simulation: seeded arrivals through a least-outstanding-requests balancer into
// replica queues, 1 s CPU samples into the policy's loop, and the agent's own plan to start and drain.
import { decideReplicas, type PolicyState, type ReplicaSample } from '../../src/shared/policy'
import { planReplicas } from '../../vmm-agent/replica-plan'
import type { Contender } from './contenders'
import { type ReplicaMetric, replicaMetric } from './replica-metric'
import { ReplicaQueue } from './replica-queue'
import { replicasFor, type Workload } from './workload'

export interface ReplicaLife {
  /** When the policy's decision created it (seconds of trace time). */
  createdAt: number
  /** When it began to take requests. */
  servingAt: number
  /** When it left: drained of its last request, or cancelled while starting. */
  removedAt?: number
}

export interface TargetChange {
  at: number
  from: number
  to: number
  /** The policy's own one-sentence reason. */
  reason: string
}

export interface RunRecord {
  contender: Contender['id']
  durationSeconds: number
  /** Per second of sending: requests sent, answered later than the SLO, failed. */
  sent: Uint32Array
  slow: Uint32Array
  failed: Uint32Array
  /** Replicas taking requests at the end of each second. */
  serving: Uint16Array
  replicas: ReplicaLife[]
  /** Changes of the replica target within the trace (not the warm-up). */
  changes: TargetChange[]
  /** Latency of every answered request sent within the trace, in 1 ms buckets (the last one: ≥ 60 s). */
  latencyMs: Uint32Array
}

export interface SimulationInput {
  workload: Workload
  contender: Contender
  durationSeconds: number
  /** Sorted arrival times from −warmupSeconds to durationSeconds. */
  arrivals: Float64Array
  /** Seconds of the base load before the trace, so both policies start it in their steady state. */
  warmupSeconds: number
  /** Replicas at the start of the warm-up; defaults to what the first second's load needs. */
  initialReplicas?: number
  /** The first second's rate, for the default initial replicas. */
  initialRate: number
}

interface SimReplica {
  id: string
  life: ReplicaLife
  queue: ReplicaQueue
  metric: ReplicaMetric
  serving: boolean
  draining: boolean
  /** Present since before the warm-up: "ready long ago" to the policy. */
  initial: boolean
}

const MAX_LATENCY_MS = 60_000

export function simulate(input: SimulationInput): RunRecord {
  const { workload: w, contender, durationSeconds: T, arrivals, warmupSeconds } = input
  const { policy } = contender
  const costSeconds = w.costMs / 1000
  const record: RunRecord = {
    contender: contender.id,
    durationSeconds: T,
    sent: new Uint32Array(T),
    slow: new Uint32Array(T),
    failed: new Uint32Array(T),
    serving: new Uint16Array(T),
    replicas: [],
    changes: [],
    latencyMs: new Uint32Array(MAX_LATENCY_MS + 1),
  }
  const sloSeconds = w.sloMs / 1000
  const onDeparture = (arrivedAt: number, departedAt: number) => {
    const second = Math.floor(arrivedAt)
    if (second < 0 || second >= T) return
    const latency = departedAt - arrivedAt
    if (latency > sloSeconds) record.slow[second]!++
    record.latencyMs[Math.min(MAX_LATENCY_MS, Math.floor(latency * 1000))]!++
  }

  let live: SimReplica[] = []
  let nextId = 0
  const create = (at: number, initial: boolean): void => {
    const servingAt = initial ? at : at + w.startSeconds
    const life: ReplicaLife = { createdAt: at, servingAt }
    record.replicas.push(life)
    live.push({
      id: `r${nextId++}`,
      life,
      queue: new ReplicaQueue(w.cpus, costSeconds, w.discipline, at),
      metric: replicaMetric(contender.feed, policy.metricWindowSeconds),
      serving: initial,
      draining: false,
      initial,
    })
  }
  const remove = (replica: SimReplica, at: number): void => {
    replica.life.removedAt = at
    live = live.filter((r) => r !== replica)
  }
  /** Serves every replica up to `t`, lets starting ones in and drained ones go. */
  const advanceAll = (t: number): void => {
    let drained = false
    for (const replica of live) {
      replica.queue.advance(t, onDeparture)
      if (!replica.serving && !replica.draining && replica.life.servingAt <= t) replica.serving = true
      if (replica.draining && replica.queue.outstanding === 0) drained = true
    }
    if (!drained) return
    for (const replica of live.filter((r) => r.draining && r.queue.outstanding === 0)) {
      remove(replica, replica.queue.lastDeparture)
    }
  }

  // Least outstanding requests; ties go round the replicas, so an idle lab spreads its load evenly.
  let rotation = 0
  const arrive = (t: number): void => {
    advanceAll(t)
    const second = Math.floor(t)
    const inTrace = second >= 0 && second < T
    if (inTrace) record.sent[second]!++
    let best: SimReplica | undefined
    const n = live.length
    rotation = (rotation + 1) % Math.max(1, n)
    for (let k = 0; k < n; k++) {
      const replica = live[(rotation + k) % n]!
      if (!replica.serving || replica.draining) continue
      if (!best || replica.queue.outstanding < best.queue.outstanding) best = replica
    }
    if (!best || best.queue.outstanding >= w.queueCap) {
      if (inTrace) record.failed[second]!++
      return
    }
    best.queue.admit(t)
  }

  const initial = input.initialReplicas ?? replicasFor(input.initialRate, w)
  for (let k = 0; k < initial; k++) create(-warmupSeconds, true)
  let target = initial
  let state: PolicyState | undefined
  const interval = policy.intervalSeconds
  const due = (tick: number) => {
    const offset = (((tick - contender.phaseSeconds) % interval) + interval) % interval
    return offset < 1e-9 || interval - offset < 1e-9
  }

  let next = 0
  for (let tick = -warmupSeconds + 1; tick <= T; tick++) {
    while (next < arrivals.length && arrivals[next]! < tick) arrive(arrivals[next++]!)
    advanceAll(tick)
    const nowMs = tick * 1000
    for (const replica of live) replica.metric.push(nowMs, replica.queue.takeCpuSeconds() / w.cpus)
    if (tick >= 1) record.serving[tick - 1] = live.filter((r) => r.serving && !r.draining).length
    if (tick === T) break

    if (due(tick)) {
      const samples = live.filter((r) => !r.draining).map((r) => sampleOf(r, nowMs))
      const decision = decideReplicas({ now: nowMs, currentReplicas: target, samples, policy }, state)
      state = decision.state
      if (decision.desired !== target && tick >= 0) {
        record.changes.push({ at: tick, from: target, to: decision.desired, reason: decision.reason.message })
      }
      target = decision.desired
    }
    // Like the agent's loop, converge every second: a start blocked by a draining replica's slot retries.
    const plan = planReplicas(
      live.map((r) => ({
        id: r.id,
        state: r.draining ? 'draining' : r.serving ? 'ready' : 'starting',
        inFlight: r.queue.outstanding,
        startedAt: r.life.createdAt,
        // The simulated replicas never fail a health check.
        healthy: true,
        replace: false,
      })),
      0,
      target,
      w.maxReplicas,
    )
    for (let k = 0; k < plan.start; k++) create(tick, false)
    for (const id of plan.drain) {
      const replica = live.find((r) => r.id === id)
      if (!replica) continue
      replica.draining = true
      if (!replica.serving || replica.queue.outstanding === 0) remove(replica, tick)
    }
  }
  // No arrivals after the trace: let the last requests finish so that their latency counts.
  for (const replica of [...live]) {
    replica.queue.advance(Number.POSITIVE_INFINITY, onDeparture)
    if (replica.draining) replica.life.removedAt = replica.queue.lastDeparture
  }
  return record
}

function sampleOf(replica: SimReplica, nowMs: number): ReplicaSample {
  const utilization = replica.metric.value(nowMs)
  return {
    id: replica.id,
    ready: replica.serving,
    ...(replica.serving && !replica.initial ? { readySinceMs: replica.life.servingAt * 1000 } : {}),
    ...(utilization !== undefined ? { utilization } : {}),
  }
}
