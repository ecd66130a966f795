// The load shapes of docs/SCALING-BENCH.md as rate functions (requests per second over trace time),
// sized from the workload so that a calibrated workload keeps the same meaning in replicas.
import { exponential, normal, stream } from './random'
import { replicaRateAtTarget, type Workload } from './workload'

export interface Scenario {
  name: string
  /** One line for the report: the shape in replicas' worth of load. */
  description: string
  durationSeconds: number
  /** Expected requests per second at `t` seconds into the trace. */
  rate: (t: number) => number
}

export interface ScenarioContext {
  seed: number
  workload: Workload
  /** The diurnal period; a day unless a quick run shortens it. */
  diurnalPeriodSeconds?: number
}

/** The base load: one replica at 80 % of its target, so that the base needs exactly one replica. */
export const baseRate = (w: Workload) => 0.8 * replicaRateAtTarget(w)

/** A rate that is `levels[i].rate` from `levels[i].from` on. */
const piecewise =
  (levels: readonly { from: number; rate: number }[]) =>
  (t: number): number => {
    let rate = levels[0]?.rate ?? 0
    for (const level of levels) if (t >= level.from) rate = level.rate
    return rate
  }

export function stepScenario({ workload }: ScenarioContext): Scenario {
  const base = baseRate(workload)
  return {
    name: 'step',
    description: 'base 60 s, 4× base for 300 s, base for 600 s',
    durationSeconds: 960,
    rate: piecewise([
      { from: 0, rate: base },
      { from: 60, rate: 4 * base },
      { from: 360, rate: base },
    ]),
  }
}

export function spikeScenario({ workload }: ScenarioContext): Scenario {
  const base = baseRate(workload)
  return {
    name: 'spike',
    description: 'base 60 s, 10× base for 30 s, base for 600 s',
    durationSeconds: 690,
    rate: piecewise([
      { from: 0, rate: base },
      { from: 60, rate: 10 * base },
      { from: 90, rate: base },
    ]),
  }
}

export function rampScenario({ workload }: ScenarioContext): Scenario {
  const base = baseRate(workload)
  const peak = 8 * base
  return {
    name: 'ramp',
    description: 'base 60 s, up to 8× base over 600 s, down over 600 s, base for 300 s',
    durationSeconds: 1560,
    rate: (t) => {
      if (t < 60 || t >= 1260) return base
      const climbed = t < 660 ? (t - 60) / 600 : (1260 - t) / 600
      return base + (peak - base) * climbed
    },
  }
}

/** One sine period from a night trough (base) to a midday peak (8× base), with seeded, slow noise. */
export function diurnalScenario({
  seed,
  workload,
  diurnalPeriodSeconds = 86_400,
}: ScenarioContext): Scenario {
  const base = baseRate(workload)
  const peak = 8 * base
  // ±10 % (one sigma) noise that drifts over minutes rather than jumping every second.
  const knotSeconds = 60
  const random = stream(seed, 'diurnal-noise')
  const knots = Array.from({ length: Math.ceil(diurnalPeriodSeconds / knotSeconds) + 2 }, () =>
    Math.max(-0.3, Math.min(0.3, 0.1 * normal(random))),
  )
  const hours = diurnalPeriodSeconds / 3600
  const period = hours === 24 ? 'day' : `${Number(hours.toFixed(2))} h`
  return {
    name: 'diurnal',
    description: `one ${period}-long sine period, base to 8× base, ±10 % noise`,
    durationSeconds: diurnalPeriodSeconds,
    rate: (t) => {
      const k = t / knotSeconds
      const i = Math.floor(k)
      const noise = (knots[i] ?? 0) + ((knots[i + 1] ?? 0) - (knots[i] ?? 0)) * (k - i)
      const shape = (1 - Math.cos((2 * Math.PI * t) / diurnalPeriodSeconds)) / 2
      return (base + (peak - base) * shape) * (1 + noise)
    },
  }
}

/**
 * A Markov-modulated Poisson process with a calm state (the base load) and a busy state whose load needs
 * 80 % of the lab's replicas at the target; exponential stays of 120 s calm and 40 s busy on average.
 */
export function burstyScenario({ seed, workload }: ScenarioContext): Scenario {
  const calm = baseRate(workload)
  const busy = 0.8 * workload.maxReplicas * replicaRateAtTarget(workload)
  const durationSeconds = 1800
  const random = stream(seed, 'bursty-states')
  // Calm for the first minute, like the other scenarios, then alternate.
  const levels = [{ from: 0, rate: calm }]
  let t = 60 + exponential(random, 120)
  for (let isBusy = true; t < durationSeconds; isBusy = !isBusy) {
    levels.push({ from: t, rate: isBusy ? busy : calm })
    t += exponential(random, isBusy ? 40 : 120)
  }
  return {
    name: 'bursty',
    description:
      `seeded MMPP: calm (base) and busy (${0.8 * workload.maxReplicas} replicas' worth at the target), ` +
      'mean stays 120 s / 40 s',
    durationSeconds,
    rate: piecewise(levels),
  }
}

export const SYNTHETIC_SCENARIOS = [
  stepScenario,
  spikeScenario,
  rampScenario,
  diurnalScenario,
  burstyScenario,
] as const
