// The proxy benchmark runner against tiny durations: every path answers, both balancers split the load,
// and the section renders. Speed targets live in docs/BENCHMARKS.md, not here.
import { describe, expect, it } from 'vitest'
import { findNginx } from './nginx'
import { parseProcStat } from './process-cpu'
import { benchProxy } from './proxy-bench'
import { proxyTable } from './proxy-section'

describe('benchProxy', () => {
  it('measures every path with tiny durations and renders the table', { timeout: 60_000 }, async () => {
    const nginx = findNginx()
    const result = await benchProxy({ seconds: 0.5, warmupSeconds: 0.3, connections: 4, nginxWorkers: [1] })

    expect(result.rows.map((row) => row.scenario)).toEqual(
      nginx ? ['direct', 'agent-lb', 'front', 'nginx-1'] : ['direct', 'agent-lb', 'front'],
    )
    expect(result.nginx).toEqual(
      nginx ? { binary: nginx, version: expect.stringMatching(/^nginx\//) } : { missing: 'not installed' },
    )
    for (const row of result.rows) {
      expect(row.requestsPerSecond, row.scenario).toBeGreaterThan(0)
      expect(row.errors, row.scenario).toBe(0)
      expect(row.latencyMs.p99, row.scenario).toBeGreaterThanOrEqual(row.latencyMs.p50)
      if (row.scenario === 'direct') {
        expect(row.split).toEqual([1, 0])
        expect(row.proxyCores).toBeUndefined()
      } else {
        // Both backends served part of the window (not a fairness target: just that it balances).
        expect(row.split[0], row.scenario).toBeGreaterThan(0)
        expect(row.split[1], row.scenario).toBeGreaterThan(0)
        expect(row.proxyCores, row.scenario).toBeGreaterThan(0)
      }
    }

    const table = proxyTable(result)
    expect(table).toContain('| client → VIM front proxy → agent LB → 2 backends |')
    if (nginx) expect(table).toMatch(/\| VIM front proxy → agent LB \(the whole chain\) \| \d+\.\d\d× \|/)
    else expect(table).toContain('No nginx comparison: nginx not installed.')
  })
})

describe('parseProcStat', () => {
  it('reads pid, parent and CPU ticks even when the command name holds spaces and parentheses', () => {
    const line = '4242 (node (bench) x) S 4000 4242 4000 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 11 0 1 1 1'
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 4000, cpuTicks: 175 })
    expect(parseProcStat('garbage')).toBeUndefined()
  })
})
