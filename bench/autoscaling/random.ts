// Seeded random streams: one independent stream per purpose (arrivals, noise, bursts), so that changing
// how one is used never shifts the others, and both policies see the very same requests.
import { hash32 } from '../../src/shared/balancer/hash-ring'
import { mulberry32 } from '../../src/shared/balancer/seeded-random'

export type Random = () => number

export const stream = (seed: number, purpose: string): Random => mulberry32(hash32(`${seed}/${purpose}`))

/** Exponentially distributed with the given mean; 1 − u keeps log() away from 0. */
export const exponential = (random: Random, mean: number) => -Math.log(1 - random()) * mean

/** Standard normal (Box–Muller). */
export function normal(random: Random): number {
  const u = 1 - random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}
