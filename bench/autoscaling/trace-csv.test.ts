import { describe, expect, it } from 'vitest'
import { EXAMPLE_TRACE_CSV } from './example-trace'
import { parseTraceCsv } from './trace-csv'

describe('parseTraceCsv', () => {
  it('reads minutes from the header and spreads each minute evenly', () => {
    const result = parseTraceCsv('minute,requests\n0,600\n2,1200\n', 't')
    if (!result.ok) throw new Error(result.error)
    expect(result.scenario.durationSeconds).toBe(180)
    expect([0, 59, 60, 120, 179].map(result.scenario.rate)).toEqual([10, 10, 0, 20, 20])
  })

  it('takes seconds without a header, skipping comments and blank lines', () => {
    const result = parseTraceCsv('# a comment\n\n5,3\n6,4\n', 't')
    if (!result.ok) throw new Error(result.error)
    expect(result.scenario.durationSeconds).toBe(2)
    expect(result.scenario.rate(1.5)).toBe(4)
  })

  it('reads the bundled example', () => {
    const result = parseTraceCsv(EXAMPLE_TRACE_CSV, 'example')
    expect(result.ok && result.scenario.durationSeconds).toBe(1800)
  })

  it.each([
    {
      csv: 'hour,requests\n0,1\n',
      error: "t line 1: the header's first column must be 'second' or 'minute', got 'hour'",
    },
    { csv: '0,1\n1,-2\n', error: "t line 2: expected '<whole second>,<requests ≥ 0>', got '1,-2'" },
    { csv: '3,1\n3,2\n', error: 't line 2: seconds must increase, 3 follows 3' },
    { csv: '\n', error: 't: no data rows' },
  ])('refuses $csv with a message that says where', ({ csv, error }) => {
    expect(parseTraceCsv(csv, 't')).toEqual({ ok: false, error })
  })
})
