// Replays a user's trace: CSV rows of (second or minute, requests), each interval's requests spread as a
// Poisson process at that interval's mean rate.
import type { Scenario } from './scenarios'

export type TraceUnit = 'second' | 'minute'

export type TraceParseResult = { ok: true; scenario: Scenario } | { ok: false; error: string }

/**
 * Accepts an optional header whose first column names the unit ("minute,requests"); without one, `unit`
 * says it. Blank lines and lines starting with # are skipped; missing intervals carry no requests.
 */
export function parseTraceCsv(text: string, name: string, unit: TraceUnit = 'second'): TraceParseResult {
  const rows: { at: number; requests: number }[] = []
  const lines = text.split(/\r?\n/)
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const [first = '', second = ''] = line.split(/[,;\t]/).map((cell) => cell.trim())
    if (rows.length === 0 && Number.isNaN(Number(first))) {
      if (/^min/i.test(first)) unit = 'minute'
      else if (/^s(ec)?/i.test(first)) unit = 'second'
      else {
        const error = `the header's first column must be 'second' or 'minute', got '${first}'`
        return { ok: false, error: `${name} line ${index + 1}: ${error}` }
      }
      continue
    }
    const at = Number(first)
    const requests = Number(second)
    if (!Number.isInteger(at) || !Number.isFinite(requests) || requests < 0) {
      return {
        ok: false,
        error: `${name} line ${index + 1}: expected '<whole ${unit}>,<requests ≥ 0>', got '${line}'`,
      }
    }
    if (rows.length > 0 && at <= rows[rows.length - 1]!.at) {
      return {
        ok: false,
        error: `${name} line ${index + 1}: ${unit}s must increase, ${at} follows ${rows.at(-1)!.at}`,
      }
    }
    rows.push({ at, requests })
  }
  if (rows.length === 0) return { ok: false, error: `${name}: no data rows` }

  const seconds = unit === 'minute' ? 60 : 1
  const origin = rows[0]!.at
  const rates = new Float64Array(rows.at(-1)!.at - origin + 1)
  for (const row of rows) rates[row.at - origin] = row.requests / seconds
  return {
    ok: true,
    scenario: {
      name,
      description: `replay of ${rows.length} ${unit}s from a CSV trace`,
      durationSeconds: rates.length * seconds,
      rate: (t) => rates[Math.floor(t / seconds)] ?? 0,
    },
  }
}
