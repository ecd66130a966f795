// One VM in the table: what it is, where it answers, what runs on it, and start/stop/remove; for SSH
// hosts and VirtualBox VMs also the agent panel (deploy, upgrade, uninstall).
import { useEffect, useRef, useState } from 'react'
import type { VmInfo } from '../../../../shared/domain/cluster'
import { useApiClient } from '../../app-context'
import { useAction } from '../../components/toasts/use-action'
import { AgentKey } from './AgentKey'
import { DeployAgentButton } from './deploy/DeployAgentButton'
import { canDeployAgent, PROVIDER_LABELS, vmActions } from './provider-capabilities'

type Pending = 'start' | 'stop' | 'remove' | undefined

export interface VmRowProps {
  vm: VmInfo
  /** Opens the agent panel; `opener` gets the focus back when it closes. */
  onOpenAgentPanel(vm: VmInfo, opener: HTMLElement): void
}

export function VmRow({ vm, onOpenAgentPanel }: VmRowProps) {
  const client = useApiClient()
  const run = useAction()
  const [pending, setPending] = useState<Pending>()
  const [confirmRemove, setConfirmRemove] = useState(false)
  const allowed = vmActions(vm)
  // The buttons swap places; keep the keyboard focus on the one that took the clicked one's place.
  const confirmButton = useRef<HTMLButtonElement>(null)
  const removeButton = useRef<HTMLButtonElement>(null)
  const swapped = useRef(false)
  useEffect(() => {
    if (confirmRemove) confirmButton.current?.focus()
    else if (swapped.current) removeButton.current?.focus()
    swapped.current = confirmRemove
  }, [confirmRemove])

  const act = async (action: Exclude<Pending, undefined>, verb: string) => {
    setPending(action)
    setConfirmRemove(false)
    await run(`Could not ${verb} ${vm.name}`, () => client.call(`vms:${action}`, { id: vm.name }))
    setPending(undefined)
  }

  return (
    <tr data-vm={vm.name}>
      <th scope="row">{vm.name}</th>
      <td>{PROVIDER_LABELS[vm.provider]}</td>
      <td>{vm.address ? <code>{vm.address}</code> : <span className="muted">not known yet</span>}</td>
      <td>
        <div className="agent-cell">
          {!vm.agent ? (
            <span className="muted">not connected</span>
          ) : (
            <span>
              <span className="agent-version">{vm.agent.version}</span>
              {vm.agent.runtime === 'process' ? (
                <span className="badge warn" title="Plain processes: CPU and memory limits are not enforced">
                  no isolation
                </span>
              ) : (
                <span className="muted small">Docker</span>
              )}
            </span>
          )}
          {canDeployAgent(vm) && <DeployAgentButton vm={vm} onOpen={onOpenAgentPanel} />}
        </div>
        <AgentKey vm={vm} />
      </td>
      <td>
        <span className={`badge status-${vm.status}`} title={vm.unhealthyReason ?? undefined}>
          {vm.status}
        </span>
        {vm.leaving && <div className="muted">{vm.leaving.reason}</div>}
      </td>
      <td className="numeric">
        <span aria-hidden="true">
          {vm.containers.length} / {vm.target} / {vm.capacity.containers}
        </span>
        <span className="sr-only">
          {vm.containers.length} containers, target {vm.target}, capacity {vm.capacity.containers}
        </span>
      </td>
      <td>
        <div className="row-actions">
          {confirmRemove ? (
            <>
              <button
                ref={confirmButton}
                type="button"
                className="ui-button danger small"
                onClick={() => void act('remove', 'remove')}
              >
                Remove {vm.name}
              </button>
              <button type="button" className="ui-button small" onClick={() => setConfirmRemove(false)}>
                Cancel
              </button>
            </>
          ) : (
            <>
              <button
                type="button"
                className="ui-button small"
                aria-label={`Start ${vm.name}`}
                disabled={pending !== undefined || allowed.start !== undefined}
                title={allowed.start ?? `Power ${vm.name} on and start its agent`}
                onClick={() => void act('start', 'start')}
              >
                {pending === 'start' ? 'Starting…' : 'Start'}
              </button>
              <button
                type="button"
                className="ui-button small"
                aria-label={`Stop ${vm.name}`}
                disabled={pending !== undefined || allowed.stop !== undefined}
                title={allowed.stop ?? `Stop ${vm.name}'s agent and containers`}
                onClick={() => void act('stop', 'stop')}
              >
                {pending === 'stop' ? 'Stopping…' : 'Stop'}
              </button>
              <button
                type="button"
                className="ui-button small"
                ref={removeButton}
                aria-label={`Remove ${vm.name}`}
                disabled={pending !== undefined}
                title={`Forget ${vm.name}: stops what the VIM runs on it`}
                onClick={() => setConfirmRemove(true)}
              >
                {pending === 'remove' ? 'Removing…' : 'Remove'}
              </button>
            </>
          )}
        </div>
      </td>
    </tr>
  )
}
