// The Events page: the decision log, newest first and live, filtered by VM and by kind.
import { useEffect, useMemo, useState } from 'react'
import { useApiClient, useApp } from '../../app-context'
import { useAction } from '../../components/toasts/use-action'
import { EventEntry } from './EventEntry'
import { EventFilters } from './EventFilters'
import { type EventFilter, filterEvents, NO_FILTER, vmOptions } from './event-filter'

/** How many entries one query asks for, and the most the page renders at once. */
export const EVENTS_PAGE_SIZE = 500

export function EventsView() {
  const client = useApiClient()
  const run = useAction()
  const connection = useApp((state) => state.connection)
  const cluster = useApp((state) => state.cluster)
  const log = useApp((state) => state.decisionLog)
  const resetLog = useApp((state) => state.resetDecisionLog)
  const addToLog = useApp((state) => state.addDecisionLog)
  const showPage = useApp((state) => state.showPage)
  const [filter, setFilter] = useState<EventFilter>(NO_FILTER)
  const [loaded, setLoaded] = useState(false)

  // On open and after every reconnect: the newest entries, since pushes may have been missed.
  useEffect(() => {
    if (connection !== 'connected') return
    void run('Could not load the event log', () =>
      client.call('events:list', { limit: EVENTS_PAGE_SIZE }),
    ).then((result) => {
      if (result.ok) resetLog(result.value)
      setLoaded(true)
    })
  }, [client, connection, run, resetLog])

  // A filter also asks the core, so that older entries of that VM or kind show up too.
  useEffect(() => {
    if (connection !== 'connected' || (!filter.vmId && !filter.kind)) return
    const query = {
      limit: EVENTS_PAGE_SIZE,
      ...(filter.vmId && { vmId: filter.vmId }),
      ...(filter.kind && { kinds: [filter.kind] }),
    }
    void run('Could not filter the event log', () => client.call('events:list', query)).then((result) => {
      if (result.ok) addToLog(result.value)
    })
  }, [client, connection, run, addToLog, filter])

  const vms = useMemo(() => vmOptions(cluster, log), [cluster, log])
  const names = useMemo(() => new Map(vms.map((vm) => [vm.id, vm.name])), [vms])
  const shown = useMemo(() => filterEvents(log, filter), [log, filter])
  const filtered = filter.vmId !== '' || filter.kind !== ''

  return (
    <div className="events-page">
      <EventFilters filter={filter} vms={vms} onChange={setFilter} />
      {shown.length === 0 ? (
        !loaded && log.length === 0 ? (
          <p className="muted">Loading the event log…</p>
        ) : filtered ? (
          <div className="empty-state">
            <h2>No events match these filters</h2>
            <p>Nothing of this kind happened to this VM yet.</p>
            <button type="button" className="ui-button" onClick={() => setFilter(NO_FILTER)}>
              Show all events
            </button>
          </div>
        ) : (
          <div className="empty-state">
            <h2>No decisions yet</h2>
            <p>
              Every scaling and placement decision appears here with its reason, as it happens. Add a VM on
              the VMs page; once its agent connects and traffic reaches the cluster, the autoscaler starts
              deciding.
            </p>
            <button type="button" className="ui-button" onClick={() => showPage('vms')}>
              Go to the VMs page
            </button>
          </div>
        )
      ) : (
        <>
          <p className="muted small">
            {shown.length > EVENTS_PAGE_SIZE
              ? `The newest ${EVENTS_PAGE_SIZE} of ${shown.length} events`
              : `${shown.length} ${shown.length === 1 ? 'event' : 'events'}`}
            , newest first.
          </p>
          <ol className="event-log" aria-label="Decision log">
            {shown.slice(0, EVENTS_PAGE_SIZE).map((event) => (
              <EventEntry
                key={event.id}
                event={event}
                vmName={event.vmId && (names.get(event.vmId) ?? event.vmId)}
              />
            ))}
          </ol>
        </>
      )}
    </div>
  )
}
