// The VMs page: the cluster's VMs with their actions, adding a lab VM, your own host or a Swarm node,
// deploying an agent to a host over SSH, how an agent on any machine joins the hub, and Swarm mode.
import { useCallback, useRef, useState } from 'react'
import type { VmInfo } from '../../../../shared/domain/cluster'
import { useApiClient, useApp } from '../../app-context'
import { useAction, useNotify } from '../../components/toasts/use-action'
import { AddHostForm } from './AddHostForm'
import { DeployPanel } from './deploy/DeployPanel'
import { HubJoinBox } from './HubJoinBox'
import { SwarmBox } from './SwarmBox'
import { VmTable } from './VmTable'

const HOST_FORM_ID = 'add-host-form'

export function VmsView() {
  const cluster = useApp((state) => state.cluster)
  const client = useApiClient()
  const run = useAction()
  const notify = useNotify()
  const [addingLab, setAddingLab] = useState(false)
  const [hostFormOpen, setHostFormOpen] = useState(false)
  const [agentPanel, setAgentPanel] = useState<VmInfo>()
  const agentPanelOpener = useRef<HTMLElement | null>(null)
  // The snapshot's copy is fresher; a host just added may not be in a snapshot yet.
  const agentPanelVm = agentPanel && (cluster?.vms.find((v) => v.name === agentPanel.name) ?? agentPanel)

  const openAgentPanel = useCallback((vm: VmInfo, opener: HTMLElement) => {
    agentPanelOpener.current = opener
    setAgentPanel(vm)
  }, [])
  const closeAgentPanel = useCallback(() => {
    setAgentPanel(undefined)
    if (agentPanelOpener.current?.isConnected) agentPanelOpener.current.focus()
  }, [])

  const addLabVm = async () => {
    setAddingLab(true)
    const result = await run('Could not add a lab VM', () => client.call('vms:add', { provider: 'lab' }))
    setAddingLab(false)
    if (result.ok) notify(`${result.value.name} added`, 'Its agent connects to the hub in a few seconds.')
  }

  return (
    <div className="vms-page">
      <div className="toolbar">
        <button
          type="button"
          className="ui-button primary"
          disabled={addingLab}
          onClick={() => void addLabVm()}
        >
          {addingLab ? 'Adding…' : 'Add lab VM'}
        </button>
        <button
          type="button"
          className="ui-button"
          aria-expanded={hostFormOpen}
          aria-controls={HOST_FORM_ID}
          onClick={() => setHostFormOpen(!hostFormOpen)}
        >
          Add SSH host / VirtualBox VM / Swarm node
        </button>
      </div>
      {!cluster ? (
        <p className="muted">Waiting for the first cluster snapshot…</p>
      ) : cluster.vms.length === 0 ? (
        <div className="empty-state">
          <h2>No VMs yet</h2>
          <p>
            Click <strong>Add lab VM</strong> to run one on this machine, or add your own host. A VM also
            appears here as soon as an agent joins the hub (see <strong>How agents join</strong>).
          </p>
        </div>
      ) : (
        <VmTable vms={cluster.vms} onOpenAgentPanel={openAgentPanel} />
      )}
      <div className="vms-panels">
        {hostFormOpen && <AddHostForm id={HOST_FORM_ID} onDeployAgent={openAgentPanel} />}
        <SwarmBox />
        <HubJoinBox />
      </div>
      {agentPanelVm && <DeployPanel key={agentPanelVm.name} vm={agentPanelVm} onClose={closeAgentPanel} />}
    </div>
  )
}
