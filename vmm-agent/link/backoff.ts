// How long the agent waits before reconnecting to the VIM: exponential backoff with full jitter, so that
// many agents losing the same VIM do not all come back in the same instant.

export interface Backoff {
  /** The ceiling of the first wait; doubles with each failed attempt. */
  readonly baseMs: number
  /** The ceiling never grows past this. */
  readonly capMs: number
  /** A wait always at least this long (0 for plain full jitter). */
  readonly floorMs?: number
}

/** After a dropped or refused connection: first retry within 0.5 s, never more than 30 s apart. */
export const RECONNECT_BACKOFF: Backoff = { baseMs: 500, capMs: 30_000 }

/**
 * After the VIM refused this agent (wrong token, duplicate id, other protocol version) or closed for a
 * fault that retrying fast would only repeat: 10 s plus a jittered wait that grows to at most 5 min.
 */
export const REJECTED_BACKOFF: Backoff = { baseMs: 10_000, capMs: 300_000, floorMs: 10_000 }

/**
 * The wait before retry number `attempt` (0 for the first retry):
 * `floor + random() × min(cap, base × 2^attempt)`; "full jitter" in AWS's terms.
 */
export function reconnectDelay(attempt: number, backoff: Backoff, random: () => number): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)))
  const r = Math.min(Math.max(random(), 0), 1)
  return Math.round((backoff.floorMs ?? 0) + r * ceiling)
}
