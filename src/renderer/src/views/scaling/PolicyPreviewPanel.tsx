// What the current load would do under the edited policy, next to what the applied one does, so a
// change can be judged before it is applied.
import type { ClusterScalingSettings } from '../../../../shared/scaler'
import { useApp } from '../../app-context'
import { type PolicyPreview, previewPolicy } from './policy-preview'

interface Props {
  /** The edited settings, or undefined while the form is invalid. */
  edited: ClusterScalingSettings | undefined
  applied: ClusterScalingSettings
  changed: boolean
}

const replicas = (n: number) => `${n} ${n === 1 ? 'replica' : 'replicas'}`

export function PolicyPreviewPanel({ edited, applied, changed }: Props) {
  const cluster = useApp((state) => state.cluster)
  const showPage = useApp((state) => state.showPage)
  const preview = edited && cluster ? previewPolicy(cluster, edited) : undefined
  const appliedPreview = changed && cluster ? previewPolicy(cluster, applied) : undefined

  return (
    <section className="panel policy-preview" aria-labelledby="policy-preview-title">
      <h2 id="policy-preview-title">Preview with the current load</h2>
      {!edited ? (
        <p className="muted">Fix the highlighted fields to see what this policy would do.</p>
      ) : !cluster ? (
        <p className="muted">Waiting for the first cluster snapshot…</p>
      ) : !preview ? (
        <div>
          <p>No VM is ready, so there is no load to measure.</p>
          <button type="button" className="ui-button" onClick={() => showPage('vms')}>
            Add a VM on the VMs page
          </button>
        </div>
      ) : (
        <PreviewSummary preview={preview} />
      )}
      {appliedPreview && (
        <p className="muted" data-testid="preview-applied">
          With the applied policy: {appliedPreview.current} → {replicas(appliedPreview.desired)}.
        </p>
      )}
      <p className="muted small">
        From the latest snapshot’s CPU. The running autoscaler also applies its stabilization history, so it
        may take a few evaluations to get there.
      </p>
    </section>
  )
}

function PreviewSummary({ preview }: { preview: PolicyPreview }) {
  return (
    <>
      <p className="preview-total" data-testid="preview-total">
        With this policy:{' '}
        <strong>
          {preview.current} → {replicas(preview.desired)}
        </strong>
      </p>
      <ul className="preview-vms">
        {preview.vms.map((vm) => (
          <li key={vm.id} data-testid={`preview-${vm.name}`}>
            {vm.target === vm.current
              ? `${vm.name} keeps ${vm.current}`
              : `${vm.name} gets ${vm.target} (${vm.current} now)`}
          </li>
        ))}
      </ul>
      {preview.unplaced > 0 && (
        <p className="preview-unplaced">
          {replicas(preview.unplaced)} more fit on no ready VM: the VIM would start or add a VM (up to the max
          VMs).
        </p>
      )}
      <p className="muted">{preview.reason}</p>
    </>
  )
}
