// What the logs panel holds: the lines read so far, newest last, bounded, and which match a search. Pure.
import type { LogLine } from '../../../../shared/protocol/messages'

/** The most lines the panel keeps; older ones are dropped as new ones come. */
export const MAX_PANEL_LINES = 2000

/** `lines` with `more` appended (each answer holds only lines newer than the last one read), bounded. */
export function appendLines<L extends LogLine>(lines: readonly L[], more: readonly L[]): L[] {
  if (more.length === 0) return lines as L[]
  const next = [...lines, ...more]
  return next.length > MAX_PANEL_LINES ? next.slice(next.length - MAX_PANEL_LINES) : next
}

/** The lines containing `search` (case-insensitive); all of them for an empty search. */
export function matching<L extends LogLine>(lines: readonly L[], search: string): readonly L[] {
  const needle = search.trim().toLowerCase()
  return needle === '' ? lines : lines.filter((line) => line.text.toLowerCase().includes(needle))
}

/** The lines as a person copies them: time, stream, text. */
export function asText(lines: readonly LogLine[]): string {
  return lines.map((line) => `${new Date(line.at).toISOString()} ${line.stream} ${line.text}`).join('\n')
}
