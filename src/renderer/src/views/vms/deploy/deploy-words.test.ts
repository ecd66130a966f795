import { describe, expect, it } from 'vitest'
import { DEPLOY_STARTED_AT, deployProgress, deployStep } from '../../../test-support/deploy-fixtures'
import { formatDuration, runningText, stepDuration, successText } from './deploy-words'

describe('deploy words', () => {
  it.each([
    [400, '0.4 s'],
    [9_940, '9.9 s'],
    [12_300, '12 s'],
    [125_000, '2 min 05 s'],
    [-5, '0.0 s'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it('times a running step until now and a finished one until its end', () => {
    const start = DEPLOY_STARTED_AT
    expect(stepDuration(deployStep({ id: 'a' }), start)).toBe('')
    expect(stepDuration(deployStep({ id: 'a', startedAt: start }), start + 3_000)).toBe('3.0 s')
    expect(
      stepDuration(deployStep({ id: 'a', startedAt: start, endedAt: start + 20_000 }), start + 99_000),
    ).toBe('20 s')
  })

  it('names the running step and the outcome', () => {
    expect(runningText(deployProgress({ vmId: 'lab-host-1' }))).toBe(
      'Deploying the agent: step 1 of 3, Connect over SSH',
    )
    expect(successText('deploy', 'lab-host-1')).toBe("lab-host-1's agent connected")
    expect(successText('uninstall', 'lab-host-1')).toBe('The agent is uninstalled from lab-host-1')
  })
})
