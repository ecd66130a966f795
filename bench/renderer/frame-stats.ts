// From what frame-probe.js recorded in one measured window to the figures of the benchmark table. Pure.
import { percentile } from '../proxy/proxy-bench'

/** What frame-probe.js's stop() returns. Times in milliseconds on the page's clock. */
export interface ProbeRecord {
  durationMs: number
  /** requestAnimationFrame timestamps: one per frame the main thread started. */
  frames: number[]
  longTasks: number[]
  animationFrames: { duration: number; scriptMs: number; styleAndLayoutMs: number }[]
  /** Per snapshot: arrival on the event stream → the DOM commit it caused. */
  toCommit: number[]
  /** Per snapshot: arrival → the next frame after its commit. */
  toFrame: number[]
  snapshots: number
  /** Snapshots that changed nothing in the graph's DOM before the next one arrived. */
  withoutCommit: number
}

export interface Spread {
  samples: number
  p50: number
  p95: number
  max: number
}

export interface FrameWindow {
  view: string
  /** React Flow nodes in the DOM during the window (only those in view are mounted), and the zoom. */
  mounted: { nodes: number; zoom: number }
  seconds: number
  fps: number
  frameIntervalMs: Spread
  longTasks: { count: number; totalMs: number }
  /** Long animation frames (over 50 ms): where their time went; the rest is mostly paint. */
  longFrames: { count: number; totalMs: number; scriptMs: number; styleAndLayoutMs: number; otherMs: number }
  snapshotsPerSecond: number
  toCommitMs: Spread
  toFrameMs: Spread
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? Number.NaN,
  }
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0)

export function summarizeWindow(
  view: string,
  mounted: FrameWindow['mounted'],
  record: ProbeRecord,
): FrameWindow {
  const { frames } = record
  const intervals = frames.slice(1).map((time, i) => time - frames[i]!)
  const seconds = record.durationMs / 1000
  return {
    view,
    mounted,
    seconds,
    // Frames over the span they cover, so a window that ends just before a frame is not penalised.
    fps: frames.length > 1 ? (frames.length - 1) / ((frames.at(-1)! - frames[0]!) / 1000) : 0,
    frameIntervalMs: spread(intervals),
    longTasks: { count: record.longTasks.length, totalMs: sum(record.longTasks) },
    longFrames: longFrames(record.animationFrames),
    snapshotsPerSecond: seconds > 0 ? record.snapshots / seconds : 0,
    toCommitMs: spread(record.toCommit),
    toFrameMs: spread(record.toFrame),
  }
}

function longFrames(frames: ProbeRecord['animationFrames']): FrameWindow['longFrames'] {
  const totalMs = sum(frames.map((frame) => frame.duration))
  const scriptMs = sum(frames.map((frame) => frame.scriptMs))
  const styleAndLayoutMs = sum(frames.map((frame) => frame.styleAndLayoutMs))
  return {
    count: frames.length,
    totalMs,
    scriptMs,
    styleAndLayoutMs,
    otherMs: Math.max(0, totalMs - scriptMs - styleAndLayoutMs),
  }
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a')
const ms = (value: number) => fixed(value, value < 10 ? 1 : 0)

/** The markdown table, one line per view. */
export function frameTable(windows: readonly FrameWindow[]): string {
  return [
    '| View | Nodes mounted (zoom) | Window | Frames/s | Frame interval p50 / p95 (max) | Long tasks (total) | Long frames: script / style+layout / rest | Snapshots/s | Snapshot → commit p50 / p95 (max) | Snapshot → next frame p50 / p95 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...windows.map((w) =>
      [
        '',
        w.view,
        `${w.mounted.nodes} (${fixed(w.mounted.zoom, 2)})`,
        `${fixed(w.seconds, 0)} s`,
        fixed(w.fps, 1),
        `${ms(w.frameIntervalMs.p50)} / ${ms(w.frameIntervalMs.p95)} (${ms(w.frameIntervalMs.max)}) ms`,
        `${w.longTasks.count} (${fixed(w.longTasks.totalMs, 0)} ms)`,
        `${w.longFrames.count}: ${fixed(w.longFrames.scriptMs, 0)} / ${fixed(w.longFrames.styleAndLayoutMs, 0)} / ${fixed(w.longFrames.otherMs, 0)} ms`,
        fixed(w.snapshotsPerSecond, 1),
        `${ms(w.toCommitMs.p50)} / ${ms(w.toCommitMs.p95)} (${ms(w.toCommitMs.max)}) ms`,
        `${ms(w.toFrameMs.p50)} / ${ms(w.toFrameMs.p95)} ms`,
        '',
      ]
        .join(' | ')
        .trim(),
    ),
  ].join('\n')
}
