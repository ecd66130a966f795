// The decision log: the last few thousand things that happened in the cluster and why, newest first,
// with live push for the UI. Bounded, so that a flapping VM cannot grow the VIM's memory.
import type { ClusterEvent, EventDetail, EventKind, EventQuery } from '../../shared/domain/events'
import type { DecisionReason } from '../../shared/policy'
import { log } from '../log'

export const DEFAULT_EVENT_CAPACITY = 5000

/** What a component reports; the log adds the id and, unless given, the time. */
export interface EventInput {
  kind: EventKind
  message: string
  vmId?: string
  containerId?: string
  detail?: EventDetail
  at?: number
}

/** The control API's query after parsing: filters combine with "and". */
export type EventFilter = EventQuery

export type EventListener = (event: ClusterEvent) => void
/** Live subscriptions filter by subject and kind; paging belongs to `list`. */
export type EventSubscriptionFilter = Pick<EventFilter, 'vmId' | 'kinds'>

export interface EventLogOptions {
  capacity?: number
  now?: () => number
  /** A listener that throws must not stop the others or the component that logged the event. */
  onListenerError?: (error: unknown) => void
}

export class EventLog {
  readonly capacity: number
  /** A ring: event `id` sits at `(id - 1) % capacity`, so appending never moves anything. */
  private readonly ring: (ClusterEvent | undefined)[]
  private lastId = 0
  private readonly now: () => number
  private readonly onListenerError: (error: unknown) => void
  private readonly listeners = new Set<{ listener: EventListener; filter: EventSubscriptionFilter }>()

  constructor(options: EventLogOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_EVENT_CAPACITY
    if (!Number.isInteger(this.capacity) || this.capacity < 1)
      throw new RangeError('capacity must be a whole number ≥ 1')
    this.ring = new Array(this.capacity)
    this.now = options.now ?? Date.now
    this.onListenerError =
      options.onListenerError ?? ((error) => log.warn('An event log listener failed', error))
  }

  /** Events kept right now (at most `capacity`). */
  get size(): number {
    return Math.min(this.lastId, this.capacity)
  }

  /** The id of the newest event, 0 before the first. */
  get newestId(): number {
    return this.lastId
  }

  append(input: EventInput): ClusterEvent {
    const event: ClusterEvent = {
      id: this.lastId + 1,
      at: input.at ?? this.now(),
      kind: input.kind,
      ...(input.vmId !== undefined && { vmId: input.vmId }),
      ...(input.containerId !== undefined && { containerId: input.containerId }),
      message: input.message,
      ...(input.detail !== undefined && { detail: Object.freeze({ ...input.detail }) }),
    }
    // Listeners and API callers all get this object: frozen, none of them can rewrite history.
    Object.freeze(event)
    this.lastId = event.id
    this.ring[(event.id - 1) % this.capacity] = event
    for (const { listener, filter } of this.listeners) {
      if (!matches(event, filter)) continue
      try {
        listener(event)
      } catch (error) {
        this.onListenerError(error)
      }
    }
    return event
  }

  /** Newest first. */
  list(filter: EventFilter = {}): ClusterEvent[] {
    const limit = filter.limit ?? this.capacity
    const oldestId = Math.max(this.lastId - this.capacity + 1, (filter.afterId ?? 0) + 1, 1)
    const found: ClusterEvent[] = []
    for (let id = this.lastId; id >= oldestId && found.length < limit; id--) {
      const event = this.ring[(id - 1) % this.capacity]!
      if (matches(event, filter)) found.push(event)
    }
    return found
  }

  /** Calls `listener` with every new event that passes `filter`; returns the unsubscribe function. */
  subscribe(listener: EventListener, filter: EventSubscriptionFilter = {}): () => void {
    const entry = { listener, filter }
    this.listeners.add(entry)
    return () => this.listeners.delete(entry)
  }
}

function matches(event: ClusterEvent, filter: EventSubscriptionFilter): boolean {
  return (
    (filter.vmId === undefined || event.vmId === filter.vmId) &&
    (filter.kinds === undefined || filter.kinds.includes(event.kind))
  )
}

/** A scaling decision as a log entry: its sentence, and its numbers as the detail. */
export function scalingEvent(reason: DecisionReason, vmId?: string): EventInput {
  const { message, ...facts } = reason
  const detail: EventDetail = {}
  for (const [key, value] of Object.entries(facts)) if (value !== undefined) detail[key] = value
  return { kind: 'scaling', message, detail, ...(vmId !== undefined && { vmId }) }
}
