// The health of one backend from its probe results: unhealthy after k failures in a row, healthy again
// after m passes in a row. Pure, so that the thresholds are tested without sockets or clocks.
import type { HealthSettings } from './health-settings'

export type ProbeResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly timedOut?: boolean }

export interface HealthRecord {
  readonly healthy: boolean
  /** Results in a row that disagree with `healthy`; reaching the threshold flips it. */
  readonly streak: number
  /** Why the backend is unhealthy (the last failed probe); undefined while healthy. */
  readonly reason: string | undefined
}

/** A backend is trusted until probes say otherwise: it has just passed its start-up check. */
export const INITIAL_HEALTH: HealthRecord = { healthy: true, streak: 0, reason: undefined }

export function nextHealth(
  record: HealthRecord,
  result: ProbeResult,
  settings: Pick<HealthSettings, 'unhealthyThreshold' | 'healthyThreshold'>,
): HealthRecord {
  if (record.healthy) {
    if (result.ok) return record.streak === 0 ? record : INITIAL_HEALTH
    const streak = record.streak + 1
    if (streak >= settings.unhealthyThreshold) return { healthy: false, streak: 0, reason: result.reason }
    return { healthy: true, streak, reason: undefined }
  }
  // While unhealthy the reason follows the latest failure, so a person sees what it does now.
  if (!result.ok) return { healthy: false, streak: 0, reason: result.reason }
  const streak = record.streak + 1
  if (streak >= settings.healthyThreshold) return INITIAL_HEALTH
  return { healthy: false, streak, reason: record.reason }
}
