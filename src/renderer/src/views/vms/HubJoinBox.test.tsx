// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { HubInfo } from '../../../../shared/api/contract'
import { FakeApiClient } from '../../test-support/fake-api-client'
import { renderWithApp } from '../../test-support/render-app'
import { HubJoinBox } from './HubJoinBox'

const base = { fingerprint: 'SHA256:AB:CD', joinToken: 'secret-join-token', clusterId: 'c0ffee01' }

async function renderBox(hub: HubInfo) {
  renderWithApp(<HubJoinBox />, { client: new FakeApiClient().on('hub:get', () => hub) })
  return within(await screen.findByTestId('hub-urls'))
}

describe('HubJoinBox', () => {
  afterEach(cleanup)

  it('offers the addresses other machines can reach, not loopback, when the hub listens on every interface', async () => {
    const urls = await renderBox({
      ...base,
      url: 'wss://127.0.0.1:17070',
      joinUrls: ['wss://192.168.56.1:17070', 'wss://10.0.0.5:17070'],
    })
    expect(urls.getByText('wss://192.168.56.1:17070')).toBeTruthy()
    expect(urls.getByText('wss://10.0.0.5:17070')).toBeTruthy()
    expect(urls.queryByText('wss://127.0.0.1:17070')).toBeNull()
    expect(screen.getByText(/--vim wss:\/\/192\.168\.56\.1:17070 /)).toBeTruthy()
    expect(screen.queryByRole('note')).toBeNull()
  })

  it('says plainly that agents elsewhere cannot join when the hub listens on loopback only', async () => {
    const urls = await renderBox({ ...base, url: 'wss://127.0.0.1:17070', joinUrls: [] })
    expect(urls.getByText('wss://127.0.0.1:17070')).toBeTruthy()
    const note = screen.getByRole('note')
    expect(note.textContent).toContain('listens on loopback only: agents on other machines cannot join')
    expect(note.textContent).toContain('--host ADDR')
  })
})
