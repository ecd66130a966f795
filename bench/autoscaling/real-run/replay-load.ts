// The load of one real run: the simulation's own seeded arrivals for a scenario, warm-up included,
// counted per 100 ms slice and written as a trace that the traffic engine replays F× faster at F× the rate.
import { countPerSecond, poissonArrivals } from '../arrivals'
import { WARMUP_SECONDS } from '../run-scenario'
import type { Scenario } from '../scenarios'

/** The arrivals' own slice: their rate is constant over each, so the counts lose nothing of its shape. */
export const SLICE_SECONDS = 0.1

export interface ReplayLoad {
  /** `second,requests_per_second` rows in trace seconds from the warm-up's start, at real rates. */
  csv: string
  factor: number
  warmupSeconds: number
  durationSeconds: number
  /** Requests per trace second within [0, duration): what the oracle sizes for, as in the simulation. */
  perSecond: Uint32Array
  /** Every request of the replay, warm-up included. */
  requests: number
  /** The highest rate of any slice, in requests per real second. */
  peakRealRate: number
}

const decimal = (value: number) => Number(value.toFixed(6))

/**
 * The simulation's arrivals for a scenario and seed from `warmupSeconds` before the trace on. Drawn from
 * the simulation's own (longer) warm-up, so that every request of the trace is the one it simulates.
 */
export function scenarioArrivals(scenario: Scenario, seed: number, warmupSeconds: number): Float64Array {
  const startRate = scenario.rate(0)
  const from = -Math.max(WARMUP_SECONDS, warmupSeconds)
  const all = poissonArrivals(
    (t) => (t < 0 ? startRate : scenario.rate(t)),
    from,
    scenario.durationSeconds,
    seed,
  )
  const first = all.findIndex((t) => t >= -warmupSeconds)
  return all.subarray(first < 0 ? all.length : first)
}

export function replayLoad(
  scenario: Scenario,
  seed: number,
  warmupSeconds: number,
  factor: number,
): ReplayLoad {
  const T = scenario.durationSeconds
  const arrivals = scenarioArrivals(scenario, seed, warmupSeconds)
  const slices = Math.round((warmupSeconds + T) / SLICE_SECONDS)
  const counts = new Uint32Array(slices)
  let requests = 0
  for (const t of arrivals) {
    counts[Math.min(slices - 1, Math.floor((t + warmupSeconds) / SLICE_SECONDS))]!++
    requests++
  }
  const rows = ['second,requests_per_second']
  let previous = -1
  let peak = 0
  counts.forEach((count, i) => {
    // A slice of 100 ms of trace lasts 100 ms / F: its requests arrive at F × count / 100 ms.
    const rate = decimal((count / SLICE_SECONDS) * factor)
    peak = Math.max(peak, rate)
    if (rate !== previous) rows.push(`${decimal(i * SLICE_SECONDS)},${rate}`)
    previous = rate
  })
  // The engine holds the last row for a whole second of the trace's clock: end on silence.
  rows.push(`${decimal(slices * SLICE_SECONDS)},0`)
  return {
    csv: `${rows.join('\n')}\n`,
    factor,
    warmupSeconds,
    durationSeconds: T,
    perSecond: countPerSecond(arrivals, T),
    requests,
    peakRealRate: peak,
  }
}
