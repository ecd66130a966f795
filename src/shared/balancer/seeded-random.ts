// A small seeded PRNG, so that tests, benchmarks and the traffic generator can replay a run exactly.

/** mulberry32: 32 bits of state, uniform in [0, 1); good enough for load balancing, not for secrets. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
