// What the Topology page says before any VM exists: where VMs come from and what to do next.
import { useApp } from '../../app-context'

export function TopologyEmptyState() {
  const showPage = useApp((state) => state.showPage)
  return (
    <div className="empty-state topology-empty">
      <h2>No VMs yet</h2>
      <p>VMs appear here with their containers as soon as their agents connect to the VIM.</p>
      <ul>
        <li>
          <code>npm start</code> starts a local lab of two VMs on this machine by itself, unless the app was
          started with <code>--lab 0</code> (which turns the lab off) or VMs are configured.
        </li>
        <li>To add a Linux host over SSH, a VirtualBox VM or another lab VM, use the VMs page.</li>
      </ul>
      <button type="button" className="button-primary" onClick={() => showPage('vms')}>
        Open the VMs page
      </button>
    </div>
  )
}
