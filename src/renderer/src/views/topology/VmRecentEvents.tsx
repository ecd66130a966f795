// A VM's latest entries of the decision log (events:list?vmId=), kept current from the live stream.
import { useEffect, useState } from 'react'
import type { ClusterEvent } from '../../../../shared/domain/events'
import { useApiClient } from '../../app-context'
import { errorMessage } from '../../components/error-message'
import { formatClock } from '../../components/units'

const SHOWN = 10

export function VmRecentEvents({ vmId }: { vmId: string }) {
  const client = useApiClient()
  const [events, setEvents] = useState<readonly ClusterEvent[]>([])
  const [error, setError] = useState<string | undefined>(undefined)

  useEffect(() => {
    let stopped = false
    const merge = (incoming: readonly ClusterEvent[]) =>
      setEvents((current) => {
        const byId = new Map([...current, ...incoming].map((event) => [event.id, event]))
        return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, SHOWN)
      })
    const unsubscribe = client.onEvent((event) => {
      if (event.name === 'events:appended') merge(event.data.filter((e) => e.vmId === vmId))
    })
    client
      .call('events:list', { vmId, limit: SHOWN })
      .then((list) => !stopped && merge(list))
      .catch((e: unknown) => !stopped && setError(errorMessage(e)))
    return () => {
      stopped = true
      unsubscribe()
    }
  }, [client, vmId])

  return (
    <section className="details-events" aria-label="Recent events">
      <h3>Recent events</h3>
      {error && <p className="details-error">Could not load the events: {error}</p>}
      {events.length === 0 && !error ? (
        <p className="muted">Nothing logged for this VM yet.</p>
      ) : (
        <ol>
          {events.map((event) => (
            <li key={event.id}>
              <time dateTime={new Date(event.at).toISOString()}>{formatClock(event.at)}</time>{' '}
              <span className={`event-kind kind-${event.kind}`}>{event.kind}</span> {event.message}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
