// The agent key the VIM trusts for one VM, like a pinned SSH host key: its fingerprint, how it came to
// be trusted, and "Forget agent key" (after a confirmation) so that the next agent to join is trusted,
// e.g. after a VM was rebuilt and its agent made a new key.
import { useEffect, useRef, useState } from 'react'
import type { VmAgentKeyInfo, VmInfo } from '../../../../shared/domain/cluster'
import { useApiClient } from '../../app-context'
import { useAction } from '../../components/toasts/use-action'

const HOW: Record<VmAgentKeyInfo['how'], string> = {
  'first-use': 'trusted on first use',
  lab: 'made by the VIM for its lab',
  deployed: 'installed by the VIM’s deploy',
}

/** `SHA256:AB:CD:EF:01…`: enough to compare by eye; the whole one is in the tooltip. */
function shortFingerprint(fingerprint: string): string {
  return fingerprint.length > 30 ? `${fingerprint.slice(0, 30)}…` : fingerprint
}

export function AgentKey({ vm }: { vm: VmInfo }) {
  const client = useApiClient()
  const run = useAction()
  const [confirming, setConfirming] = useState(false)
  const [forgetting, setForgetting] = useState(false)
  const confirmButton = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (confirming) confirmButton.current?.focus()
  }, [confirming])

  const key = vm.agentKey
  if (!key) return <span className="muted small">no agent key trusted yet</span>

  const forget = async () => {
    setConfirming(false)
    setForgetting(true)
    await run(`Could not forget the agent key of ${vm.name}`, () =>
      client.call('vms:forgetAgentKey', { id: vm.name }),
    )
    setForgetting(false)
  }

  return (
    <span className="agent-key">
      <code className="small" title={`${key.fingerprint} (${HOW[key.how]})`}>
        {shortFingerprint(key.fingerprint)}
      </code>{' '}
      <span className="muted small">{HOW[key.how]}</span>{' '}
      {confirming ? (
        <>
          <button
            ref={confirmButton}
            type="button"
            className="ui-button danger small"
            title={`The next agent to join as ${vm.name} will be trusted, whoever it is`}
            onClick={() => void forget()}
          >
            Forget key of {vm.name}
          </button>
          <button type="button" className="ui-button small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button
          type="button"
          className="ui-button small"
          aria-label={`Forget agent key of ${vm.name}`}
          disabled={forgetting}
          title={`Stop trusting this key for ${vm.name}; the next agent to join under this name is trusted`}
          onClick={() => setConfirming(true)}
        >
          {forgetting ? 'Forgetting…' : 'Forget agent key'}
        </button>
      )}
    </span>
  )
}
