// Building blocks of every settings schema (policy, cluster scaling, balancer, the VIM's settings.json):
// objects that refuse keys they do not know, and numbers with an upper bound that names the field.
import { z } from 'zod'

/**
 * Upper bounds, chosen so that any value below them still leaves a working cluster, and a typo (an
 * extra zero, milliseconds given as seconds, 1e300) is refused instead of silently stopping a loop.
 */
export const SETTING_LIMITS = {
  /** An hour: a loop that evaluates, waits or averages over longer no longer reacts to load at all. */
  seconds: 3_600,
  /** A day: an idle VM kept longer than that is a VM the user forgot, not a cooldown. */
  idleCooldownSeconds: 86_400,
  /** Docker on one host runs at most a few hundred small replicas; 1024 leaves room and bounds planning work. */
  replicas: 1_024,
  /** The fleet planner and the hub are sized for a small cluster; more VMs than this is a typo. */
  vms: 64,
  /** A rule that may grow the count tenfold per period is already no brake; more is a typo. */
  percent: 1_000,
  /** An hour, as `seconds`, for the balancer's millisecond knobs. */
  milliseconds: 3_600_000,
  /** Failures in a row before an ejection: beyond this a backend is never ejected in practice. */
  consecutiveFailures: 1_000,
  /** Requests a proxy holds in flight per backend or in its queue: ten thousand is far past one small VM. */
  queueLength: 10_000,
} as const

/**
 * An object schema that refuses unknown keys by name: a misspelt setting ("targetUtilisation") would
 * otherwise be dropped without a word and its default would apply.
 */
export function settingsObject<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
        : undefined,
  })
}

/** The message of a number above its bound: names the field, the limit and its unit. */
export function aboveLimit(name: string, limit: number, unit = ''): string {
  return `${name} must be at most ${limit.toLocaleString('en-US')}${unit ? ` ${unit}` : ''}`
}
