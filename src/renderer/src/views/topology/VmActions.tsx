// Start and stop a VM through its provider (vms:start / vms:stop); a failure is shown as the core's
// sentence, not swallowed.
import { useState } from 'react'
import type { VmInfo } from '../../../../shared/domain/cluster'
import { useApiClient } from '../../app-context'
import { errorMessage } from '../../components/error-message'

type Action = 'start' | 'stop'

export function VmActions({ vm }: { vm: VmInfo }) {
  const client = useApiClient()
  const [pending, setPending] = useState<Action | undefined>(undefined)
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>(undefined)

  const run = async (action: Action) => {
    setPending(action)
    setOutcome(undefined)
    try {
      await client.call(action === 'start' ? 'vms:start' : 'vms:stop', { id: vm.name })
      setOutcome({
        ok: true,
        text: `${action === 'start' ? 'Start' : 'Stop'} requested; the status follows.`,
      })
    } catch (error) {
      setOutcome({ ok: false, text: `Could not ${action} ${vm.name}: ${errorMessage(error)}` })
    } finally {
      setPending(undefined)
    }
  }

  const canStart = vm.status === 'stopped' || vm.status === 'down'
  return (
    <div className="vm-actions">
      <button type="button" disabled={pending !== undefined || !canStart} onClick={() => run('start')}>
        {pending === 'start' ? 'Starting…' : 'Start'}
      </button>
      <button
        type="button"
        disabled={pending !== undefined || vm.status === 'stopped'}
        onClick={() => run('stop')}
      >
        {pending === 'stop' ? 'Stopping…' : 'Stop'}
      </button>
      {outcome &&
        (outcome.ok ? (
          <p role="status" className="muted">
            {outcome.text}
          </p>
        ) : (
          <p role="alert" className="details-error">
            {outcome.text}
          </p>
        ))}
    </div>
  )
}
