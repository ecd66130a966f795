// The control loop's cadence: one round every loop interval, a policy evaluation whenever the policy's
// own interval has come round, and how short of its length a metric window may be at that sampling rate.

/** A round fires a little late or early (timer jitter): half a round, at most 50 ms, still counts as due. */
export function evaluationDue(
  nowMs: number,
  lastEvaluationMs: number,
  intervalSeconds: number,
  loopMs: number,
): boolean {
  return nowMs - lastEvaluationMs >= intervalSeconds * 1000 - Math.min(50, loopMs / 2)
}

/** One CPU sample per round, so a window counts as full one and a half rounds short of its length. */
export const windowGraceMs = (loopMs: number) => 1.5 * loopMs
