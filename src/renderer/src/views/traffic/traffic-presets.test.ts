import { describe, expect, it } from 'vitest'
import { TrafficStartInput } from '../../../../shared/domain/traffic'
import { customProblems, DEFAULT_CUSTOM, PRESETS, presetPlan } from './traffic-presets'

describe('traffic presets', () => {
  it.each(PRESETS)('%s gives a plan the API accepts, bounded in time, with user sessions', (preset) => {
    const plan = presetPlan(preset, DEFAULT_CUSTOM)
    expect(TrafficStartInput.safeParse(plan).success).toBe(true)
    expect(plan).toMatchObject({ durationSeconds: 90, path: '/session?seconds=4', mode: 'open' })
  })

  it('sends plain requests when the session length is 0', () => {
    expect(presetPlan('steady', { ...DEFAULT_CUSTOM, sessionSeconds: 0 }).path).toBe('/')
  })

  it('names each bad custom value', () => {
    expect(customProblems({ rate: 0, durationSeconds: 2.5, sessionSeconds: 700 })).toEqual({
      rate: 'Rate must be more than 0 and at most 200 per second.',
      durationSeconds: 'Duration must be a whole number of seconds from 5 to 3600.',
      sessionSeconds: 'Session length must be from 0 (plain requests) to 600 seconds.',
    })
    expect(customProblems(DEFAULT_CUSTOM)).toEqual({})
  })
})
