import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MovedDeadline } from './moved-deadline'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('MovedDeadline', () => {
  it('expires once, at the latest deadline it was moved to, with its kind', () => {
    const expired: string[] = []
    const deadline = new MovedDeadline<'head' | 'idle'>((kind) => expired.push(kind))
    deadline.arm('head', 100)
    vi.advanceTimersByTime(50)
    deadline.arm('idle', 200)
    vi.advanceTimersByTime(150)
    expect(expired).toEqual([])
    expect(deadline.current).toBe('idle')
    vi.advanceTimersByTime(60)
    expect(expired).toEqual(['idle'])
    expect(deadline.current).toBeUndefined()
    vi.advanceTimersByTime(1000)
    expect(expired).toEqual(['idle'])
  })

  it('moves an earlier deadline in, and never expires once cleared or stopped', () => {
    const expired: string[] = []
    const deadline = new MovedDeadline<'head' | 'idle'>((kind) => expired.push(kind))
    deadline.arm('idle', 5000)
    deadline.arm('head', 100)
    vi.advanceTimersByTime(110)
    expect(expired).toEqual(['head'])
    deadline.arm('idle', 100)
    deadline.clear()
    vi.advanceTimersByTime(200)
    deadline.arm('idle', 100)
    deadline.stop()
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(200)
    expect(expired).toEqual(['head'])
  })
})
