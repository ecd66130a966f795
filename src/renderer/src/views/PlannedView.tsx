// Pages whose features are not built yet say so plainly, and point at what works today.
import { PAGE_TITLES, type Page } from '../store/app-store'

const PLANNED: Partial<Record<Page, string>> = {
  vms: 'Add SSH hosts and VirtualBox VMs, start and stop them, and deploy the agent in one click.',
  scaling: 'Edit the scaling policy: target utilization, thresholds, stabilization windows and placement.',
  traffic: 'Generate traffic against the cluster and watch the request rate and latency live.',
  events: 'Every scaling and placement decision, with its reason, newest first.',
}

export function PlannedView({ page }: { page: Page }) {
  return (
    <div className="empty-state">
      <h2>{PAGE_TITLES[page]} is not available yet</h2>
      <p>{PLANNED[page]}</p>
      <p className="muted">Meanwhile the Topology page shows the live cluster.</p>
    </div>
  )
}
