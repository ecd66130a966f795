import { describe, expect, it } from 'vitest'
import { FULL_WINDOW_GRACE_MS } from '../src/shared/policy/utilization-window'
import { evaluationDue, windowGraceMs } from './loop-timing'

/** Evaluation times over `seconds` for rounds every `loopMs`, each up to `jitterMs` late. */
function evaluations(intervalSeconds: number, loopMs: number, seconds: number, jitterMs = 0): number[] {
  const at: number[] = []
  let last = Number.NEGATIVE_INFINITY
  for (let round = 1; round * loopMs <= seconds * 1000; round++) {
    const now = round * loopMs + (round % 3 === 0 ? jitterMs : 0)
    if (evaluationDue(now, last, intervalSeconds, loopMs)) {
      at.push(now)
      last = now
    }
  }
  return at
}

describe('evaluationDue', () => {
  it('evaluates every 15 s on 1 s rounds, as before', () => {
    expect(evaluations(15, 1000, 60)).toEqual([1000, 16_000, 31_000, 46_000])
  })

  it('keeps a compressed 1.5 s interval on 100 ms rounds, despite late rounds', () => {
    const at = evaluations(1.5, 100, 6, 20)
    expect(at).toHaveLength(4)
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1450)
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeLessThanOrEqual(1550)
  })

  it('evaluates every round when the interval is one round', () => {
    expect(evaluations(0.1, 100, 1)).toHaveLength(10)
    expect(evaluations(1, 1000, 5)).toHaveLength(5)
  })
})

describe('windowGraceMs', () => {
  it("is the shared window's grace at the default 1 s rounds", () => {
    expect(windowGraceMs(1000)).toBe(FULL_WINDOW_GRACE_MS)
    expect(windowGraceMs(100)).toBe(150)
  })
})
