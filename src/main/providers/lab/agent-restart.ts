// When the lab brings back an agent that exited without being asked to: at once-ish, then slower while it
// keeps crashing, and from the start again once it stayed up a while. Pure, so the schedule is tested alone.

export interface RestartPolicy {
  /** The wait before the first restart after a crash. */
  firstDelayMs: number
  /** The longest wait: a broken agent is retried at this pace for as long as the lab runs. */
  maxDelayMs: number
  /** An agent that ran at least this long before it exited counts as healthy: the backoff starts over. */
  stableAfterMs: number
}

export const AGENT_RESTART_POLICY: RestartPolicy = {
  firstDelayMs: 1000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
}

/** Crashes in a row so far, each followed by too short a run to count as recovered. */
export interface RestartHistory {
  crashesInARow: number
}

export const NO_CRASHES: RestartHistory = { crashesInARow: 0 }

export interface RestartPlan {
  delayMs: number
  /** Keep this for the next crash of the same VM. */
  history: RestartHistory
}

/** The wait before restarting an agent that ran `upForMs` before it exited: 1 s, 2 s, 4 s … capped. */
export function planAgentRestart(
  history: RestartHistory,
  upForMs: number,
  policy: RestartPolicy = AGENT_RESTART_POLICY,
): RestartPlan {
  const crashes = upForMs >= policy.stableAfterMs ? 0 : history.crashesInARow
  // 2^crashes grows past any cap quickly; capping the exponent keeps the number finite.
  const delayMs = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.min(crashes, 30))
  return { delayMs, history: { crashesInARow: crashes + 1 } }
}
