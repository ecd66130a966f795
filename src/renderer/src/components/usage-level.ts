// How busy is busy: one set of thresholds for every CPU bar and colour, so the graph and the details agree.

export type UsageLevel = 'ok' | 'warn' | 'bad'

/** Below 60 % of a limit is comfortable, below 90 % is getting tight, beyond that the limit bites. */
export const WARN_FROM_PERCENT = 60
export const BAD_FROM_PERCENT = 90

export function usageLevel(percent: number): UsageLevel {
  if (percent < WARN_FROM_PERCENT) return 'ok'
  return percent < BAD_FROM_PERCENT ? 'warn' : 'bad'
}
