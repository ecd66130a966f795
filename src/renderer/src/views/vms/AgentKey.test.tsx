// @vitest-environment happy-dom
// The VMs page shows each VM's trusted agent key and forgets it only after a confirmation.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeApiClient } from '../../test-support/fake-api-client'
import { snapshot, vm } from '../../test-support/fixtures'
import { renderWithApp } from '../../test-support/render-app'
import { VmsView } from './VmsView'

const FINGERPRINT = `SHA256:${Array.from({ length: 32 }, (_, i) => (i + 16).toString(16).toUpperCase()).join(':')}`

function setUp() {
  const client = new FakeApiClient().on('hub:get', () => ({
    url: 'wss://x:1',
    joinUrls: ['wss://x:1'],
    fingerprint: 'SHA256:AB',
    joinToken: 't',
    clusterId: 'c0ffee01',
  }))
  renderWithApp(<VmsView />, { client })
  act(() =>
    client.emit({
      name: 'cluster:snapshot',
      data: snapshot([
        vm({ name: 'lab-1', agentKey: { fingerprint: FINGERPRINT, pinnedAt: 0, how: 'lab' } }),
        vm({ name: 'lab-2', agentKey: null }),
      ]),
    }),
  )
  return client
}

const row = (name: string) => within(screen.getByRole('rowheader', { name }).closest('tr') as HTMLElement)

afterEach(cleanup)

describe('agent keys on the VMs page', () => {
  it('shows the fingerprint and how the key came to be trusted', () => {
    setUp()
    const key = row('lab-1').getByText(`${FINGERPRINT.slice(0, 30)}…`)
    expect(key.getAttribute('title')).toBe(`${FINGERPRINT} (made by the VIM for its lab)`)
    expect(row('lab-1').getByText('made by the VIM for its lab')).toBeTruthy()
    expect(row('lab-2').getByText('no agent key trusted yet')).toBeTruthy()
  })

  it('forgets the key with vms:forgetAgentKey only after a confirmation', async () => {
    const client = setUp()
    client.on('vms:forgetAgentKey', () => ({ ok: true, forgotten: FINGERPRINT }))
    fireEvent.click(screen.getByRole('button', { name: 'Forget agent key of lab-1' }))
    expect(client.callsTo('vms:forgetAgentKey')).toEqual([])
    const confirm = screen.getByRole('button', { name: 'Forget key of lab-1' })
    expect(document.activeElement).toBe(confirm)
    fireEvent.click(confirm)
    await waitFor(() => expect(client.callsTo('vms:forgetAgentKey')).toEqual([{ id: 'lab-1' }]))
  })

  it('keeps the key when the confirmation is cancelled', () => {
    const client = setUp()
    fireEvent.click(screen.getByRole('button', { name: 'Forget agent key of lab-1' }))
    fireEvent.click(row('lab-1').getByRole('button', { name: 'Cancel' }))
    expect(client.callsTo('vms:forgetAgentKey')).toEqual([])
    expect(screen.getByRole('button', { name: 'Forget agent key of lab-1' })).toBeTruthy()
  })
})
