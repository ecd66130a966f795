import { describe, expect, it } from 'vitest'
import {
  containerSeconds,
  countFlaps,
  reactionSeconds,
  recoverySeconds,
  violates,
  violatingSeconds,
} from './scores'

const changes = (...steps: [at: number, from: number, to: number][]) =>
  steps.map(([at, from, to]) => ({ at, from, to }))

describe('countFlaps', () => {
  it.each([
    { name: 'no changes', changes: changes(), flaps: 0 },
    { name: 'up, up, up', changes: changes([0, 1, 2], [10, 2, 4], [20, 4, 5]), flaps: 0 },
    { name: 'up then down within 60 s', changes: changes([0, 1, 2], [60, 2, 1]), flaps: 1 },
    { name: 'up then down after 61 s', changes: changes([0, 1, 2], [61, 2, 1]), flaps: 0 },
    { name: 'down then up within 60 s', changes: changes([0, 4, 3], [30, 3, 4]), flaps: 1 },
    {
      name: 'only the last change before a reversal counts',
      changes: changes([0, 1, 2], [50, 2, 3], [100, 3, 2]),
      flaps: 1,
    },
    {
      name: 'steps down in a row are one direction',
      changes: changes([0, 8, 6], [10, 6, 4], [20, 4, 3]),
      flaps: 0,
    },
    {
      name: 'a see-saw reverses every time',
      changes: changes([0, 2, 3], [20, 3, 2], [40, 2, 3], [60, 3, 2]),
      flaps: 3,
    },
  ])('$name: $flaps', ({ changes, flaps }) => {
    expect(countFlaps(changes)).toBe(flaps)
  })

  it('tells a scale-down undone from a scale-up undone', () => {
    const seesaw = changes([0, 2, 3], [20, 3, 2], [40, 2, 3], [60, 3, 2])
    expect(countFlaps(seesaw, 60, 'down-up')).toBe(1)
    expect(countFlaps(seesaw, 60, 'up-down')).toBe(2)
  })
})

describe('reactionSeconds', () => {
  const lives = [
    { createdAt: -300, servingAt: -300 }, // an initial replica
    { createdAt: 50, servingAt: 51.5, removedAt: 200 }, // started before the step: not a reaction
    { createdAt: 66, servingAt: 67.5, removedAt: 67 }, // cancelled while starting
    { createdAt: 70, servingAt: 71.5 },
    { createdAt: 68, servingAt: 69.5 },
  ]

  it('measures from the step to the first replica created after it serving', () => {
    expect(reactionSeconds(lives, { at: 60, needs: 4 }, 2)).toBe(9.5)
  })

  it('is 0 when enough replicas already served as the step came', () => {
    expect(reactionSeconds(lives, { at: 60, needs: 2 }, 2)).toBe(0)
  })

  it('is null when no new replica ever served', () => {
    expect(reactionSeconds(lives, { at: 100, needs: 4 }, 2)).toBeNull()
  })
})

describe('the SLO per second', () => {
  it.each([
    { sent: 0, slow: 0, failed: 0, violates: false },
    { sent: 100, slow: 5, failed: 0, violates: false }, // the p95 is the 95th: within
    { sent: 100, slow: 6, failed: 0, violates: true },
    { sent: 10, slow: 0, failed: 1, violates: true }, // any failure
    { sent: 1, slow: 1, failed: 0, violates: true },
    { sent: 19, slow: 1, failed: 0, violates: true }, // nearest rank: the 19th of 19
  ])('$sent sent, $slow slow, $failed failed → $violates', ({ sent, slow, failed, violates: expected }) => {
    expect(violates(sent, slow, failed)).toBe(expected)
  })

  it('recovers at the first of 10 straight good seconds after the step', () => {
    const bad = new Set([62, 63, 64, 70, 75])
    const violating = Array.from({ length: 120 }, (_, s) => bad.has(s))
    expect(recoverySeconds(violating, 60)).toBe(16)
    expect(recoverySeconds(violating, 100)).toBe(0)
    expect(recoverySeconds(Array(100).fill(true), 10)).toBeNull()
  })

  it('reads the record second by second', () => {
    const record = {
      sent: Uint32Array.from([10, 10, 0]),
      slow: Uint32Array.from([0, 10, 0]),
      failed: Uint32Array.from([0, 0, 0]),
    }
    expect(violatingSeconds(record)).toEqual([false, true, false])
  })
})

describe('containerSeconds', () => {
  it('counts every life within the trace, starting and draining included', () => {
    const lives = [
      { createdAt: -300, servingAt: -300 },
      { createdAt: 10, servingAt: 11.5, removedAt: 40.25 },
      { createdAt: 90, servingAt: 91.5, removedAt: 130 },
    ]
    expect(containerSeconds(lives, 100)).toBe(100 + 30.25 + 10)
  })
})
