// The panel over the graph's right side with what the user opened: a VM or a container. It takes the
// focus when it opens, and Escape or the close button shut it.
import { useEffect, useRef } from 'react'
import type { ClusterSnapshot } from '../../../../shared/domain/cluster'
import { ContainerDetails } from './ContainerDetails'
import type { TopologySelection } from './topology-graph'
import { VmDetails } from './VmDetails'

export function DetailsPanel({
  cluster,
  selection,
  onClose,
}: {
  cluster: ClusterSnapshot
  selection: TopologySelection
  onClose(): void
}) {
  const heading = useRef<HTMLHeadingElement>(null)
  const vm = cluster.vms.find((v) => v.name === selection.vmId)
  const container =
    selection.kind === 'container' ? vm?.containers.find((c) => c.id === selection.containerId) : undefined
  const name =
    selection.kind === 'container' ? (container?.name ?? selection.containerId) : (vm?.name ?? selection.vmId)

  useEffect(() => heading.current?.focus(), [])
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose()
    }
    document.addEventListener('keydown', onKeyDown)
    return () => document.removeEventListener('keydown', onKeyDown)
  }, [onClose])

  const gone = <p className="muted">{name} is no longer in the cluster.</p>
  let body = gone
  if (vm && selection.kind === 'vm') body = <VmDetails vm={vm} />
  else if (vm && container) body = <ContainerDetails vm={vm} container={container} />
  return (
    <aside className="details-panel" aria-labelledby="details-title">
      <header className="details-header">
        <h2 id="details-title" ref={heading} tabIndex={-1}>
          <span className="muted">{selection.kind === 'vm' ? 'VM' : 'Container'}</span> {name}
        </h2>
        <button type="button" className="details-close" aria-label="Close details" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="details-body">{body}</div>
    </aside>
  )
}
