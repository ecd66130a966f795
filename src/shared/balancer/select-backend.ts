// Which backend gets the next request: one pure decision per algorithm, shared by the VIM's front proxy
// (choosing a VM) and each agent's local proxy (choosing a container). Time and randomness come in.
import { type BalancerAlgorithm, DEFAULT_BALANCER_SETTINGS } from './balancer-settings'
import { buildHashRing, findOnRing, type HashRing } from './hash-ring'

export interface Candidate {
  readonly id: string
  readonly weight: number
  /** Weight after slow start; `weight` when omitted. A backend at 0 gets no new requests (draining). */
  readonly effectiveWeight?: number
  /** Requests sent to it and not yet answered. */
  readonly inFlight: number
}

/**
 * The memory of the rotating algorithms, owned by the caller and advanced in place by selectBackend
 * (the only thing it changes): round robin's cursor and smooth weighted round robin's current weights.
 */
export interface RotationState {
  cursor: number
  readonly currentWeights: Map<string, number>
}

export function createRotationState(): RotationState {
  return { cursor: 0, currentWeights: new Map() }
}

export interface SelectionContext {
  /** Uniform in [0, 1). */
  readonly random: () => number
  /** The consistent-hash key, e.g. the client IP; without one consistent-hash acts as least-outstanding. */
  readonly key?: string
  readonly rotation: RotationState
  /** A ring prebuilt over the pool's members; built from the candidates when omitted. */
  readonly ring?: HashRing
  /** Virtual nodes per backend when the ring has to be built here. */
  readonly virtualNodes?: number
}

/** The chosen backend's id, or undefined when no candidate can take a request. */
export function selectBackend(
  algorithm: BalancerAlgorithm,
  candidates: readonly Candidate[],
  context: SelectionContext,
): string | undefined {
  const usable = candidates.filter((c) => weightOf(c) > 0)
  if (usable.length === 0) return undefined
  if (usable.length === 1) return usable[0]!.id
  switch (algorithm) {
    case 'least-outstanding':
      return pickLeastOutstanding(usable, context.random)
    case 'round-robin':
      return pickRoundRobin(usable, context.rotation)
    case 'weighted':
      return pickSmoothWeighted(usable, context.rotation)
    case 'random':
      return pickWeightedRandom(usable, context.random)
    case 'consistent-hash':
      return pickByHash(usable, context)
  }
}

function weightOf(candidate: Candidate): number {
  const weight = candidate.effectiveWeight ?? candidate.weight
  return Number.isFinite(weight) && weight > 0 ? weight : 0
}

/**
 * Power of two choices: sample two distinct backends, keep the less loaded (inFlight / weight). Nearly
 * as good as scanning all of them, and it avoids the herd that "always the least loaded" sends to one
 * backend between updates. The pair is drawn in proportion to weight and a tie goes to the first drawn,
 * so that when everything is idle traffic still follows the weights and slow start still ramps.
 */
function pickLeastOutstanding(candidates: readonly Candidate[], random: () => number): string {
  const first = weightedIndex(candidates, random)
  const a = candidates[first]!
  const b = candidates[weightedIndex(candidates, random, first)]!
  return loadOf(b) < loadOf(a) ? b.id : a.id
}

function loadOf(candidate: Candidate): number {
  return candidate.inFlight / weightOf(candidate)
}

/** Plain rotation; weights matter only in that a backend at weight 0 is skipped. */
function pickRoundRobin(candidates: readonly Candidate[], rotation: RotationState): string {
  const chosen = candidates[rotation.cursor % candidates.length]!
  rotation.cursor = (rotation.cursor + 1) % Number.MAX_SAFE_INTEGER
  return chosen.id
}

/**
 * nginx's smooth weighted round robin: every backend earns its weight each round, the richest is picked
 * and pays the round's total. Weights 5,1,1 give a a b a c a a: exact proportions, interleaved rather
 * than in bursts.
 */
function pickSmoothWeighted(candidates: readonly Candidate[], rotation: RotationState): string {
  let total = 0
  let best: Candidate | undefined
  let bestCurrent = Number.NEGATIVE_INFINITY
  for (const candidate of candidates) {
    const weight = weightOf(candidate)
    const current = (rotation.currentWeights.get(candidate.id) ?? 0) + weight
    rotation.currentWeights.set(candidate.id, current)
    total += weight
    if (current > bestCurrent) {
      best = candidate
      bestCurrent = current
    }
  }
  rotation.currentWeights.set(best!.id, bestCurrent - total)
  return best!.id
}

/** Random in proportion to weight, so that slow start and the VIM's weight shifts still apply. */
function pickWeightedRandom(candidates: readonly Candidate[], random: () => number): string {
  return candidates[weightedIndex(candidates, random)]!.id
}

/** An index drawn in proportion to weight, leaving out `skip`; candidates must have a positive weight. */
function weightedIndex(candidates: readonly Candidate[], random: () => number, skip = -1): number {
  let total = 0
  for (let i = 0; i < candidates.length; i++) if (i !== skip) total += weightOf(candidates[i]!)
  let point = random() * total
  let last = -1
  for (let i = 0; i < candidates.length; i++) {
    if (i === skip) continue
    last = i
    point -= weightOf(candidates[i]!)
    if (point < 0) return i
  }
  return last // only reached through rounding, or random() returning exactly 1
}

function pickByHash(candidates: readonly Candidate[], context: SelectionContext): string | undefined {
  if (context.key === undefined) return pickLeastOutstanding(candidates, context.random)
  const ids = new Set(candidates.map((c) => c.id))
  const ring =
    context.ring ?? buildHashRing(ids, context.virtualNodes ?? DEFAULT_BALANCER_SETTINGS.hashRingVirtualNodes)
  return findOnRing(ring, context.key, (id) => ids.has(id))
}
