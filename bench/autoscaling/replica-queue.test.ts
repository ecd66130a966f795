import { describe, expect, it } from 'vitest'
import { poissonArrivals } from './arrivals'
import { ReplicaQueue } from './replica-queue'
import type { QueueDiscipline } from './workload'

/** Feeds the arrivals through one queue; returns the mean latency and the CPU used per second of limit. */
function run(discipline: QueueDiscipline, arrivals: Float64Array, cpus = 0.5, cost = 0.02) {
  const queue = new ReplicaQueue(cpus, cost, discipline, 0)
  let sum = 0
  let n = 0
  const done = (arrivedAt: number, departedAt: number) => {
    sum += departedAt - arrivedAt
    n++
  }
  for (const t of arrivals) {
    queue.advance(t, done)
    queue.admit(t)
  }
  const end = arrivals.at(-1) ?? 0
  queue.advance(end, done)
  const utilization = queue.takeCpuSeconds() / cpus / end
  queue.advance(Number.POSITIVE_INFINITY, done)
  return { mean: sum / n, n, utilization }
}

describe('ReplicaQueue: single requests', () => {
  it.each([
    { discipline: 'processor-sharing' as const, cpus: 0.5, latencies: [0.08, 0.08] },
    { discipline: 'first-come-first-served' as const, cpus: 0.5, latencies: [0.04, 0.08] },
    // One request is one thread: two cores serve two at once, each at one core.
    { discipline: 'processor-sharing' as const, cpus: 2, latencies: [0.02, 0.02] },
    { discipline: 'first-come-first-served' as const, cpus: 2, latencies: [0.02, 0.04] },
  ])(
    '$discipline at $cpus CPU: two requests at once leave after $latencies s',
    ({ discipline, cpus, latencies }) => {
      const queue = new ReplicaQueue(cpus, 0.02, discipline, 0)
      const seen: number[] = []
      queue.admit(0)
      queue.admit(0)
      queue.advance(Number.POSITIVE_INFINITY, (arrivedAt, departedAt) => seen.push(departedAt - arrivedAt))
      expect(seen.map((s) => Number(s.toFixed(9)))).toEqual(latencies)
    },
  )

  it('shares the CPU as requests come and go (PS)', () => {
    const queue = new ReplicaQueue(0.5, 0.02, 'processor-sharing', 0)
    const left: number[] = []
    queue.admit(0)
    queue.advance(0.02, () => {})
    queue.admit(0.02) // the first has 0.01 core-s done, 0.01 to go, now at 0.25 core each
    queue.advance(Number.POSITIVE_INFINITY, (_a, d) => left.push(d))
    expect(left.map((d) => Number(d.toFixed(9)))).toEqual([0.06, 0.08])
  })
})

describe('ReplicaQueue against closed forms at 50 % load (M/D/1)', () => {
  // 0.5 CPU and 20 ms per request: S = 40 ms; 12.5 requests/s is ρ = 0.5.
  const arrivals = poissonArrivals(() => 12.5, 0, 4000, 7)
  const S = 0.04
  const rho = 0.5

  it('processor sharing: mean sojourn S / (1 − ρ), as for M/M/1-PS (PS is insensitive to the service law)', () => {
    const { mean, n } = run('processor-sharing', arrivals)
    expect(n).toBeGreaterThan(45_000)
    expect(mean).toBeCloseTo(S / (1 - rho), 2)
    expect(Math.abs(mean / (S / (1 - rho)) - 1)).toBeLessThan(0.05)
  })

  it('FCFS: Pollaczek–Khinchine, S + ρS / (2(1 − ρ))', () => {
    const { mean } = run('first-come-first-served', arrivals)
    const expected = S + (rho * S) / (2 * (1 - rho))
    expect(Math.abs(mean / expected - 1)).toBeLessThan(0.05)
  })

  it('measures its CPU use as the offered load', () => {
    expect(run('processor-sharing', arrivals).utilization).toBeCloseTo(rho, 1)
  })
})
