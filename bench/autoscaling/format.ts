// Number formats shared by the table and the findings, so that a figure reads the same in both.
export const seconds = (value: number | null) => (value === null ? '—' : `${Number(value.toFixed(1))}`)
export const count = (value: number | null) => (value === null ? '—' : `${Number(value.toFixed(1))}`)
export const whole = (value: number | null) => (value === null ? '—' : `${Math.round(value)}`)
export const times = (value: number) => `${value.toFixed(2)}×`

/** ours / baseline for a lower-is-better score; null when undefined (a side missing, or x / 0). */
export function ratio(ours: number | null, baseline: number | null): number | null {
  if (ours === null || baseline === null) return null
  if (baseline === 0) return ours === 0 ? 1 : null
  return ours / baseline
}

/**
 * The ratio cell: '=' for a tie at zero, bold and "worse" when ours loses, and "worse, within spread"
 * (not bold) when it loses by less than the seeds' spread.
 */
export function ratioCell(ours: number | null, baseline: number | null, withinSpread = false): string {
  if (ours === null || baseline === null) return '—'
  if (ours === 0 && baseline === 0) return '='
  const r = ratio(ours, baseline)
  if (r === null)
    return withinSpread ? `${count(ours)} vs 0, worse within spread` : `**${count(ours)} vs 0, worse**`
  const text = r.toFixed(2)
  if (ours <= baseline) return text
  return withinSpread ? `${text}, worse within spread` : `**${text}, worse**`
}
