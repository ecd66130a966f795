// The proxy benchmark runner against tiny durations, and wrk's output parser on wrk's own text: every
// path answers, the balancers split the load, the section renders. Speed targets live in
// docs/BENCHMARKS.md, not here.
import { describe, expect, it } from 'vitest'
import { findHaproxy } from './haproxy'
import { findNginx } from './nginx'
import { parseProcStat } from './process-cpu'
import { benchProxy, median } from './proxy-bench'
import { proxyTable } from './proxy-section'
import { findWrk, parseWrkOutput } from './wrk'

const WRK_OUTPUT = `Running 2s test @ http://127.0.0.1:39110/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.63ms    1.02ms  21.79ms   91.54%
    Req/Sec     5.72k   227.33     6.04k    80.00%
  Latency Distribution
     50%    5.47ms
     75%    5.84ms
     90%    6.40ms
     99%    9.97ms
  11381 requests in 2.00s, 2.11MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   5690.11
Transfer/sec:      1.05MB
`

describe('parseWrkOutput', () => {
  it('reads requests, duration, the latency quantiles in any unit and every kind of error', () => {
    expect(parseWrkOutput(WRK_OUTPUT)).toEqual({
      requests: 11381,
      seconds: 2,
      requestsPerSecond: 5690.5,
      latencyMs: { p50: 5.47, p99: 9.97 },
      errors: 7,
    })
    const micro = WRK_OUTPUT.replace('5.47ms', '83.00us').replace('9.97ms', '1.20s')
    expect(parseWrkOutput(micro)?.latencyMs).toEqual({ p50: 0.083, p99: 1200 })
  })

  it('finds no summary in a failed run', () => {
    expect(parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toBeUndefined()
  })
})

describe('median', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[], Number.NaN],
  ])('%o → %d', (values, expected) => {
    expect(median(values)).toEqual(expected)
  })
})

describe('benchProxy', () => {
  it.skipIf(!findWrk())(
    'measures every path with wrk in one short round and renders the tables',
    { timeout: 90_000 },
    async () => {
      const nginx = findNginx()
      const haproxy = findHaproxy()
      const result = await benchProxy({
        seconds: 1,
        warmupSeconds: 1,
        rounds: 1,
        latencySeconds: 1,
        connections: 4,
      })

      expect(result.rows.map((row) => row.scenario)).toEqual([
        'direct',
        'agent-lb',
        'front',
        ...(haproxy ? ['haproxy-agent-lb', 'haproxy-front'] : []),
        ...(nginx ? ['nginx-1'] : []),
        ...(haproxy ? ['haproxy-1'] : []),
      ])
      for (const row of result.rows) {
        expect(row.requestsPerSecond, row.scenario).toBeGreaterThan(0)
        expect(row.errors, row.scenario).toBe(0)
        expect(row.latencyMs.p99, row.scenario).toBeGreaterThanOrEqual(row.latencyMs.p50)
        expect(row.singleConnectionP50Ms, row.scenario).toBeGreaterThan(0)
        if (row.scenario === 'direct') {
          expect(row.split).toEqual([1, 0])
          expect(row.proxyCores).toBeUndefined()
        } else {
          // Both backends served part of the load (not a fairness target: just that it balances).
          expect(row.split[0], row.scenario).toBeGreaterThan(0)
          expect(row.split[1], row.scenario).toBeGreaterThan(0)
          expect(row.requestsPerProxyCpuSecond, row.scenario).toBeGreaterThan(0)
        }
      }

      const table = proxyTable(result)
      expect(table).toContain('| client → VIM front proxy → agent LB → 2 backends |')
      expect(table).toMatch(/\| Agent LB \(client → agent LB, over client → backend\) \| -?\d+\.\d{3} ms \|/)
      if (nginx) expect(table).toMatch(/\| VIM front proxy → agent LB \(the whole chain\) \| \d+\.\d\d× \|/)
      if (nginx && haproxy)
        expect(table).toMatch(/\| HAProxy plane: agent LB alone \(one hop\) \| \d+\.\d\d× \|/)
    },
  )
})

describe('parseProcStat', () => {
  it('reads pid, parent and CPU ticks even when the command name holds spaces and parentheses', () => {
    const line = '4242 (node (bench) x) S 4000 4242 4000 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 11 0 1 1 1'
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 4000, cpuTicks: 175 })
    expect(parseProcStat('garbage')).toBeUndefined()
  })
})
