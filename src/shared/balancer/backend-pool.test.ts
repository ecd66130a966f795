import { describe, expect, it } from 'vitest'
import { BackendPool, type RequestOutcome } from './backend-pool'
import type { BalancerSettingsInput } from './balancer-settings'
import { mulberry32 } from './seeded-random'

/** A pool on a fake clock that starts at 0 and moves only when told to. */
function fakePool(ids: string[], settings: BalancerSettingsInput = {}) {
  let time = 0
  const pool = new BackendPool({ now: () => time, random: mulberry32(7), settings })
  for (const id of ids) pool.setBackend({ id, weight: 1 })
  return {
    pool,
    advanceTo: (ms: number) => {
      time = ms
    },
    get now() {
      return time
    },
  }
}

/** Sends one request to `id` (by excluding every other backend) and ends it with `outcome`. */
function request(pool: BackendPool, id: string, outcome: RequestOutcome) {
  const others = new Set(pool.snapshot().flatMap((b) => (b.id === id ? [] : [b.id])))
  expect(pool.pick(undefined, { exclude: others })).toBe(id)
  pool.release(id, outcome)
}

function failTimes(pool: BackendPool, id: string, times: number, outcome: RequestOutcome = 'error') {
  for (let i = 0; i < times; i++) request(pool, id, outcome)
}

function stats(pool: BackendPool, id: string) {
  return pool.snapshot().find((b) => b.id === id)!
}

function picks(pool: BackendPool, count: number, key?: string): Set<string | undefined> {
  const chosen = new Set<string | undefined>()
  for (let i = 0; i < count; i++) {
    const id = pool.pick(key)
    chosen.add(id)
    if (id) pool.release(id, 'ok')
  }
  return chosen
}

describe('BackendPool membership and in-flight counts', () => {
  it('an empty pool picks nobody', () => {
    const { pool } = fakePool([])
    expect(pool.pick()).toBeUndefined()
    expect(pool.pick('10.0.0.1')).toBeUndefined()
  })

  it('counts a pick in flight until it is released', () => {
    const { pool } = fakePool(['a'])
    expect(pool.pick()).toBe('a')
    expect(pool.pick()).toBe('a')
    expect(stats(pool, 'a')).toMatchObject({ inFlight: 2, requests: 2 })
    pool.release('a', 'ok')
    pool.release('a', 'ok')
    pool.release('a', 'ok') // one release too many must not go negative
    expect(stats(pool, 'a')).toMatchObject({ inFlight: 0, requests: 2, failures: 0 })
  })

  it('knows when a backend last answered; a client that left or a failure is no answer', () => {
    const { pool, advanceTo } = fakePool(['a', 'b'])
    expect(pool.answeredSince('a', 0)).toBe(false)
    advanceTo(1000)
    request(pool, 'a', 'ok')
    advanceTo(2000)
    request(pool, 'a', 'abandoned')
    request(pool, 'a', 'error')
    request(pool, 'a', 'connect-failed')
    expect(pool.answeredSince('a', 1000)).toBe(true)
    expect(pool.answeredSince('a', 1001)).toBe(false)
    expect(pool.answeredSince('b', 0)).toBe(false)
    expect(pool.answeredSince('gone', 0)).toBe(false)
    // A client that left neither counts as a failure nor forgives one.
    expect(stats(pool, 'a')).toMatchObject({ inFlight: 0, failures: 2, consecutiveFailures: 2 })
  })

  it('ignores releases for a backend removed meanwhile', () => {
    const { pool } = fakePool(['a', 'b'])
    const id = pool.pick()!
    expect(pool.removeBackend(id)).toBe(true)
    expect(() => pool.release(id, 'error')).not.toThrow()
    expect(pool.removeBackend(id)).toBe(false)
  })

  it('retries on another backend with exclude, and finds none once all were tried', () => {
    const { pool } = fakePool(['a', 'b', 'c'])
    const tried = new Set<string>()
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = pool.pick(undefined, { exclude: tried })!
      expect(tried.has(id)).toBe(false)
      tried.add(id)
    }
    expect(pool.pick(undefined, { exclude: tried })).toBeUndefined()
  })

  it('drains a backend set to weight 0 and updates weights in place', () => {
    const { pool, advanceTo } = fakePool(['a', 'b'])
    advanceTo(60_000)
    pool.setBackend({ id: 'b', weight: 0 })
    expect(picks(pool, 50)).toEqual(new Set(['a']))
    pool.setBackend({ id: 'a', weight: 0 })
    expect(pool.pick()).toBeUndefined()
    pool.setBackend({ id: 'b', weight: 2 })
    expect(stats(pool, 'b')).toMatchObject({ weight: 2, effectiveWeight: 2, state: 'ready' })
  })

  it('rejects a weight no balancer can use', () => {
    const { pool } = fakePool([])
    expect(() => pool.setBackend({ id: 'a', weight: -1 })).toThrow(/Backend a: weight/)
    expect(() => pool.setBackend({ id: 'a', weight: Number.NaN })).toThrow(RangeError)
  })

  it('syncs to a list of backends: adds, updates, removes', () => {
    const { pool } = fakePool(['a', 'b'])
    pool.syncBackends([
      { id: 'b', weight: 3 },
      { id: 'c', weight: 1 },
    ])
    expect(pool.snapshot().map((b) => [b.id, b.weight])).toEqual([
      ['b', 3],
      ['c', 1],
    ])
  })

  it('reports every stat the UI shows', () => {
    const { pool } = fakePool(['a'])
    pool.pick()
    expect(pool.snapshot()).toEqual([
      {
        id: 'a',
        state: 'warming',
        weight: 1,
        effectiveWeight: 0.1,
        inFlight: 1,
        requests: 1,
        failures: 0,
        consecutiveFailures: 0,
        ejections: 0,
        ejectedUntil: null,
        unhealthyReason: null,
      },
    ])
  })
})

describe('BackendPool passive ejection', () => {
  it('ejects after three failures in a row for 5 s, then takes the backend back', () => {
    const { pool, advanceTo } = fakePool(['a', 'b', 'c'])
    advanceTo(1_000)
    failTimes(pool, 'a', 3)
    expect(stats(pool, 'a')).toMatchObject({
      state: 'ejected',
      ejectedUntil: 6_000,
      failures: 3,
      ejections: 1,
    })
    expect(picks(pool, 100).has('a')).toBe(false)
    advanceTo(5_999)
    expect(picks(pool, 100).has('a')).toBe(false)
    advanceTo(6_000)
    expect(stats(pool, 'a')).toMatchObject({ state: 'warming', ejectedUntil: null, consecutiveFailures: 0 })
    expect(picks(pool, 100).has('a')).toBe(true)
  })

  it('counts refused connections as failures', () => {
    const { pool } = fakePool(['a', 'b'])
    failTimes(pool, 'a', 3, 'connect-failed')
    expect(stats(pool, 'a').state).toBe('ejected')
  })

  it('forgives failures that a success interrupts', () => {
    const { pool } = fakePool(['a', 'b'])
    failTimes(pool, 'a', 2)
    request(pool, 'a', 'ok')
    failTimes(pool, 'a', 2)
    expect(stats(pool, 'a')).toMatchObject({ state: 'warming', failures: 4, consecutiveFailures: 2 })
  })

  it('doubles the ejection each time in a row, up to 60 s', () => {
    const clock = fakePool(['a', 'b'])
    const durations: number[] = []
    for (let round = 0; round < 6; round++) {
      failTimes(clock.pool, 'a', 3)
      const ejectedUntil = stats(clock.pool, 'a').ejectedUntil!
      durations.push(ejectedUntil - clock.now)
      clock.advanceTo(ejectedUntil)
    }
    expect(durations).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000])
  })

  it('starts the backoff afresh after a backend has served well for 60 s', () => {
    const { pool, advanceTo } = fakePool(['a', 'b'])
    failTimes(pool, 'a', 3)
    advanceTo(5_000)
    failTimes(pool, 'a', 3)
    expect(stats(pool, 'a').ejectedUntil).toBe(15_000)
    advanceTo(15_000 + 59_999)
    failTimes(pool, 'a', 3)
    expect(stats(pool, 'a').ejectedUntil).toBe(74_999 + 20_000) // still in a row
    advanceTo(94_999 + 60_000)
    failTimes(pool, 'a', 3)
    expect(stats(pool, 'a').ejectedUntil).toBe(154_999 + 5_000)
  })

  it('does not extend an ejection with failures of requests still in flight', () => {
    const { pool } = fakePool(['a', 'b'])
    const late = pool.pick(undefined, { exclude: new Set(['b']) })!
    failTimes(pool, 'a', 3)
    pool.release(late, 'error')
    expect(stats(pool, 'a')).toMatchObject({ ejectedUntil: 5_000, ejections: 1, failures: 4 })
  })

  it('never ejects the last backend', () => {
    const { pool } = fakePool(['only'])
    failTimes(pool, 'only', 10)
    expect(stats(pool, 'only').state).not.toBe('ejected')
    expect(pool.ejectBackend('only')).toBe(false)
    expect(pool.pick()).toBe('only')
  })

  it('keeps at least half in service by default, and ejects more once others return', () => {
    const { pool, advanceTo } = fakePool(['a', 'b', 'c', 'd'])
    failTimes(pool, 'a', 3)
    failTimes(pool, 'b', 3)
    failTimes(pool, 'c', 5)
    expect(pool.snapshot().map((b) => b.state === 'ejected')).toEqual([true, true, false, false])
    advanceTo(5_000)
    failTimes(pool, 'c', 1) // a and b are back, so c's next failure in a row ejects it
    expect(stats(pool, 'c')).toMatchObject({ state: 'ejected', ejectedUntil: 10_000 })
  })

  it('follows a stricter max-ejection percentage, always allowing one', () => {
    const { pool } = fakePool(['a', 'b', 'c', 'd'], { maxEjectionPercent: 10 })
    failTimes(pool, 'a', 3)
    failTimes(pool, 'b', 3)
    expect(
      pool
        .snapshot()
        .filter((b) => b.state === 'ejected')
        .map((b) => b.id),
    ).toEqual(['a'])
  })

  it('returns an ejected backend to service when the backends in service are removed', () => {
    const { pool, advanceTo } = fakePool(['a', 'b', 'c'])
    failTimes(pool, 'a', 3)
    advanceTo(2_000)
    pool.removeBackend('b')
    pool.removeBackend('c')
    expect(stats(pool, 'a')).toMatchObject({ state: 'warming', ejectedUntil: null })
    expect(pool.pick()).toBe('a')
  })
})

describe('BackendPool slow start', () => {
  it('ramps a new backend linearly from 10 % to its full weight over 10 s', () => {
    const { pool, advanceTo } = fakePool([])
    pool.setBackend({ id: 'a', weight: 4 })
    const ramp = [0, 2_500, 5_000, 10_000].map((ms) => {
      advanceTo(ms)
      return [stats(pool, 'a').state, stats(pool, 'a').effectiveWeight]
    })
    expect(ramp).toEqual([
      ['warming', 0.4],
      ['warming', 1.3],
      ['warming', 2.2],
      ['ready', 4],
    ])
  })

  it('ramps again from the moment an ejection ended, however late the pool is asked', () => {
    const { pool, advanceTo } = fakePool(['a', 'b'])
    advanceTo(20_000)
    failTimes(pool, 'a', 3)
    expect(stats(pool, 'a').effectiveWeight).toBe(0)
    advanceTo(30_000) // ejection ended at 25 s: half way through the ramp
    expect(stats(pool, 'a')).toMatchObject({ state: 'warming', effectiveWeight: 0.55 })
  })

  it('sends a warming backend a share in proportion to its effective weight', () => {
    const { pool, advanceTo } = fakePool(['warm'], { algorithm: 'weighted' })
    advanceTo(60_000)
    pool.setBackend({ id: 'cold', weight: 1 }) // effective weight 0.1: 1 request in 11
    const counts = { warm: 0, cold: 0 }
    for (let i = 0; i < 1_100; i++) counts[pool.pick() as 'warm' | 'cold'] += 1
    expect(counts).toEqual({ warm: 1_000, cold: 100 })
  })

  it('can be turned off', () => {
    const { pool } = fakePool(['a'], { slowStartMs: 0 })
    expect(stats(pool, 'a')).toMatchObject({ state: 'ready', effectiveWeight: 1 })
  })
})

describe('BackendPool algorithms', () => {
  it('least outstanding (default) steers away from a backend that holds its requests', () => {
    const { pool, advanceTo } = fakePool(['fast-1', 'fast-2', 'stuck'])
    advanceTo(60_000)
    expect(pool.settings.algorithm).toBe('least-outstanding')
    const counts: Record<string, number> = {}
    for (let i = 0; i < 3_000; i++) {
      const id = pool.pick()!
      counts[id] = (counts[id] ?? 0) + 1
      if (id !== 'stuck') pool.release(id, 'ok') // the stuck backend never answers
    }
    expect(counts.stuck).toBeLessThan(10)
    expect(stats(pool, 'stuck').inFlight).toBe(counts.stuck)
  })

  it('round robin rotates over the backends in service', () => {
    const { pool } = fakePool(['a', 'b', 'c'], { algorithm: 'round-robin' })
    const order = Array.from({ length: 6 }, () => pool.pick())
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c'])
  })

  it('weighted keeps exact proportions by weight', () => {
    const { pool, advanceTo } = fakePool([], { algorithm: 'weighted' })
    pool.setBackend({ id: 'a', weight: 5 })
    pool.setBackend({ id: 'b', weight: 1 })
    pool.setBackend({ id: 'c', weight: 1 })
    advanceTo(10_000)
    expect(Array.from({ length: 7 }, () => pool.pick()).join(' ')).toBe('a a b a c a a')
  })

  it('consistent hash keeps a client on its backend while it is in service', () => {
    const { pool } = fakePool(['a', 'b', 'c', 'd'], { algorithm: 'consistent-hash' })
    const clients = Array.from({ length: 200 }, (_, i) => `10.1.0.${i}`)
    const home = new Map(clients.map((ip) => [ip, picks(pool, 1, ip)]))
    for (const ip of clients) expect(picks(pool, 5, ip)).toEqual(home.get(ip))

    const [victim] = [...home.get(clients[0]!)!] as [string]
    failTimes(pool, victim, 3)
    for (const ip of clients) {
      const now = picks(pool, 1, ip)
      if (home.get(ip)!.has(victim)) expect(now.has(victim)).toBe(false)
      else expect(now).toEqual(home.get(ip))
    }
  })

  it('consistent hash retries on the next backend on the ring, the same one every time', () => {
    const { pool } = fakePool(['a', 'b', 'c', 'd'], { algorithm: 'consistent-hash' })
    const first = pool.pick('10.9.9.9')!
    const retry = pool.pick('10.9.9.9', { exclude: new Set([first]) })
    expect(retry).not.toBe(first)
    expect(pool.pick('10.9.9.9', { exclude: new Set([first]) })).toBe(retry)
  })

  it('applies new settings without forgetting what it learned', () => {
    const { pool } = fakePool(['a', 'b'])
    failTimes(pool, 'a', 3)
    pool.applySettings({ algorithm: 'round-robin', hashRingVirtualNodes: 40 })
    expect(pool.settings.algorithm).toBe('round-robin')
    expect(stats(pool, 'a').state).toBe('ejected')
    expect(() => pool.applySettings({ consecutiveFailures: 0 })).toThrow()
  })
})

describe('BackendPool health state (active checks)', () => {
  it('sends no new request to an unhealthy backend and says why in the snapshot', () => {
    const { pool } = fakePool(['a', 'b'])
    pool.setHealth('a', false, 'GET /healthz timed out after 1 s')
    expect(picks(pool, 50)).toEqual(new Set(['b']))
    expect(stats(pool, 'a')).toMatchObject({
      state: 'unhealthy',
      effectiveWeight: 0,
      unhealthyReason: 'GET /healthz timed out after 1 s',
    })
    expect(stats(pool, 'b').unhealthyReason).toBeNull()
  })

  it('takes out a lone backend too: a dead backend is dead, whatever maxEjectionPercent says', () => {
    const { pool } = fakePool(['a'], { maxEjectionPercent: 0 })
    pool.setHealth('a', false, 'GET /healthz: connection refused')
    expect(pool.pick()).toBeUndefined()
  })

  it('comes back healthy with a fresh slow start', () => {
    const { pool, advanceTo } = fakePool(['a', 'b'], { slowStartMs: 10_000, slowStartMinFraction: 0.1 })
    advanceTo(60_000)
    pool.setHealth('a', false, 'GET /healthz answered 500')
    advanceTo(70_000)
    pool.setHealth('a', true)
    expect(stats(pool, 'a')).toMatchObject({ state: 'warming', unhealthyReason: null })
    expect(stats(pool, 'a').effectiveWeight).toBeCloseTo(0.1)
    advanceTo(80_000)
    expect(stats(pool, 'a')).toMatchObject({ state: 'ready', effectiveWeight: 1 })
  })

  it('tells the down listeners once per fall, with the reason, and not after unsubscribing', () => {
    const { pool } = fakePool(['a', 'b'])
    const heard: string[] = []
    const unsubscribe = pool.onBackendDown((id, reason) => heard.push(`${id}: ${reason}`))
    pool.setHealth('a', false, 'GET /healthz timed out after 1 s')
    pool.setHealth('a', false, 'GET /healthz timed out after 1 s')
    pool.setHealth('a', true)
    pool.setHealth('b', true)
    expect(heard).toEqual(['a: GET /healthz timed out after 1 s'])
    unsubscribe()
    pool.setHealth('b', false, 'GET /healthz answered 503')
    expect(heard).toHaveLength(1)
  })

  it('tells the down listeners of a backend that leaves with requests in flight, and only then', () => {
    const { pool } = fakePool(['a', 'b'])
    const heard: string[] = []
    pool.onBackendDown((id, reason) => heard.push(`${id}: ${reason}`))
    pool.removeBackend('b')
    expect(pool.pick()).toBe('a')
    pool.removeBackend('a')
    expect(heard).toEqual(['a: it left the rotation'])
  })

  it('ignores backends it does not hold', () => {
    const { pool } = fakePool(['a'])
    expect(() => pool.setHealth('gone', false, 'x')).not.toThrow()
    expect(pool.snapshot().map((b) => b.id)).toEqual(['a'])
  })

  it('does not count unhealthy backends as the one the ejection guard keeps in service', () => {
    // With b unhealthy, a is the only backend left that can serve: failures must not eject it.
    const { pool } = fakePool(['a', 'b'], { consecutiveFailures: 1 })
    pool.setHealth('b', false, 'GET /healthz answered 500')
    failTimes(pool, 'a', 3)
    expect(stats(pool, 'a').state).not.toBe('ejected')
    expect(pool.pick()).toBe('a')
  })

  it('brings an ejected backend back when the last healthy one falls', () => {
    const { pool } = fakePool(['a', 'b', 'c'], { consecutiveFailures: 1, maxEjectionPercent: 50 })
    failTimes(pool, 'a', 1)
    expect(stats(pool, 'a').state).toBe('ejected')
    pool.setHealth('b', false, 'GET /healthz answered 500')
    pool.setHealth('c', false, 'GET /healthz answered 500')
    expect(pool.pick()).toBe('a')
  })
})
