// The agent's replica timeline from its own event lines (`<ISO time> <kind>: <message>`): when each
// container was asked for, began serving and stopped serving, and each change of its target.
import type { ReplicaLife, TargetChange } from '../simulate'

export interface AgentLine {
  /** Epoch ms, as the agent stamped the line. */
  atMs: number
  kind: string
  message: string
}

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ([a-z-]+): (.*)$/

export function parseAgentLine(line: string): AgentLine | undefined {
  const match = LINE.exec(line.trim())
  if (!match) return undefined
  return { atMs: Date.parse(match[1]!), kind: match[2]!, message: match[3]! }
}

export interface ReplicaTimeline {
  /** Trace seconds; `removedAt` is when the container stopped taking requests. */
  lives: ReplicaLife[]
  /** Target changes within the trace. */
  changes: TargetChange[]
  /** Real seconds from the decision that asked for a container to its first health check passed. */
  startSeconds: number[]
  /** Real seconds from the decision that drained a container to Docker having removed it. */
  stopSeconds: number[]
  errors: string[]
}

interface Container {
  createdMs: number
  /** Whether a scaling decision asked for it (not the first replica, nor a crash's replacement). */
  decided: boolean
  readyMs?: number
  drainMs?: number
  removedMs?: number
  scaledDown?: boolean
}

/** "…: 2 → 4 replicas…" in a decision's sentence; "holding" has no arrow. */
const CHANGE = /(\d+) → (\d+) replicas?\b/

/**
 * Starts and drains are matched to the decisions that caused them first in, first out: the agent acts on
 * a decision in the same round, and containers start (and stop) in about the order they were asked for.
 */
export function replicaTimeline(
  lines: readonly AgentLine[],
  toTrace: (atMs: number) => number,
  durationSeconds: number,
): ReplicaTimeline {
  const containers = new Map<string, Container>()
  const changes: TargetChange[] = []
  const errors: string[] = []
  const startsAsked: number[] = []
  const drainsAsked: number[] = []
  for (const { atMs, kind, message } of lines) {
    if (kind === 'scaling-decision') {
      const match = CHANGE.exec(message)
      if (!match) continue
      const from = Number(match[1])
      const to = Number(match[2])
      const at = toTrace(atMs)
      if (at >= 0 && at < durationSeconds) changes.push({ at, from, to, reason: message })
      const asked = to > from ? startsAsked : drainsAsked
      for (let k = 0; k < Math.abs(to - from); k++) asked.push(atMs)
    } else if (kind === 'container-started') {
      const name = /^started (\S+)/.exec(message)?.[1]
      const decidedAt = startsAsked.shift()
      if (name) containers.set(name, { createdMs: decidedAt ?? atMs, decided: decidedAt !== undefined })
    } else if (kind === 'container-ready') {
      const container = containers.get(/^(\S+) is healthy/.exec(message)?.[1] ?? '')
      if (container) container.readyMs = atMs
    } else if (kind === 'container-removed') {
      const match = /^removed (\S+) \((.*)\)$/.exec(message)
      const container = containers.get(match?.[1] ?? '')
      if (!container) continue
      container.removedMs = atMs
      container.scaledDown = match?.[2] === 'scaled down'
      // A drained container stopped serving when the decision drained it, not when Docker was done.
      const decidedAt = container.scaledDown ? drainsAsked.shift() : undefined
      container.drainMs = Math.max(decidedAt ?? atMs, container.readyMs ?? container.createdMs)
    } else if (kind === 'container-crashed') {
      const container = containers.get(/^(\S+) exited/.exec(message)?.[1] ?? '')
      if (container) container.drainMs = container.removedMs = atMs
    } else if (kind === 'error' || kind === 'warning') {
      errors.push(message)
    }
  }

  const lives: ReplicaLife[] = []
  const startSeconds: number[] = []
  const stopSeconds: number[] = []
  for (const c of containers.values()) {
    const createdAt = toTrace(c.createdMs)
    if (createdAt >= durationSeconds) continue
    const removedAt = c.drainMs === undefined ? undefined : toTrace(c.drainMs)
    if (c.readyMs !== undefined) {
      lives.push({
        createdAt,
        servingAt: toTrace(c.readyMs),
        ...(removedAt !== undefined ? { removedAt } : {}),
      })
    } else {
      // Never served: it costs until it went (or the trace ended), and is no one's reaction.
      const gone = Math.min(removedAt ?? durationSeconds, durationSeconds)
      lives.push({ createdAt, servingAt: gone, removedAt: gone })
    }
    if (c.decided && c.readyMs !== undefined) startSeconds.push((c.readyMs - c.createdMs) / 1000)
    if (c.scaledDown && c.removedMs !== undefined && c.drainMs !== undefined)
      stopSeconds.push((c.removedMs - c.drainMs) / 1000)
  }
  return { lives, changes, startSeconds, stopSeconds, errors }
}
