// A replica's CPU samples over the policy's metric window, as both the agent and the VIM feed the policy:
// the mean counts only once the window is (nearly) full, so a replica that just appeared has no metric yet.

/**
 * Grace for report jitter: a window whose first sample is this much younger than its length still counts.
 * One and a half sampling periods of the 1 s reports.
 */
export const FULL_WINDOW_GRACE_MS = 1500

export class UtilizationWindow {
  private readonly samples: { at: number; cpuPercent: number }[] = []

  /** `graceMs`: about 1.5 sampling periods, for a source that samples faster or slower than once a second. */
  constructor(private readonly graceMs = FULL_WINDOW_GRACE_MS) {}

  /** `cpuPercent` of the replica's own limit (100 = its whole allotment). */
  push(at: number, cpuPercent: number, windowMs: number): void {
    this.samples.push({ at, cpuPercent })
    while ((this.samples[0]?.at ?? at) < at - windowMs) this.samples.shift()
  }

  /** Mean utilization as a fraction of the limit, or undefined while the window is not yet full. */
  utilization(now: number, windowMs: number): number | undefined {
    const first = this.samples[0]
    if (!first || first.at > now - windowMs + this.graceMs) return undefined
    return this.samples.reduce((sum, s) => sum + s.cpuPercent, 0) / this.samples.length / 100
  }
}
