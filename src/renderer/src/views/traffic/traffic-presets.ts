// The "Generate traffic" presets: user sessions (each holds about half a container's CPU) at rates that
// make a 2-VM lab scale visibly within a minute or two, always bounded in time and requests.
import type { TrafficStartInput } from '../../../../shared/domain/traffic'

export const PRESETS = ['steady', 'ramp', 'spike', 'step'] as const
export type Preset = (typeof PRESETS)[number]

export function isPreset(value: unknown): value is Preset {
  return (PRESETS as readonly unknown[]).includes(value)
}

export interface CustomTraffic {
  /** Sessions (or requests) started per second; the base rate for spike and step. */
  rate: number
  durationSeconds: number
  /** Seconds each user session lasts; 0 sends plain requests to `/` instead. */
  sessionSeconds: number
}

export const DEFAULT_CUSTOM: CustomTraffic = { rate: 1, durationSeconds: 90, sessionSeconds: 4 }

export const PRESET_LABELS: Record<Preset, string> = {
  steady: 'Steady: the same rate throughout',
  ramp: 'Ramp: from a trickle up to 3× the rate',
  spike: 'Spike: 6× the rate for the middle third',
  step: 'Step: 3× the rate from half way',
}

/** The plan sent with traffic:start; the VIM aims it at its own front proxy. */
export function presetPlan(preset: Preset, custom: CustomTraffic): TrafficStartInput {
  const { rate, durationSeconds, sessionSeconds } = custom
  const pattern =
    preset === 'steady'
      ? { kind: 'steady' as const, rate }
      : preset === 'ramp'
        ? { kind: 'ramp' as const, from: rate / 5, to: rate * 3 }
        : preset === 'spike'
          ? { kind: 'spike' as const, rate, factor: 6 }
          : { kind: 'step' as const, rate, to: rate * 3 }
  return {
    mode: 'open',
    pattern,
    durationSeconds,
    path: sessionSeconds > 0 ? `/session?seconds=${sessionSeconds}` : '/',
    // A session lasts sessionSeconds: allow every one the schedule starts to be in flight at the peak.
    maxInFlight: Math.max(16, Math.ceil(rate * 6 * Math.max(1, sessionSeconds + 5))),
    timeoutSeconds: Math.max(30, sessionSeconds + 30),
  }
}

/** Problems with the custom values, by field; empty when they can be sent. */
export function customProblems(custom: CustomTraffic): Partial<Record<keyof CustomTraffic, string>> {
  const problems: Partial<Record<keyof CustomTraffic, string>> = {}
  if (!(custom.rate > 0 && custom.rate <= 200))
    problems.rate = 'Rate must be more than 0 and at most 200 per second.'
  if (
    !(
      Number.isInteger(custom.durationSeconds) &&
      custom.durationSeconds >= 5 &&
      custom.durationSeconds <= 3600
    )
  ) {
    problems.durationSeconds = 'Duration must be a whole number of seconds from 5 to 3600.'
  }
  if (!(custom.sessionSeconds >= 0 && custom.sessionSeconds <= 600)) {
    problems.sessionSeconds = 'Session length must be from 0 (plain requests) to 600 seconds.'
  }
  return problems
}
