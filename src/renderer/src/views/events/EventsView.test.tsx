// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { ClusterEvent } from '../../../../shared/domain/events'
import { FakeApiClient } from '../../test-support/fake-api-client'
import { clusterEvent, snapshot, vm } from '../../test-support/fixtures'
import { renderWithApp } from '../../test-support/render-app'
import { EventsView } from './EventsView'

const LOG: ClusterEvent[] = [
  clusterEvent({
    id: 3,
    kind: 'placement',
    vmId: 'lab-2',
    message: 'lab-2: 1 → 2 replicas (spread: it ran the fewest)',
  }),
  clusterEvent({
    id: 2,
    kind: 'scaling',
    message: 'CPU 90% of limit vs target 60% (ratio 1.50): 2 → 3 replicas',
    detail: { utilization: 0.9, target: 0.6, current: 2, desired: 3, limitedBy: null },
  }),
  clusterEvent({ id: 1, kind: 'vm', vmId: 'lab-1', message: 'lab-1 started' }),
]

async function setUp(log = LOG) {
  const client = new FakeApiClient().on('events:list', (query) =>
    log.filter(
      (e) => (!query.vmId || e.vmId === query.vmId) && (!query.kinds || query.kinds.includes(e.kind)),
    ),
  )
  const app = renderWithApp(<EventsView />, { client })
  act(() =>
    client.emit({ name: 'cluster:snapshot', data: snapshot([vm({ name: 'lab-1' }), vm({ name: 'lab-2' })]) }),
  )
  if (log.length > 0) await screen.findByRole('list', { name: 'Decision log' })
  return app
}

const messages = () =>
  within(screen.getByRole('list', { name: 'Decision log' }))
    .getAllByRole('listitem')
    .map((item) => item.querySelector('.event-message p')?.textContent)

afterEach(cleanup)

describe('the Events page', () => {
  it('shows the decision log newest first, each with time, kind, VM and reason', async () => {
    const { client } = await setUp()
    expect(client.callsTo('events:list')[0]).toEqual({ limit: 500 })
    expect(messages()).toEqual(LOG.map((e) => e.message))
    const newest = within(screen.getAllByRole('listitem')[0] as HTMLElement)
    expect(newest.getByText('placement')).toBeTruthy()
    expect(newest.getByText('lab-2')).toBeTruthy()
    expect(newest.getByText((_, el) => el?.tagName === 'TIME')).toBeTruthy()
  })

  it('shows the structured detail on expand', async () => {
    await setUp()
    const scaling = within(screen.getAllByRole('listitem')[1] as HTMLElement)
    const details = scaling.getByText('Details').closest('details') as HTMLDetailsElement
    expect(details.open).toBe(false)
    fireEvent.click(scaling.getByText('Details'))
    expect(scaling.getByText('utilization').nextElementSibling?.textContent).toBe('0.9')
    expect(scaling.getByText('limitedBy').nextElementSibling?.textContent).toBe('—')
  })

  it('filters by kind and by VM', async () => {
    const { client } = await setUp()
    fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'vm' } })
    expect(messages()).toEqual(['lab-1 started'])
    await waitFor(() => expect(client.callsTo('events:list')).toContainEqual({ limit: 500, kinds: ['vm'] }))

    fireEvent.change(screen.getByLabelText('Kind'), { target: { value: '' } })
    fireEvent.change(screen.getByLabelText('VM'), { target: { value: 'lab-2' } })
    expect(messages()).toEqual(['lab-2: 1 → 2 replicas (spread: it ran the fewest)'])

    fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'error' } })
    expect(screen.getByRole('heading', { name: 'No events match these filters' })).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Show all events' }))
    expect(messages()).toHaveLength(3)
  })

  it('puts pushed events on top, live, once each', async () => {
    const { client } = await setUp()
    const pushed = [
      clusterEvent({ id: 4, kind: 'container', vmId: 'lab-1', message: 'lab-1-c3 is ready' }),
      clusterEvent({
        id: 5,
        kind: 'error',
        vmId: 'lab-2',
        message: 'lab-2 did not take its target 3: timeout',
      }),
    ]
    act(() => client.emit({ name: 'events:appended', data: pushed }))
    act(() => client.emit({ name: 'events:appended', data: [pushed[1] as ClusterEvent] }))
    expect(messages().slice(0, 3)).toEqual([
      'lab-2 did not take its target 3: timeout',
      'lab-1-c3 is ready',
      'lab-2: 1 → 2 replicas (spread: it ran the fewest)',
    ])
    expect(messages()).toHaveLength(5)

    fireEvent.change(screen.getByLabelText('VM'), { target: { value: 'lab-1' } })
    act(() =>
      client.emit({
        name: 'events:appended',
        data: [clusterEvent({ id: 6, vmId: 'lab-2', message: 'other' })],
      }),
    )
    expect(messages()).toEqual(['lab-1-c3 is ready', 'lab-1 started'])
  })

  it('tells a newcomer what to do while the log is empty', async () => {
    const { store } = await setUp([])
    expect(await screen.findByRole('heading', { name: 'No decisions yet' })).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Go to the VMs page' }))
    expect(store.getState().page).toBe('vms')
  })

  it('reloads after a reconnect, so missed entries appear', async () => {
    const { client } = await setUp()
    act(() => client.setConnection('disconnected'))
    act(() => client.setConnection('connected'))
    await waitFor(() => expect(client.callsTo('events:list')).toHaveLength(2))
  })
})
