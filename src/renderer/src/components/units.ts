// How numbers read in the UI: rates, sizes and times, rounded to what a person can take in at a glance.

const MIB = 2 ** 20

/** `0.4 req/s`, `12 req/s`: one decimal only where it matters. */
export function formatRate(perSecond: number, unit = 'req/s'): string {
  const rounded = roundRate(perSecond)
  return `${rounded} ${unit}`
}

/** The rate as the graph shows it; the graph redraws an edge only when this changes. */
export function roundRate(perSecond: number): number {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return 0
  return perSecond < 10 ? Math.round(perSecond * 10) / 10 : Math.round(perSecond)
}

export function toMiB(bytes: number): number {
  return Math.round(bytes / MIB)
}

export function formatMiB(bytes: number): string {
  return `${toMiB(bytes)} MiB`
}

export function formatClock(atMs: number): string {
  return new Date(atMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

const two = (n: number) => String(n).padStart(2, '0')

/** `23:15` or `23:15:40` (local, 24 h) for a time in seconds since the epoch: short enough for an axis. */
export function formatAxisClock(epochSeconds: number, withSeconds: boolean): string {
  const d = new Date(epochSeconds * 1000)
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`
  return withSeconds ? `${hm}:${two(d.getSeconds())}` : hm
}
