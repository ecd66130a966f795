import { describe, expect, it } from 'vitest'
import type { LogLine } from '../../../../shared/protocol/messages'
import { appendLines, asText, MAX_PANEL_LINES, matching } from './log-buffer'

const line = (at: number, text: string): LogLine => ({ at, stream: 'stdout', text })

describe('the logs panel’s lines', () => {
  it('grow by what each answer brings, and drop the oldest beyond the bound', () => {
    const first = appendLines([], [line(1, 'a'), line(2, 'b')])
    expect(appendLines(first, [])).toBe(first)
    const many = Array.from({ length: MAX_PANEL_LINES }, (_, i) => line(10 + i, `n${i}`))
    const bounded = appendLines(first, many)
    expect(bounded).toHaveLength(MAX_PANEL_LINES)
    expect(bounded[0]?.text).toBe('n0')
  })

  it('narrow to a search, whatever its case, and copy as time, stream and text', () => {
    const lines = [line(0, 'served 3 requests'), line(1000, 'session of 30 s started')]
    expect(matching(lines, ' SESSION ').map((l) => l.text)).toEqual(['session of 30 s started'])
    expect(matching(lines, '')).toBe(lines)
    expect(asText(lines.slice(0, 1))).toBe('1970-01-01T00:00:00.000Z stdout served 3 requests')
  })
})
