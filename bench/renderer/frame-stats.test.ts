// What one measured window becomes in the benchmark table: frame rate over the frames' own span, frame
// intervals, long tasks, where long frames' time went, and the snapshot timings.
import { describe, expect, it } from 'vitest'
import { frameTable, type ProbeRecord, summarizeWindow } from './frame-stats'

const record = (overrides: Partial<ProbeRecord> = {}): ProbeRecord => ({
  durationMs: 2000,
  frames: [],
  longTasks: [],
  animationFrames: [],
  toCommit: [],
  toFrame: [],
  snapshots: 0,
  withoutCommit: 0,
  ...overrides,
})

describe('summarizeWindow', () => {
  it('counts frames over the span they cover and spreads their intervals', () => {
    // 60 frames 1000/60 ms apart, then one that took 100 ms.
    const frames = Array.from({ length: 60 }, (_, i) => 1000 + (i * 1000) / 60)
    frames.push(frames.at(-1)! + 100)
    const w = summarizeWindow('Opening view', { nodes: 57, zoom: 0.5 }, record({ frames }))
    expect(w.fps).toBeCloseTo(60 / ((59 * 1000) / 60 + 100) / 0.001, 5)
    expect(w.frameIntervalMs.samples).toBe(60)
    expect(w.frameIntervalMs.p50).toBeCloseTo(16.67, 2)
    expect(w.frameIntervalMs.max).toBeCloseTo(100, 5)
    expect(w).toMatchObject({ view: 'Opening view', mounted: { nodes: 57, zoom: 0.5 }, seconds: 2 })
  })

  it('adds up long tasks and splits long frames into script, style and layout, and the rest', () => {
    const w = summarizeWindow(
      'Fit View',
      { nodes: 551, zoom: 0.07 },
      record({
        longTasks: [60, 90],
        animationFrames: [
          { duration: 80, scriptMs: 30, styleAndLayoutMs: 20 },
          { duration: 120, scriptMs: 50, styleAndLayoutMs: 40 },
        ],
        snapshots: 8,
        toCommit: [5, 9, 30],
        toFrame: [12, 20, 40],
      }),
    )
    expect(w.longTasks).toEqual({ count: 2, totalMs: 150 })
    expect(w.longFrames).toEqual({
      count: 2,
      totalMs: 200,
      scriptMs: 80,
      styleAndLayoutMs: 60,
      otherMs: 60,
    })
    expect(w.snapshotsPerSecond).toBe(4)
    expect(w.toCommitMs).toEqual({ samples: 3, p50: 9, p95: 30, max: 30 })
    expect(w.toFrameMs.p50).toBe(20)
  })

  it('says n/a rather than inventing figures for an empty window', () => {
    const table = frameTable([summarizeWindow('Opening view', { nodes: 0, zoom: Number.NaN }, record())])
    expect(table.split('\n')).toHaveLength(3)
    expect(table.split('\n')[2]).toBe(
      '| Opening view | 0 (n/a) | 2 s | 0.0 | n/a / n/a (n/a) ms | 0 (0 ms) | 0: 0 / 0 / 0 ms | 0.0 | n/a / n/a (n/a) ms | n/a / n/a ms |',
    )
  })
})
