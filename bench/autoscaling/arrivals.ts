// Request arrival times: a Poisson process following a scenario's rate, exact for a rate that is constant
// over each 100 ms slice (the rate is read at the slice's middle), seeded and independent of the policy.
import { exponential, stream } from './random'
import type { Scenario } from './scenarios'

const SLICE_SECONDS = 0.1

/** Sorted arrival times in [from, to) seconds. */
export function poissonArrivals(
  rate: Scenario['rate'],
  from: number,
  to: number,
  seed: number,
): Float64Array {
  const random = stream(seed, 'arrivals')
  let times = new Float64Array(1024)
  let count = 0
  const slices = Math.ceil((to - from) / SLICE_SECONDS - 1e-9)
  for (let i = 0; i < slices; i++) {
    // From an index, so that float error never drifts the slice edges off the scenario's whole seconds.
    const slice = from + i * SLICE_SECONDS
    const end = Math.min(to, from + (i + 1) * SLICE_SECONDS)
    const lambda = rate((slice + end) / 2)
    if (!(lambda > 0)) continue
    // Memorylessness lets each slice start afresh at its own rate.
    for (let t = slice + exponential(random, 1 / lambda); t < end; t += exponential(random, 1 / lambda)) {
      if (count === times.length) {
        const grown = new Float64Array(times.length * 2)
        grown.set(times)
        times = grown
      }
      times[count++] = t
    }
  }
  return times.slice(0, count)
}

/** Requests per whole second in [0, seconds), for the oracle. */
export function countPerSecond(arrivals: Float64Array, seconds: number): Uint32Array {
  const counts = new Uint32Array(seconds)
  for (const t of arrivals) {
    const second = Math.floor(t)
    if (second >= 0 && second < seconds) counts[second]!++
  }
  return counts
}
