// @vitest-environment happy-dom
// The Topology page against a fake core: the graph's nodes from a snapshot, the details panel (click,
// Enter, Escape, a failing stop), the edges' motion when zoomed out, and the empty state.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { ClusterSnapshot } from '../../../../shared/domain/cluster'
import { FakeApiClient } from '../../test-support/fake-api-client'
import { clusterEvent, container, snapshot, vm } from '../../test-support/fixtures'
import { renderWithApp } from '../../test-support/render-app'
import { MetricsHistoryProvider } from '../charts/MetricsHistoryProvider'
import { TopologyView } from './TopologyView'

afterEach(cleanup)

const processAgent = {
  version: '0.1.0',
  runtime: 'process' as const,
  mode: 'following' as const,
  connectedAt: 0,
  recommendation: null,
}

const twoVms = snapshot([
  vm({
    name: 'lab-1',
    status: 'ready',
    agent: processAgent,
    target: 1,
    containers: [container({ name: 'acs-lab-1-web-1', cpuPercent: 72 })],
  }),
  vm({ name: 'lab-2', status: 'down', agent: null }),
])

function fakeCore(): FakeApiClient {
  return new FakeApiClient()
    .on('proxy:stats', () => ({
      url: null,
      algorithm: 'least-outstanding',
      backends: [],
      requestRate: 0,
      errorRate: 0,
      latencyMsP50: 0,
      latencyMsP95: 0,
    }))
    .on('events:list', () => [])
    .fail('series:get', 'not_found', 'No time series for lab-1 yet.')
}

async function showTopology(cluster: ClusterSnapshot | undefined, client = fakeCore()) {
  const rendered = renderWithApp(
    <MetricsHistoryProvider feedOptions={{ intervalMs: 60_000 }}>
      <TopologyView />
    </MetricsHistoryProvider>,
    { client },
  )
  if (cluster) await act(async () => client.emit({ name: 'cluster:snapshot', data: cluster }))
  return rendered
}

const node = (name: string) => screen.getByRole('group', { name })

describe('TopologyView', () => {
  it('waits for the first snapshot', async () => {
    await showTopology(undefined)
    expect(screen.getByText(/Waiting for the first cluster snapshot/)).toBeTruthy()
  })

  it('tells a newcomer what to do when there are no VMs', async () => {
    const { store } = await showTopology(snapshot([]))
    expect(screen.getByRole('heading', { name: 'No VMs yet' })).toBeTruthy()
    expect(screen.getByText('npm start')).toBeTruthy()
    expect(screen.getByText('--lab 0')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Open the VMs page' }))
    expect(store.getState().page).toBe('vms')
  })

  it('draws the VIM, the VMs and their containers from the snapshot', async () => {
    await showTopology(twoVms)
    expect(node('VIM: front proxy and autoscaler')).toBeTruthy()
    const lab1 = node('VM lab-1, ready')
    expect(within(lab1).getByText('no isolation')).toBeTruthy()
    expect(within(lab1).getByText('1 running · target 1 · max 4')).toBeTruthy()
    expect(lab1.querySelector('.vm-node.is-ready')).toBeTruthy()
    expect(node('VM lab-2, down').querySelector('.vm-node.is-down')).toBeTruthy()
    expect(within(node('VM lab-2, down')).queryByText('no isolation')).toBeNull()
    // A down VM runs nothing and reports no room: said in words, not as zeros.
    expect(within(node('VM lab-2, down')).getByText('no containers · not reachable')).toBeTruthy()
    const web = node('Container acs-lab-1-web-1 on lab-1, ready')
    expect(within(web).getByText('72 %')).toBeTruthy()
    expect(web.querySelector('.container-node.level-warn')).toBeTruthy()
  })

  it('shows unhealthy VMs and containers with the reason, as text and as the badge tooltip', async () => {
    const vmReason = 'GET /_agent/healthz timed out after 1 s'
    const containerReason = 'GET /healthz timed out after 1 s'
    await showTopology(
      snapshot([
        vm({
          name: 'lab-1',
          status: 'unhealthy',
          unhealthyReason: vmReason,
          containers: [
            container({ name: 'acs-web-1', state: 'unhealthy', unhealthyReason: containerReason }),
          ],
        }),
      ]),
    )
    const lab1 = node(`VM lab-1, unhealthy: ${vmReason}`)
    expect(within(lab1).getByText(vmReason)).toBeTruthy()
    expect(within(lab1).getByText('unhealthy').getAttribute('title')).toBe(vmReason)
    const web = node(`Container acs-web-1 on lab-1, unhealthy: ${containerReason}`)
    expect(within(web).getByText(containerReason)).toBeTruthy()
    expect(within(web).getByText('unhealthy').getAttribute('title')).toBe(containerReason)
  })

  it('follows new snapshots: nodes appear, change and disappear', async () => {
    const { client } = await showTopology(twoVms)
    const next = structuredClone(twoVms)
    next.vms[0]!.containers[0]!.cpuPercent = 95
    next.vms[0]!.containers.push(container({ name: 'acs-lab-1-web-2' }))
    next.vms.pop()
    await act(async () => client.emit({ name: 'cluster:snapshot', data: next }))
    expect(node('Container acs-lab-1-web-2 on lab-1, ready')).toBeTruthy()
    expect(node('Container acs-lab-1-web-1 on lab-1, ready').querySelector('.level-bad')).toBeTruthy()
    expect(screen.queryByRole('group', { name: 'VM lab-2, down' })).toBeNull()
  })

  it('opens a VM on click, with its recent events, and shows why stopping it failed', async () => {
    const client = fakeCore()
      .on('events:list', ({ vmId }) => [clusterEvent({ id: 7, vmId, kind: 'vm', message: 'lab-1 came up' })])
      .fail('vms:stop', 'conflict', 'lab-1 cannot be stopped from here.')
    await showTopology(twoVms, client)
    fireEvent.click(node('VM lab-1, ready'))

    const panel = await screen.findByRole('complementary', { name: /lab-1/ })
    expect(await within(panel).findByText('lab-1 came up')).toBeTruthy()
    expect(client.callsTo('events:list')).toContainEqual({ vmId: 'lab-1', limit: 10 })
    expect(client.callsTo('series:get')).toContainEqual(expect.objectContaining({ vmId: 'lab-1' }))

    fireEvent.click(within(panel).getByRole('button', { name: 'Stop' }))
    const alert = await within(panel).findByRole('alert')
    expect(alert.textContent).toBe('Could not stop lab-1: lab-1 cannot be stopped from here.')
    expect(client.callsTo('vms:stop')).toEqual([{ id: 'lab-1' }])
  })

  it('opens a focused node with Enter, with its series, and Escape gives the focus back to the node', async () => {
    const times = [Date.now() - 1000, Date.now()]
    const client = fakeCore().on('series:get', ({ vmId, containerId }) => ({
      kind: 'container' as const,
      vmId,
      containerId: containerId ?? '',
      times,
      series: { cpuPercent: [70, 72], memoryBytes: [2 ** 26, 2 ** 26] },
    }))
    await showTopology(twoVms, client)
    const web = node('Container acs-lab-1-web-1 on lab-1, ready')
    web.focus()
    fireEvent.keyDown(web, { key: 'Enter' })
    const panel = await screen.findByRole('complementary', { name: /acs-lab-1-web-1/ })
    expect(within(panel).getByText('72 % of its limit')).toBeTruthy()
    expect(await within(panel).findByRole('figure', { name: 'CPU (% of limit)' })).toBeTruthy()
    expect(within(panel).getByRole('figure', { name: 'Memory' })).toBeTruthy()
    expect(client.callsTo('series:get')).toContainEqual(
      expect.objectContaining({ vmId: 'lab-1', containerId: 'acs-lab-1-web-1' }),
    )

    fireEvent.keyDown(document, { key: 'Escape' })
    await waitFor(() => expect(screen.queryByRole('complementary')).toBeNull())
    await waitFor(() =>
      expect(document.activeElement).toBe(node('Container acs-lab-1-web-1 on lab-1, ready')),
    )
  })

  it('closes the panel with its close button, and says so when the opened VM has gone', async () => {
    const { client } = await showTopology(twoVms)
    fireEvent.click(node('VM lab-2, down'))
    const panel = await screen.findByRole('complementary', { name: /lab-2/ })
    expect(within(panel).getByText(/not connected/)).toBeTruthy()
    await act(async () => client.emit({ name: 'cluster:snapshot', data: snapshot([twoVms.vms[0]!]) }))
    expect(within(panel).getByText('lab-2 is no longer in the cluster.')).toBeTruthy()
    fireEvent.click(within(panel).getByRole('button', { name: 'Close details' }))
    expect(screen.queryByRole('complementary')).toBeNull()
  })

  it("stops the edges' marching dashes when zoomed out below readable, and restarts them", async () => {
    await showTopology(twoVms)
    const flow = document.querySelector('.topology-flow')!
    expect(flow.classList.contains('is-overview')).toBe(false)
    // 1 → 1/1.2⁴ ≈ 0.48, just under the readable zoom of 0.5.
    for (let i = 0; i < 4; i++) fireEvent.click(screen.getByRole('button', { name: 'Zoom Out' }))
    await waitFor(() => expect(flow.classList.contains('is-overview')).toBe(true))
    fireEvent.click(screen.getByRole('button', { name: 'Zoom In' }))
    await waitFor(() => expect(flow.classList.contains('is-overview')).toBe(false))
  })

  it('shows the charts section with its time ranges', async () => {
    await showTopology(twoVms)
    const charts = screen.getByRole('region', { name: 'Charts' })
    const ranges = within(charts).getByRole('group', { name: 'Time range' })
    expect(
      within(ranges)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['1 min', '5 min', '15 min'])
    fireEvent.click(within(ranges).getByRole('button', { name: '15 min' }))
    expect(within(ranges).getByRole('button', { name: '15 min' }).getAttribute('aria-pressed')).toBe('true')
  })
})
