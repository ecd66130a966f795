// Consistent hashing on a ring with virtual nodes: a key (e.g. client IP) keeps its backend while the
// backend stays, and when one leaves only that backend's keys move, spread over the others.

export interface HashRing {
  /** Ring positions, ascending. */
  readonly points: readonly number[]
  /** owners[i] is the backend id at points[i]. */
  readonly owners: readonly string[]
}

/** 32-bit FNV-1a with murmur3's finalizer; FNV alone clusters similar strings such as "vm-1#0", "vm-1#1". */
export function hash32(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return hash >>> 0
}

export function buildHashRing(ids: Iterable<string>, virtualNodes: number): HashRing {
  const entries: { point: number; owner: string }[] = []
  for (const id of ids) {
    for (let i = 0; i < virtualNodes; i++) entries.push({ point: hash32(`${id}#${i}`), owner: id })
  }
  // Ties broken by id, so the ring does not depend on the order backends were added in.
  entries.sort((a, b) => a.point - b.point || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0))
  return { points: entries.map((e) => e.point), owners: entries.map((e) => e.owner) }
}

/**
 * The first available backend clockwise from the key. Skipping unavailable owners gives the same answer
 * as a ring rebuilt without them, so ejection and retries keep every other key where it was.
 */
export function findOnRing(
  ring: HashRing,
  key: string,
  isAvailable: (id: string) => boolean,
): string | undefined {
  const { points, owners } = ring
  if (points.length === 0) return undefined
  const start = firstPointAtOrAfter(points, hash32(key))
  for (let step = 0; step < points.length; step++) {
    const owner = owners[(start + step) % points.length]!
    if (isAvailable(owner)) return owner
  }
  return undefined
}

function firstPointAtOrAfter(points: readonly number[], hash: number): number {
  let low = 0
  let high = points.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (points[mid]! < hash) low = mid + 1
    else high = mid
  }
  return low // may be points.length: wraps to 0 in the caller
}
