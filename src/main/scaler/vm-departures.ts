// Stops and removes the user asked for, made before they break: the VM is cordoned (the planner gives it
// capacity 0, so its replicas are placed elsewhere and the apply step drains it once they are ready), and
// the provider's stop or remove runs when it is drained, its agent is gone, or the wait is over.
import { DEFAULT_DEPARTURE_WAIT_MS, type Departure, decideDeparture } from '../../shared/scaler'
import { type ClusterStore, readyContainers } from '../cluster/cluster-store'
import type { EventLog } from '../cluster/event-log'

export interface DepartureDeps {
  store: ClusterStore
  events: EventLog
  /** The VM's agent session is open (a VM without one is stopped at once). */
  connected: (vmName: string) => boolean
  /** Called when a VM is cordoned, so that the planner moves its replicas without waiting for its interval. */
  onCordon?: () => void
  /** How long a VM may take to drain before it goes anyway. */
  waitMs?: number
}

export class VmDepartures {
  private readonly pending = new Map<string, () => Promise<void>>()
  private readonly going = new Set<string>()

  constructor(private readonly deps: DepartureDeps) {}

  /**
   * Cordons `id` and runs `go` (the provider's stop or remove) once it is drained. Returns what the VM now
   * waits for, or undefined when it has nothing to drain and the caller should go at once.
   */
  leave(id: string, action: Departure['action'], now: number, go: () => Promise<void>): string | undefined {
    const { store, events } = this.deps
    const record = store.vm(id)
    if (!record?.agent || !this.deps.connected(id)) return undefined
    const verb = action === 'stop' ? 'stops' : 'is removed'
    const message = `${id}: cordoned; it ${verb} once its replicas run on other VMs and it has drained (at most ${Math.round(this.waitMs / 1000)} s)`
    if (!record.leaving) {
      const replicas = [...record.containers.values()].filter(
        (c) => c.state === 'ready' || c.state === 'starting',
      ).length
      store.setLeaving(id, { action, sinceMs: now, replicas })
      events.append({ kind: 'vm', vmId: id, message })
    } else if (record.leaving.action !== action) {
      store.setLeaving(id, { ...record.leaving, action })
    }
    this.pending.set(id, go)
    this.deps.onCordon?.()
    return message
  }

  /** Forgets a departure (a forced stop ran instead). */
  cancel(id: string): void {
    this.pending.delete(id)
    this.deps.store.setLeaving(id, null)
  }

  /** Every second: starts the stop or remove of each VM that may go now. */
  step(now: number): void {
    const { store, events } = this.deps
    const records = store.vms()
    const othersReady = (id: string) =>
      records
        .filter((r) => r.name !== id && !r.leaving && r.agent && readyContainers(r) > 0)
        .map((r) => r.name)
    for (const [id, go] of this.pending) {
      const record = store.vm(id)
      if (!record?.leaving) {
        this.pending.delete(id)
        continue
      }
      if (this.going.has(id)) continue
      const decision = decideDeparture({
        now,
        name: id,
        departure: record.leaving,
        connected: record.agent !== null && this.deps.connected(id),
        target: record.target,
        sent: record.sentTarget,
        containers: record.containers.size,
        othersReady: othersReady(id),
        waitMs: this.waitMs,
      })
      if (!decision.go) continue
      this.going.add(id)
      events.append({ kind: 'vm', vmId: id, message: decision.message })
      go()
        .catch((error: Error) => {
          events.append({
            kind: 'error',
            vmId: id,
            message: `${id}: the ${record.leaving?.action ?? 'stop'} failed (${error.message}); it takes replicas again`,
          })
        })
        .finally(() => {
          this.going.delete(id)
          this.pending.delete(id)
          store.setLeaving(id, null)
        })
    }
  }

  private get waitMs(): number {
    return this.deps.waitMs ?? DEFAULT_DEPARTURE_WAIT_MS
  }
}
