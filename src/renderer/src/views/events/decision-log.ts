// The decision log in the app store: filled by events:list and kept live by 'events:appended',
// newest first, one entry per id, and bounded like the core's own log.
import { type ClusterEvent, MAX_EVENTS_PER_QUERY } from '../../../../shared/domain/events'

export const DECISION_LOG_LIMIT = MAX_EVENTS_PER_QUERY

export interface DecisionLogState {
  /** Newest first (by id). */
  decisionLog: ClusterEvent[]
  /** Adds entries from a push or a filtered query; known ids are not repeated. */
  addDecisionLog(events: readonly ClusterEvent[]): void
  /**
   * Takes the core's newest entries as the log (after a reconnect the core may have restarted, and its
   * ids with it), keeping only pushes that arrived while the query ran.
   */
  resetDecisionLog(events: readonly ClusterEvent[]): void
}

type SetDecisionLog = (update: (state: DecisionLogState) => Pick<DecisionLogState, 'decisionLog'>) => void

export function createDecisionLogSlice(set: SetDecisionLog): DecisionLogState {
  return {
    decisionLog: [],
    addDecisionLog: (events) => {
      if (events.length > 0)
        set(({ decisionLog }) => ({ decisionLog: mergeNewestFirst(decisionLog, events) }))
    },
    resetDecisionLog: (events) =>
      set(({ decisionLog }) => {
        const newest = events.reduce<ClusterEvent | undefined>(
          (a, e) => (a && a.id > e.id ? a : e),
          undefined,
        )
        // A push that raced the query is newer by id and by time; an entry of a previous core run may
        // have a larger id but is older.
        const racing = decisionLog.filter((e) => !newest || (e.id > newest.id && e.at >= newest.at))
        return { decisionLog: mergeNewestFirst(racing, events) }
      }),
  }
}

export function mergeNewestFirst(
  log: readonly ClusterEvent[],
  added: readonly ClusterEvent[],
): ClusterEvent[] {
  const byId = new Map<number, ClusterEvent>()
  for (const event of log) byId.set(event.id, event)
  for (const event of added) byId.set(event.id, event)
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, DECISION_LOG_LIMIT)
}
