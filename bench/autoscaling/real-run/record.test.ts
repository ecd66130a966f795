import { describe, expect, it } from 'vitest'
import { scoreRun } from '../scores'
import { replayedRequests, runRecord } from './record'

describe('replayedRequests', () => {
  it('pairs the k-th request with the k-th scheduled time and scales latency by F', () => {
    // The schedule began at client time 1000 ms; the second request left 3 ms late.
    const tapped = [
      { createdMs: 1000, doneMs: 1020, status: 200 },
      { createdMs: 1103, doneMs: 1150, status: 200 },
      { createdMs: 1200, doneMs: 1201, status: 503 },
      { createdMs: 1300, error: 'ECONNRESET' },
    ]
    const { samples, scheduleStartMs, unsent } = replayedRequests(tapped, [0, 100, 200, 300, 400], 10, 0.5)
    expect(scheduleStartMs).toBe(1000)
    expect(unsent).toBe(1)
    // Latency counts from the intended time, so the late departure is part of it.
    expect(samples).toEqual([
      { sentAt: -0.5, latencyMs: 200 },
      { sentAt: 0.5, latencyMs: 500 },
      { sentAt: 1.5, latencyMs: null },
      { sentAt: 2.5, latencyMs: null },
      { sentAt: 3.5, latencyMs: null },
    ])
  })
})

describe('runRecord', () => {
  const samples = [
    { sentAt: -1, latencyMs: 10 },
    { sentAt: 0.2, latencyMs: 100 },
    { sentAt: 0.7, latencyMs: 900 },
    { sentAt: 1.5, latencyMs: null },
    { sentAt: 2.5, latencyMs: 50 },
  ]
  const timeline = {
    lives: [
      { createdAt: -50, servingAt: -40 },
      { createdAt: 0.5, servingAt: 1.5, removedAt: 2.5 },
    ],
    changes: [
      { at: 0.5, from: 1, to: 2, reason: 'up' },
      { at: 2.5, from: 2, to: 1, reason: 'down' },
    ],
  }
  const record = runRecord('ours', 4, samples, timeline, 500)

  it('counts requests by the trace second they were sent in, leaving the warm-up out', () => {
    expect([...record.sent]).toEqual([2, 1, 1, 0])
    expect([...record.slow]).toEqual([1, 0, 0, 0])
    expect([...record.failed]).toEqual([0, 1, 0, 0])
  })

  it('counts the replicas serving at the end of each second', () => {
    expect([...record.serving]).toEqual([1, 2, 1, 1])
  })

  it('is scored by the simulation’s own code', () => {
    const scores = scoreRun(record, Uint16Array.from([1, 2, 1, 1]), { at: 0, needs: 2 })
    expect(scores).toMatchObject({
      reactionSeconds: 1.5,
      violationSeconds: 2,
      failedRequests: 1,
      containerSeconds: 6,
      flaps: 1,
      replicasStarted: 1,
    })
  })
})
