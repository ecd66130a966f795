// A VM's status or a container's state as a coloured dot and its word (colour is never the only cue).
import './status-badge.css'
import type { ContainerState, VmStatus } from '../../../shared/domain/cluster'

/** `reason` (why it is unhealthy) shows as the badge's tooltip. */
export function StatusBadge({
  status,
  reason,
}: {
  status: VmStatus | ContainerState
  reason?: string | null
}) {
  return (
    <span className={`status-badge is-${status}`} title={reason ?? undefined}>
      {status}
    </span>
  )
}
