// Nodes on their way out of the Swarm, made before they break: paused (Swarm places nothing new there),
// their tasks replaced on other nodes (the service runs that many more meanwhile), taken out of the
// rotation until their requests finish, and only then drained (Swarm stops them). The steps are decided
// by drainStep; this module keeps each node's phase and runs the node updates.
import { DEFAULT_DEPARTURE_WAIT_MS } from '../../../shared/scaler'
import type { ClusterStore } from '../../cluster/cluster-store'
import type { EventLog } from '../../cluster/event-log'
import { type DrainPhase, drainStep } from './swarm-scaling'

export interface NodeDepartureDeps {
  events: EventLog
  store: ClusterStore
  drainTimeoutMs: number
  setAvailability: (nodeId: string, availability: 'active' | 'pause' | 'drain') => Promise<void>
}

export interface NodeFacts {
  tasksOnNode: number
  readyElsewhere: number
  wanted: number
  inFlight: number
}

interface Departure {
  nodeId: string
  action: 'stop' | 'remove'
  phase: DrainPhase
  sinceMs: number
  surge: number
  outOfRotation: boolean
  paused: boolean
  /** The node's availability updates, one after the other (Swarm refuses two at once). */
  updates: Promise<void>
  done: () => void
  failed: (error: Error) => void
}

export class NodeDepartures {
  private readonly nodes = new Map<string, Departure>()

  constructor(private readonly deps: NodeDepartureDeps) {}

  /** Starts a node's departure; resolves once it is drained and runs no task. */
  begin(name: string, nodeId: string, action: 'stop' | 'remove', now: number): Promise<void> {
    const existing = this.nodes.get(name)
    if (existing) {
      existing.action = action
      return new Promise((resolve, reject) => {
        const [done, failed] = [existing.done, existing.failed]
        existing.done = () => {
          done()
          resolve()
        }
        existing.failed = (error) => {
          failed(error)
          reject(error)
        }
      })
    }
    return new Promise((resolve, reject) => {
      this.nodes.set(name, {
        nodeId,
        action,
        phase: 'replacing',
        sinceMs: now,
        surge: 0,
        outOfRotation: false,
        paused: false,
        updates: Promise.resolve(),
        done: resolve,
        failed: reject,
      })
      this.deps.store.setLeaving(name, { action, sinceMs: now, replicas: 0 })
      this.deps.events.append({
        kind: 'vm',
        vmId: name,
        message: `${name}: paused (Swarm places no new task there); it ${action === 'stop' ? 'stops' : 'is removed'} once its tasks run on other nodes and it has drained`,
      })
    })
  }

  leaving(name: string): boolean {
    return this.nodes.has(name)
  }

  outOfRotation(name: string): boolean {
    return this.nodes.get(name)?.outOfRotation ?? false
  }

  /** Tasks the service runs above the policy's count, so that leaving nodes' tasks are replaced first. */
  surge(): number {
    let total = 0
    for (const departure of this.nodes.values()) total += departure.surge
    return total
  }

  cancel(name: string): void {
    const departure = this.nodes.get(name)
    if (!departure) return
    this.nodes.delete(name)
    this.deps.store.setLeaving(name, null)
    departure.failed(new Error(`${name} was started again before it stopped`))
  }

  /** Every second: moves each leaving node on; returns the surge to run. */
  step(now: number, facts: (name: string) => NodeFacts): number {
    for (const [name, departure] of this.nodes) {
      if (!departure.paused) {
        departure.paused = true
        this.update(name, departure, 'pause')
      }
      const fact = facts(name)
      if (departure.phase === 'drained') {
        if (fact.tasksOnNode === 0) this.finish(name, departure)
        continue
      }
      const next = drainStep(name, {
        now,
        phase: departure.phase,
        sinceMs: departure.sinceMs,
        ...fact,
        replaceTimeoutMs: DEFAULT_DEPARTURE_WAIT_MS,
        drainTimeoutMs: this.deps.drainTimeoutMs,
      })
      if (next.phase !== departure.phase) departure.sinceMs = now
      departure.phase = next.phase
      departure.surge = next.surge
      departure.outOfRotation = next.outOfRotation
      if (next.message) this.deps.events.append({ kind: 'vm', vmId: name, message: next.message })
      if (next.drainNow) this.update(name, departure, 'drain')
    }
    return this.surge()
  }

  private update(name: string, departure: Departure, availability: 'pause' | 'drain'): void {
    departure.updates = departure.updates.then(() =>
      this.deps
        .setAvailability(departure.nodeId, availability)
        .catch((error: Error) => this.failed(name, departure, availability, error)),
    )
  }

  private failed(name: string, departure: Departure, availability: string, error: Error): void {
    if (this.nodes.get(name) !== departure) return
    this.nodes.delete(name)
    this.deps.store.setLeaving(name, null)
    this.deps.events.append({
      kind: 'error',
      vmId: name,
      message: `${name}: could not set availability ${availability} (${error.message}); it takes tasks again`,
    })
    departure.failed(error)
  }

  private finish(name: string, departure: Departure): void {
    this.nodes.delete(name)
    this.deps.store.setLeaving(name, null)
    this.deps.events.append({
      kind: 'vm',
      vmId: name,
      message: `${name}: drained, no task left${departure.action === 'stop' ? '; stopped (availability drain)' : ''}`,
    })
    departure.done()
  }
}
