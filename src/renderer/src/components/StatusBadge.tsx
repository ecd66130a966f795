// A VM's status or a container's state as a coloured dot and its word (colour is never the only cue).
import './status-badge.css'
import type { ContainerState, VmStatus } from '../../../shared/domain/cluster'

export function StatusBadge({ status }: { status: VmStatus | ContainerState }) {
  return <span className={`status-badge is-${status}`}>{status}</span>
}
