// A labelled bar for how much of a limit is in use, coloured by how tight it is (see usage-level.ts).
import './usage-bar.css'
import { type UsageLevel, usageLevel } from './usage-level'

export function UsageBar({
  label,
  percent,
  valueText,
  level = usageLevel(percent),
}: {
  label: string
  percent: number
  /** What the bar means in words, e.g. `42 %`; shown beside it (and all a screen reader needs). */
  valueText: string
  /** Defaults to the CPU thresholds; `neutral` for a quantity that has no "too high". */
  level?: UsageLevel | 'neutral'
}) {
  const filled = Math.max(0, Math.min(100, percent))
  return (
    <div className={`usage-bar level-${level}`}>
      <span className="usage-bar-label">{label}</span>
      {/* The words beside it say what the bar shows, so screen readers skip the bar. */}
      <span className="usage-bar-track" aria-hidden="true">
        {/* A style prop is set through the CSSOM, which the page's CSP allows (a style attribute is not).
            Scaled, not sized, and not animated: hundreds of bars change 4 times a second, and a width
            change or a transition on each would keep the page busy laying out and painting. */}
        <span className="usage-bar-fill" style={{ transform: `scaleX(${filled / 100})` }} />
      </span>
      <span className="usage-bar-value">{valueText}</span>
    </div>
  )
}
