import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket'

function takes(bucket: TokenBucket, count: number, now: number): number {
  let granted = 0
  for (let i = 0; i < count; i++) if (bucket.take(now)) granted++
  return granted
}

describe('TokenBucket', () => {
  it('allows a full burst at once, then nothing until it refills', () => {
    const bucket = new TokenBucket(50, 20, 0)
    expect(takes(bucket, 60, 0)).toBe(50)
    expect(bucket.take(0)).toBe(false)
    expect(bucket.take(49)).toBe(false)
    expect(bucket.take(50)).toBe(true)
  })

  it('sustains exactly its rate', () => {
    const bucket = new TokenBucket(50, 20, 0)
    takes(bucket, 50, 0)
    let granted = 0
    for (let ms = 10; ms <= 10_000; ms += 10) granted += takes(bucket, 1, ms)
    expect(granted).toBe(200)
  })

  it('never holds more than its capacity after a long pause', () => {
    const bucket = new TokenBucket(5, 20, 0)
    expect(takes(bucket, 10, 3_600_000)).toBe(5)
  })

  it('survives a clock that steps backwards', () => {
    const bucket = new TokenBucket(2, 1, 10_000)
    expect(takes(bucket, 3, 10_000)).toBe(2)
    expect(bucket.take(0)).toBe(false)
    expect(bucket.take(11_000)).toBe(true)
  })
})
