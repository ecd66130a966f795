import { describe, expect, it } from 'vitest'
import { ApiError, type ControlApi } from '../../shared/api/contract'
import { ClusterStore } from '../cluster/cluster-store'
import { createControlApi } from './control-api'
import { dispatchApiCall } from './dispatch'

const api = createControlApi({ store: new ClusterStore(), version: '1.2.3', startedAt: 0, now: () => 5000 })

describe('dispatchApiCall', () => {
  it('runs a known call with valid input', async () => {
    expect(await dispatchApiCall(api, 'health:get', {})).toEqual({
      ok: true,
      value: { ok: true, version: '1.2.3', uptimeSeconds: 5 },
    })
  })

  it('refuses an unknown channel', async () => {
    expect(await dispatchApiCall(api, 'shell:exec', {})).toEqual({
      ok: false,
      error: { code: 'not_found', message: "Unknown API call 'shell:exec'." },
    })
  })

  it('refuses input the contract does not allow, naming the call and the field', async () => {
    const result = await dispatchApiCall(api, 'cluster:get', { surprise: 1 })
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error).toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/^cluster:get: .*surprise/),
    })
  })

  it('turns ApiError into its code and any other failure into internal, keeping the message', async () => {
    const failing = {
      ...api,
      'cluster:get': async () => {
        throw new ApiError('unavailable', 'The hub is starting.')
      },
      'health:get': async () => {
        throw new Error('disk full')
      },
    } satisfies ControlApi
    expect(await dispatchApiCall(failing, 'cluster:get', {})).toEqual({
      ok: false,
      error: { code: 'unavailable', message: 'The hub is starting.' },
    })
    expect(await dispatchApiCall(failing, 'health:get', {})).toEqual({
      ok: false,
      error: { code: 'internal', message: 'health:get failed: disk full' },
    })
  })
})
