import { describe, expect, it } from 'vitest'
import { resultTable, type ScenarioOutcome, verdict } from './report'
import type { ScenarioResult } from './run-scenario'
import { scenarioNamed } from './scenarios'

const result = (over: Partial<ScenarioResult>): ScenarioResult => ({
  scenario: 'container-kill',
  rate: 20,
  load: { sent: 400, ok: 400, failed: 0, failedByKind: {}, worstLatencyMs: 812.4, p99LatencyMs: 95.2 },
  recoveredMs: 1530,
  recoverLimitMs: 45_000,
  count: { serving: 2, lost: 0, duplicated: 0, orphaned: 0, perVm: [] },
  notes: ["killed lab-1's container 0123456789ab"],
  digest: [],
  events: [],
  zeroLoss: true,
  seconds: 21,
  records: [],
  faultAt: 0,
  ...over,
})

describe('the reliability table', () => {
  it('gives one row per scenario with its failures, latency, recovery and containers', () => {
    const outcomes: ScenarioOutcome[] = [
      { scenario: scenarioNamed('container-kill'), result: result({}) },
      {
        scenario: scenarioNamed('paused-container'),
        result: result({
          scenario: 'paused-container',
          rate: 10,
          load: {
            sent: 500,
            ok: 480,
            failed: 20,
            failedByKind: { UND_ERR_HEADERS_TIMEOUT: 20 },
            worstLatencyMs: 35_400,
            p99LatencyMs: 35_100,
          },
          recoveredMs: null,
          count: { serving: 1, lost: 1, duplicated: 0, orphaned: 0, perVm: [] },
          notes: ['a | b'],
        }),
      },
      { scenario: scenarioNamed('vm-move'), error: 'the VIM exited' },
    ]
    expect(resultTable(outcomes).split('\n').slice(2)).toEqual([
      "| container-kill | 20/s | 400 | none | yes | 812 ms | 95 ms | 1530 ms | 0 / 0 / 0 | 21 s | killed lab-1's container 0123456789ab |",
      '| paused-container | 10/s | 500 | 20 × UND_ERR_HEADERS_TIMEOUT | **no** (20) | 35.4 s | 35.1 s | not within 45 s | 1 / 0 / 0 | 21 s | a \\| b |',
      '| vm-move | — | — | — | — | — | — | — | — | — | did not run: the VIM exited |',
    ])
  })

  it('judges zero loss only where another container or VM was ready', () => {
    const failed = result({ load: { ...result({}).load, failed: 3 } })
    expect(verdict({ scenario: scenarioNamed('agent-sigkill'), result: failed })).toBe('**no** (3)')
    expect(verdict({ scenario: scenarioNamed('vim-sigkill'), result: failed })).toBe('n/a')
    expect(verdict({ scenario: scenarioNamed('overload'), result: failed })).toBe('n/a')
  })
})
