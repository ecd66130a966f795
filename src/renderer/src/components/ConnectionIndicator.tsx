import type { ConnectionState } from '../api/client'
import { useApp } from '../app-context'

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  disconnected: 'Disconnected, retrying…',
  unauthorized: 'Wrong API token: open the UI link the server printed',
}

export function ConnectionIndicator() {
  const connection = useApp((state) => state.connection)
  return (
    <div className="connection" role="status" data-state={connection} data-testid="connection">
      <span className="connection-dot" aria-hidden="true" />
      {LABELS[connection]}
    </div>
  )
}
