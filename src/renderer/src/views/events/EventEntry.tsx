// One decision-log entry: when, what kind, which VM, the reason sentence, and the numbers behind it.
import type { ClusterEvent } from '../../../../shared/domain/events'

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

export function EventEntry({ event, vmName }: { event: ClusterEvent; vmName: string | undefined }) {
  const detail = Object.entries(event.detail ?? {})
  return (
    <li className="event-entry" data-kind={event.kind} data-event-id={event.id}>
      <time dateTime={new Date(event.at).toISOString()} title={new Date(event.at).toLocaleString()}>
        {timeFormat.format(event.at)}
      </time>
      <span className={`badge kind-${event.kind}`}>{event.kind}</span>
      <span className="event-vm">{vmName ?? '—'}</span>
      <div className="event-message">
        <p>{event.message}</p>
        {(detail.length > 0 || event.containerId) && (
          <details>
            <summary>Details</summary>
            <dl className="event-detail">
              {event.containerId && (
                <div>
                  <dt>container</dt>
                  <dd>{event.containerId}</dd>
                </div>
              )}
              {detail.map(([key, value]) => (
                <div key={key}>
                  <dt>{key}</dt>
                  <dd>{value === null ? '—' : String(value)}</dd>
                </div>
              ))}
            </dl>
          </details>
        )}
      </div>
    </li>
  )
}
