import { describe, expect, it } from 'vitest'
import { BalancerAlgorithm } from './balancer-settings'
import { buildHashRing } from './hash-ring'
import { mulberry32 } from './seeded-random'
import { type Candidate, createRotationState, type SelectionContext, selectBackend } from './select-backend'

function context(overrides: Partial<SelectionContext> = {}): SelectionContext {
  return { random: mulberry32(42), rotation: createRotationState(), ...overrides }
}

function backends(weights: Record<string, number>, inFlight: Record<string, number> = {}): Candidate[] {
  return Object.entries(weights).map(([id, weight]) => ({ id, weight, inFlight: inFlight[id] ?? 0 }))
}

/** How often each id is chosen in `rounds` selections sharing one context. */
function tally(algorithm: BalancerAlgorithm, candidates: Candidate[], rounds: number, ctx = context()) {
  const counts: Record<string, number> = {}
  for (let i = 0; i < rounds; i++) {
    const id = selectBackend(algorithm, candidates, ctx) ?? 'none'
    counts[id] = (counts[id] ?? 0) + 1
  }
  return counts
}

function sequence(algorithm: BalancerAlgorithm, candidates: Candidate[], length: number) {
  const ctx = context()
  return Array.from({ length }, () => selectBackend(algorithm, candidates, ctx)).join(' ')
}

const algorithms = BalancerAlgorithm.options

describe('selectBackend, any algorithm', () => {
  it.each(algorithms)('%s: no candidates → undefined', (algorithm) => {
    expect(selectBackend(algorithm, [], context({ key: '10.0.0.1' }))).toBeUndefined()
  })

  it.each(algorithms)('%s: only backends at weight 0 (draining) → undefined', (algorithm) => {
    const draining = [
      { id: 'a', weight: 0, inFlight: 0 },
      { id: 'b', weight: 2, effectiveWeight: 0, inFlight: 0 },
    ]
    expect(selectBackend(algorithm, draining, context({ key: '10.0.0.1' }))).toBeUndefined()
  })

  it.each(algorithms)('%s: never picks a draining backend', (algorithm) => {
    const counts = tally(algorithm, backends({ a: 1, b: 0, c: 1 }), 300, context({ key: 'k' }))
    expect(counts.b).toBeUndefined()
  })

  it.each(algorithms)('%s: a single candidate is always chosen', (algorithm) => {
    expect(tally(algorithm, backends({ only: 3 }), 10, context({ key: 'k' }))).toEqual({ only: 10 })
  })

  it('accepts every algorithm name the policy editor offers, and nothing else', () => {
    expect(BalancerAlgorithm.parse('weighted')).toBe('weighted')
    expect(BalancerAlgorithm.safeParse('fastest').success).toBe(false)
  })
})

describe('round-robin', () => {
  it('rotates in order, ignoring weights', () => {
    expect(sequence('round-robin', backends({ a: 5, b: 1, c: 1 }), 7)).toBe('a b c a b c a')
  })

  it('continues from the cursor it is given', () => {
    const rotation = { cursor: 4, currentWeights: new Map() }
    expect(selectBackend('round-robin', backends({ a: 1, b: 1, c: 1 }), context({ rotation }))).toBe('b')
    expect(rotation.cursor).toBe(5)
  })
})

describe('weighted (smooth weighted round robin)', () => {
  it.each([
    [{ a: 5, b: 1, c: 1 }, 'a a b a c a a'], // nginx's own example
    [{ a: 2, b: 1 }, 'a b a'],
    [{ a: 1, b: 1, c: 1 }, 'a b c'],
    [{ a: 3, b: 2 }, 'a b a b a'],
  ])('weights %o → %s, repeating', (weights, cycle) => {
    const length = cycle.split(' ').length
    expect(sequence('weighted', backends(weights), length * 3)).toBe([cycle, cycle, cycle].join(' '))
  })

  it('gives exact proportions over whole cycles', () => {
    expect(tally('weighted', backends({ a: 5, b: 3, c: 2 }), 10_000)).toEqual({
      a: 5_000,
      b: 3_000,
      c: 2_000,
    })
  })

  it('uses the effective weight, so slow start applies', () => {
    const candidates = [
      { id: 'warm', weight: 4, inFlight: 0 },
      { id: 'cold', weight: 4, effectiveWeight: 1, inFlight: 0 },
    ]
    expect(tally('weighted', candidates, 500)).toEqual({ warm: 400, cold: 100 })
  })
})

describe('random', () => {
  it('spreads evenly at equal weights', () => {
    const counts = tally('random', backends({ a: 1, b: 1, c: 1, d: 1 }), 40_000)
    for (const count of Object.values(counts)) expect(count).toBeGreaterThan(9_600)
    for (const count of Object.values(counts)) expect(count).toBeLessThan(10_400)
  })

  it('follows the weights', () => {
    const counts = tally('random', backends({ a: 6, b: 3, c: 1 }), 50_000)
    expect(counts.a! / 50_000).toBeCloseTo(0.6, 1)
    expect(counts.b! / 50_000).toBeCloseTo(0.3, 1)
    expect(counts.c! / 50_000).toBeCloseTo(0.1, 1)
  })

  it('copes with a random source that returns its upper bound', () => {
    expect(selectBackend('random', backends({ a: 1, b: 1 }), context({ random: () => 1 }))).toBe('b')
  })
})

describe('least-outstanding (power of two choices)', () => {
  it('spreads evenly when every backend is idle', () => {
    const counts = tally('least-outstanding', backends({ a: 1, b: 1, c: 1 }), 30_000)
    for (const count of Object.values(counts)) expect(count).toBeGreaterThan(9_500)
    for (const count of Object.values(counts)) expect(count).toBeLessThan(10_500)
  })

  it('never picks the most loaded of three, since it always loses its pairing', () => {
    const counts = tally('least-outstanding', backends({ a: 1, b: 1, c: 1 }, { a: 10, b: 2, c: 3 }), 3_000)
    expect(counts.a).toBeUndefined()
    // b wins every pairing it is in (two of the three pairs) and c wins only against a.
    expect(counts.b! / 3_000).toBeCloseTo(2 / 3, 1)
  })

  it.each([
    // [weights, in flight, expected]: the lower inFlight / weight wins
    [{ a: 1, b: 1 }, { a: 5, b: 1 }, 'b'],
    [{ a: 1, b: 1 }, { a: 0, b: 1 }, 'a'],
    [{ a: 4, b: 1 }, { a: 3, b: 1 }, 'a'], // 3/4 < 1/1: the heavier backend holds more in flight
    [{ a: 1, b: 3 }, { a: 1, b: 1 }, 'b'], // at equal load the heavier backend wins
    [{ a: 1, b: 1 }, { a: 0, b: 0 }, undefined], // idle: a coin toss, see below
  ])('weights %o, in flight %o → %s', (weights, inFlight, expected) => {
    const counts = tally('least-outstanding', backends(weights, inFlight), 50)
    if (expected) expect(counts).toEqual({ [expected]: 50 })
    else expect(Object.keys(counts).sort()).toEqual(['a', 'b'])
  })

  it('when idle, follows the weights, so a backend in slow start gets its reduced share', () => {
    const candidates = [
      { id: 'warm', weight: 1, inFlight: 0 },
      { id: 'cold', weight: 1, effectiveWeight: 0.25, inFlight: 0 },
    ]
    const counts = tally('least-outstanding', candidates, 20_000)
    expect(counts.cold! / 20_000).toBeCloseTo(0.2, 1)
  })

  it('under load, settles in-flight counts in proportion to weight', () => {
    const candidates = backends({ big: 3, small: 1 })
    const inFlight: Record<string, number> = { big: 0, small: 0 }
    const ctx = context()
    for (let i = 0; i < 400; i++) {
      const id = selectBackend(
        'least-outstanding',
        candidates.map((c) => ({ ...c, inFlight: inFlight[c.id]! })),
        ctx,
      )!
      inFlight[id]! += 1
    }
    expect(inFlight).toEqual({ big: 300, small: 100 })
  })
})

describe('consistent-hash', () => {
  const five = backends({ a: 1, b: 1, c: 1, d: 1, e: 1 })

  it('sends a key to the same backend every time, whatever the load', () => {
    const first = selectBackend('consistent-hash', five, context({ key: '192.168.56.10' }))
    const loaded = five.map((c) => (c.id === first ? { ...c, inFlight: 100 } : c))
    for (let i = 0; i < 20; i++) {
      expect(selectBackend('consistent-hash', loaded, context({ key: '192.168.56.10' }))).toBe(first)
    }
  })

  it('spreads many keys roughly evenly', () => {
    const ring = buildHashRing(['a', 'b', 'c', 'd', 'e'], 160) // as the pool caches it
    const counts: Record<string, number> = {}
    for (let i = 0; i < 10_000; i++) {
      const id = selectBackend('consistent-hash', five, context({ ring, key: `10.0.${i >> 8}.${i & 255}` }))!
      counts[id] = (counts[id] ?? 0) + 1
    }
    for (const count of Object.values(counts)) expect(count).toBeGreaterThan(1_600)
    for (const count of Object.values(counts)) expect(count).toBeLessThan(2_400)
  })

  it('moves only the keys of a backend that leaves', () => {
    const without = five.filter((c) => c.id !== 'c')
    for (let i = 0; i < 500; i++) {
      const key = `client-${i}`
      const before = selectBackend('consistent-hash', five, context({ key }))
      const after = selectBackend('consistent-hash', without, context({ key }))
      if (before !== 'c') expect(after).toBe(before)
      else expect(after).not.toBe('c')
    }
  })

  it('with a ring over all members, skips candidates that are missing (ejected, excluded)', () => {
    const ring = buildHashRing(['a', 'b', 'c', 'd', 'e'], 160)
    const without = five.filter((c) => c.id !== 'c')
    for (let i = 0; i < 2_000; i++) {
      const key = `client-${i}`
      const before = selectBackend('consistent-hash', five, context({ ring, key }))
      const after = selectBackend('consistent-hash', without, context({ ring, key }))
      if (before !== 'c') expect(after).toBe(before)
      else expect(after).not.toBe('c')
    }
  })

  it('falls back to least outstanding without a key', () => {
    expect(tally('consistent-hash', backends({ a: 1, b: 1 }, { a: 3, b: 0 }), 20)).toEqual({ b: 20 })
  })
})
