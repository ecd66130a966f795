// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { TrafficSnapshot } from '../../../../shared/domain/traffic'
import { FakeApiClient } from '../../test-support/fake-api-client'
import { renderWithApp } from '../../test-support/render-app'
import { TrafficView } from './TrafficView'

afterEach(cleanup)

function running(pattern: TrafficSnapshot['pattern']): TrafficSnapshot {
  const window = {
    completed: 2,
    rate: 2,
    sentRate: 2,
    failed: 0,
    latencyMs: { p50: 5, p90: 8, p99: 9, max: 9 },
  }
  return TrafficSnapshot.parse({
    state: 'running',
    mode: 'open',
    pattern,
    target: 'http://127.0.0.1:18080/session?seconds=5',
    elapsedSeconds: 3,
    durationSeconds: 60,
    intendedRate: 2,
    users: null,
    sent: 6,
    inFlight: 2,
    interval: { ...window, seconds: 1 },
    total: window,
    statusCodes: { 200: 4 },
    errors: {},
    aborted: 0,
    unsent: 0,
    sendLagMs: { p99: 1, max: 2 },
    endReason: null,
  })
}

describe('TrafficView', () => {
  it('shows the pattern that is running when the page is opened during a run', async () => {
    const client = new FakeApiClient().on('traffic:status', () => ({
      running: true,
      snapshot: running('ramp'),
    }))
    renderWithApp(<TrafficView />, { client })
    const ramp = () => screen.getByRole('radio', { name: /ramp/i }) as HTMLInputElement
    await waitFor(() => expect(ramp().checked).toBe(true))
    expect((screen.getByRole('radio', { name: /spike/i }) as HTMLInputElement).checked).toBe(false)
    expect(ramp().closest('fieldset')?.disabled).toBe(true)
  })

  it('starts the chosen preset with the Generate traffic button', async () => {
    const client = new FakeApiClient()
      .on('traffic:status', () => ({ running: false, snapshot: null }))
      .on('traffic:start', () => ({ running: true, snapshot: running('step') }))
    renderWithApp(<TrafficView />, { client })
    fireEvent.click(screen.getByRole('radio', { name: /step/i }))
    fireEvent.click(screen.getByRole('button', { name: 'Generate traffic' }))
    await waitFor(() => expect(client.callsTo('traffic:start')).toHaveLength(1))
    expect(client.callsTo('traffic:start')[0]).toMatchObject({ pattern: { kind: 'step' } })
  })
})
