// How the hub benchmark times a report end to end: the simulated agent writes its send time into the
// report's recommendation reason, which the cluster store carries into the UI snapshot unchanged.

const PREFIX = 'bench: sent at '

/** The reason text carrying `sentAtMs` (milliseconds since the epoch, as Date.now()). */
export function stampReason(sentAtMs: number): string {
  return `${PREFIX}${sentAtMs}`
}

/** The send time in a stamped reason; undefined for any other text. */
export function readStamp(reason: string | undefined | null): number | undefined {
  if (!reason?.startsWith(PREFIX)) return undefined
  const value = Number(reason.slice(PREFIX.length))
  return Number.isFinite(value) ? value : undefined
}
