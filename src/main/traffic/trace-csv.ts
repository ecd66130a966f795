// Reads a recorded load trace (`second,requests_per_second` per line, header optional) into rate points,
// with errors that name the line a person has to fix.
import { TRAFFIC_LIMITS } from '../../shared/domain/traffic'

export interface TracePoint {
  /** Seconds from the trace's first row. */
  second: number
  rate: number
}

export type TraceParse = { ok: true; points: TracePoint[] } | { ok: false; line: number; message: string }

const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/**
 * Blank lines and `#` comments are skipped; the first other line is a header when neither of its fields is
 * a number. Seconds must increase strictly; the replay starts at the first row, wherever its clock stood.
 */
export function parseTraceCsv(text: string, source = 'trace'): TraceParse {
  const rows: { line: number; second: number; rate: number }[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
  const fail = (line: number, why: string): TraceParse => ({
    ok: false,
    line,
    message: `${source} line ${line}: ${why}`,
  })
  let seenContent = false
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1
    const content = (lines[index] as string).trim()
    if (content === '' || content.startsWith('#')) continue
    const fields = content.split(',').map((field) => field.trim())
    const first = !seenContent
    seenContent = true
    if (first && fields.every((field) => !NUMBER.test(field))) continue // the header
    if (fields.length !== 2) {
      return fail(
        line,
        `expected 2 fields 'second,requests_per_second', found ${fields.length}: '${content}'`,
      )
    }
    const [secondText, rateText] = fields as [string, string]
    if (!NUMBER.test(secondText)) return fail(line, `second '${secondText}' is not a number ≥ 0`)
    if (!NUMBER.test(rateText)) return fail(line, `requests_per_second '${rateText}' is not a number ≥ 0`)
    const second = Number(secondText)
    const rate = Number(rateText)
    if (!Number.isFinite(second)) return fail(line, `second '${secondText}' is too large`)
    if (!Number.isFinite(rate) || rate > TRAFFIC_LIMITS.maxRate) {
      return fail(line, `requests_per_second ${rateText} is above the limit of ${TRAFFIC_LIMITS.maxRate}`)
    }
    const previous = rows.at(-1)
    if (previous && second <= previous.second) {
      return fail(line, `second ${secondText} does not come after ${previous.second} (line ${previous.line})`)
    }
    if (rows.length >= TRAFFIC_LIMITS.maxTraceRows) {
      return fail(line, `more than ${TRAFFIC_LIMITS.maxTraceRows} rows`)
    }
    rows.push({ line, second, rate })
  }
  const start = rows[0]
  if (!start) {
    return {
      ok: false,
      line: 0,
      message: `${source}: no rows; expected lines like '0,50' (second,requests_per_second)`,
    }
  }
  return { ok: true, points: rows.map((row) => ({ second: row.second - start.second, rate: row.rate })) }
}
