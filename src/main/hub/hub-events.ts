// The hub's typed events and a small emitter whose listeners can never break the hub: a listener that
// throws is logged and the others still run.
import type { AckMessage, EventMessage, ReportMessage } from '../../shared/protocol/messages'
import type { AgentSession, SessionEnd } from './agent-session'
import type { HubLogger } from './hub-options'

/** Why a connection was refused before it became a session. */
export interface Rejection {
  code: number
  reason: string
  /** The VM name the hello claimed, once its proof and signature checked out. */
  vmName?: string
}

export interface HubEvents {
  /** An agent authenticated and was welcomed. */
  connected: (session: AgentSession) => void
  report: (session: AgentSession, report: ReportMessage) => void
  event: (session: AgentSession, event: EventMessage) => void
  /** Every ack, also those that settle a `command()` (which resolves first). */
  ack: (session: AgentSession, ack: AckMessage) => void
  /** The session is over (closed by either side, dead, or replaced); emitted once per session. */
  disconnected: (session: AgentSession, end: SessionEnd) => void
  /** The hub refused a connection that never became a session (bad proof, name claimed, timeout, garbage). */
  rejected: (remoteAddress: string, rejection: Rejection) => void
}

export type HubEventName = keyof HubEvents

export class HubEmitter {
  private readonly listeners: { [E in HubEventName]: Set<HubEvents[E]> } = {
    connected: new Set(),
    report: new Set(),
    event: new Set(),
    ack: new Set(),
    disconnected: new Set(),
    rejected: new Set(),
  }

  constructor(private readonly logger: HubLogger) {}

  /** Returns the function that removes the listener. */
  on<E extends HubEventName>(event: E, listener: HubEvents[E]): () => void {
    const set = this.listeners[event] as Set<HubEvents[E]>
    set.add(listener)
    return () => set.delete(listener)
  }

  emit<E extends HubEventName>(event: E, ...args: Parameters<HubEvents[E]>): void {
    for (const listener of [...this.listeners[event]] as ((...a: Parameters<HubEvents[E]>) => void)[]) {
      try {
        listener(...args)
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error)
        this.logger.warn(`hub: a "${event}" listener threw: ${text}`)
      }
    }
  }
}
