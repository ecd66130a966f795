// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { EffectiveSettings } from '../../../../shared/api/contract'
import { VimSettings, type VimSettingsPatch } from '../../../../shared/domain/settings'
import { FakeApiClient } from '../../test-support/fake-api-client'
import { renderWithApp } from '../../test-support/render-app'
import { LabSettings } from './LabSettings'

const EFFECTIVE: EffectiveSettings = {
  dataDir: '/home/me/.local/share/auto-cloud-scaler',
  lab: { vms: 3, runtime: 'docker', namePrefix: 'exp', from: { vms: 'command line', runtime: 'settings' } },
  dataPlane: 'embedded',
  proxyUrl: 'http://127.0.0.1:18080',
  hubUrl: 'wss://127.0.0.1:17070',
}

function renderLab(saved = VimSettings.parse({ lab: { runtime: 'docker' } })) {
  let current = saved
  const client = new FakeApiClient()
    .on('policy:get', () => current)
    .on('settings:effective', () => EFFECTIVE)
    .on('policy:set', (patch) => {
      const { lab, proxy } = patch as VimSettingsPatch
      current = VimSettings.parse({
        ...current,
        lab: { ...current.lab, ...lab },
        proxy: { ...current.proxy, ...proxy },
      })
      return current
    })
  renderWithApp(<LabSettings />, { client })
  return client
}

describe('the Settings page’s lab', () => {
  afterEach(cleanup)

  it('shows what this run took and what decided it', async () => {
    renderLab()
    const now = within(await screen.findByLabelText('In effect now'))
    expect(now.getByText('3 VMs (exp-1…)')).toBeTruthy()
    expect(now.getByText('— command line')).toBeTruthy()
    expect(now.getByText('— settings')).toBeTruthy()
    expect(now.getByText(EFFECTIVE.dataDir)).toBeTruthy()
  })

  it('saves the lab size, runtime and prefix for the next start, leaving what the user left empty unset', async () => {
    const client = renderLab()
    const vms = (await screen.findByLabelText('Lab VMs')) as HTMLInputElement
    await waitFor(() => expect(vms.disabled).toBe(false))
    fireEvent.change(vms, { target: { value: '4' } })
    fireEvent.change(screen.getByLabelText('VM name prefix'), { target: { value: ' team-a ' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save for the next start' }))
    await screen.findByText('Saved for the next start')
    expect(client.callsTo('policy:set')).toEqual([
      { lab: { vms: 4, runtime: 'docker', namePrefix: 'team-a' }, proxy: { dataPlane: 'embedded' } },
    ])
  })

  it('puts the keep-containers switch back when the VIM refuses the change', async () => {
    const client = new FakeApiClient()
      .on('policy:get', () => VimSettings.parse({}))
      .on('settings:effective', () => EFFECTIVE)
      .on('policy:set', () => {
        throw new Error('settings.json is read-only')
      })
    renderWithApp(<LabSettings />, { client })
    const keep = (await screen.findByLabelText(/Keep the lab’s containers/)) as HTMLInputElement
    await waitFor(() => expect(keep.disabled).toBe(false))
    fireEvent.click(keep)
    await screen.findByText('settings.json is read-only')
    await waitFor(() => expect(keep.checked).toBe(false))
  })
})
