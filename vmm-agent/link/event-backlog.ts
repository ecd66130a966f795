// Agent events kept while the VIM is unreachable, so that its event log still learns what happened.
// Bounded: the oldest go first, and the VIM is told how many were lost.
import type { EventMessage, Unversioned } from '../../src/shared/protocol/messages'

export type AgentEvent = Unversioned<EventMessage>

export class EventBacklog {
  private readonly events: AgentEvent[] = []
  private dropped = 0

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.events.length
  }

  push(event: AgentEvent): void {
    this.events.push(event)
    if (this.events.length > this.capacity) {
      this.events.shift()
      this.dropped += 1
    }
  }

  /** Everything kept, oldest first, after a warning if some were lost; empties the backlog. */
  drain(now: number): AgentEvent[] {
    const lost: AgentEvent[] =
      this.dropped > 0
        ? [
            {
              type: 'event',
              kind: 'warning',
              at: now,
              message: `${this.dropped} agent event(s) were dropped while the VIM was unreachable`,
            },
          ]
        : []
    this.dropped = 0
    return [...lost, ...this.events.splice(0)]
  }
}
