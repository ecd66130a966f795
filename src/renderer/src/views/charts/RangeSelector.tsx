// Picks how far back the charts look: 1, 5 or 15 minutes (the history keeps 15).

export const RANGES = [
  { seconds: 60, label: '1 min' },
  { seconds: 300, label: '5 min' },
  { seconds: 900, label: '15 min' },
] as const
export type RangeSeconds = (typeof RANGES)[number]['seconds']

export function RangeSelector({
  value,
  onChange,
}: {
  value: RangeSeconds
  onChange(seconds: RangeSeconds): void
}) {
  return (
    <fieldset className="range-selector" aria-label="Time range">
      {RANGES.map((range) => (
        <button
          key={range.seconds}
          type="button"
          aria-pressed={range.seconds === value}
          onClick={() => onChange(range.seconds)}
        >
          {range.label}
        </button>
      ))}
    </fieldset>
  )
}
