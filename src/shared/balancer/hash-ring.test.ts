import { describe, expect, it } from 'vitest'
import { buildHashRing, findOnRing, hash32 } from './hash-ring'

const anyone = () => true
const keys = Array.from({ length: 20_000 }, (_, i) => `172.16.${i >> 8}.${i & 255}`)

function owners(ids: string[], virtualNodes = 160): Map<string, string> {
  const ring = buildHashRing(ids, virtualNodes)
  return new Map(keys.map((key) => [key, findOnRing(ring, key, anyone)!]))
}

describe('hash32', () => {
  it('is a stable unsigned 32-bit hash', () => {
    expect(hash32('vm-1')).toBe(hash32('vm-1'))
    expect(hash32('vm-1')).not.toBe(hash32('vm-2'))
    expect(hash32('')).toBeGreaterThanOrEqual(0)
    expect(hash32('a much longer key with ünïcode')).toBeLessThan(2 ** 32)
  })
})

describe('hash ring', () => {
  it('is empty without backends', () => {
    expect(findOnRing(buildHashRing([], 160), 'key', anyone)).toBeUndefined()
  })

  it('does not depend on the order backends were added in', () => {
    expect(buildHashRing(['a', 'b', 'c'], 50)).toEqual(buildHashRing(['c', 'a', 'b'], 50))
  })

  it('gives each of five backends 20 % ± 4 % of the keys', () => {
    const counts = new Map<string, number>()
    for (const owner of owners(['vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5']).values()) {
      counts.set(owner, (counts.get(owner) ?? 0) + 1)
    }
    for (const count of counts.values()) expect(Math.abs(count / keys.length - 0.2)).toBeLessThan(0.04)
  })

  it('when a backend leaves, moves only its keys and spreads them over the others', () => {
    const before = owners(['a', 'b', 'c', 'd', 'e'])
    const after = owners(['a', 'b', 'd', 'e'])
    const receivers = new Set<string>()
    let moved = 0
    for (const key of keys) {
      if (before.get(key) === after.get(key)) continue
      moved += 1
      expect(before.get(key)).toBe('c')
      receivers.add(after.get(key)!)
    }
    expect(moved).toBe([...before.values()].filter((owner) => owner === 'c').length)
    expect(receivers).toEqual(new Set(['a', 'b', 'd', 'e']))
  })

  it('when a backend joins, moves about 1/(n+1) of the keys, all to it', () => {
    const before = owners(['a', 'b', 'c', 'd'])
    const after = owners(['a', 'b', 'c', 'd', 'e'])
    const moved = keys.filter((key) => before.get(key) !== after.get(key))
    for (const key of moved) expect(after.get(key)).toBe('e')
    expect(Math.abs(moved.length / keys.length - 1 / 5)).toBeLessThan(0.04)
  })

  it('skipping an unavailable owner matches a ring built without it', () => {
    const full = buildHashRing(['a', 'b', 'c'], 160)
    const withoutB = buildHashRing(['a', 'c'], 160)
    for (const key of keys.slice(0, 2_000)) {
      expect(findOnRing(full, key, (id) => id !== 'b')).toBe(findOnRing(withoutB, key, anyone))
    }
  })

  it('finds nobody when every owner is unavailable', () => {
    expect(findOnRing(buildHashRing(['a', 'b'], 10), 'key', () => false)).toBeUndefined()
  })
})
