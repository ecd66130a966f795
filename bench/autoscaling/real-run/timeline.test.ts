import { describe, expect, it } from 'vitest'
import { type AgentLine, parseAgentLine, replicaTimeline } from './timeline'

const T0 = Date.parse('2026-01-01T00:00:00.000Z')
/** An agent line at `s` real seconds after T0. */
const line = (s: number, text: string) => `${new Date(T0 + s * 1000).toISOString()} ${text}`
const parsed = (...lines: string[]) => lines.map((l) => parseAgentLine(l)).filter((l): l is AgentLine => !!l)
/** F = 10, no warm-up: a real second is ten trace seconds. */
const toTrace = (atMs: number) => ((atMs - T0) / 1000) * 10

describe('parseAgentLine', () => {
  it('reads the time, kind and message of an event line and nothing else', () => {
    expect(
      parseAgentLine('2026-01-01T00:00:01.250Z container-ready: acs-x-1 is healthy and takes traffic'),
    ).toEqual({
      atMs: T0 + 1250,
      kind: 'container-ready',
      message: 'acs-x-1 is healthy and takes traffic',
    })
    expect(parseAgentLine('image build: Step 1/8 : FROM scratch')).toBeUndefined()
  })
})

describe('replicaTimeline', () => {
  const events = parsed(
    line(-2, 'container-started: started acs-a (0.1 CPU, 64 MiB)'),
    line(-1.5, 'container-ready: acs-a is healthy and takes traffic'),
    line(1, 'scaling-decision: CPU 95% of limit vs target 60% (ratio 1.58): 1 → 3 replicas'),
    line(1.3, 'container-started: started acs-b (0.1 CPU, 64 MiB)'),
    line(1.4, 'container-started: started acs-c (0.1 CPU, 64 MiB)'),
    line(1.6, 'container-ready: acs-b is healthy and takes traffic'),
    line(1.8, 'container-ready: acs-c is healthy and takes traffic'),
    line(5, 'scaling-decision: CPU 20% of limit vs target 60% (ratio 0.33): 3 → 2 replicas'),
    line(5.2, 'container-removed: removed acs-c (scaled down)'),
    line(6, 'scaling-decision: CPU 90% of limit vs target 60% (ratio 1.5): 2 → 3 replicas'),
    line(6.5, 'container-started: started acs-d (0.1 CPU, 64 MiB)'),
    line(9, 'container-removed: removed acs-a (agent exit)'),
  )
  const timeline = replicaTimeline(events, toTrace, 80)

  it('dates each container from the decision that asked for it to the one that drained it', () => {
    expect(timeline.lives).toEqual([
      { createdAt: -20, servingAt: -15, removedAt: 90 },
      { createdAt: 10, servingAt: 16 },
      { createdAt: 10, servingAt: 18, removedAt: 50 },
      // Asked for but never served before the end: it costs to the end and reacts to nothing.
      { createdAt: 60, servingAt: 80, removedAt: 80 },
    ])
  })

  it('keeps the target changes with their reasons, in trace time', () => {
    expect(timeline.changes.map(({ at, from, to }) => ({ at, from, to }))).toEqual([
      { at: 10, from: 1, to: 3 },
      { at: 50, from: 3, to: 2 },
      { at: 60, from: 2, to: 3 },
    ])
  })

  it('measures start and stop times in real seconds', () => {
    expect(timeline.startSeconds.map((s) => Number(s.toFixed(3)))).toEqual([0.6, 0.8])
    expect(timeline.stopSeconds.map((s) => Number(s.toFixed(3)))).toEqual([0.2])
  })
})
