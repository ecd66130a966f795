import { describe, expect, it } from 'vitest'
import { parseTraceCsv, type TracePoint } from './trace-csv'

describe('parseTraceCsv', () => {
  it.each<[string, string, TracePoint[]]>([
    [
      'with a header',
      'second,requests_per_second\n0,10\n1,20\n',
      [
        { second: 0, rate: 10 },
        { second: 1, rate: 20 },
      ],
    ],
    [
      'without a header',
      '0,10\n5,0',
      [
        { second: 0, rate: 10 },
        { second: 5, rate: 0 },
      ],
    ],
    [
      'CRLF, blanks, comments, spaces and a BOM',
      '\uFEFF# recorded on lab-1\r\n\r\n second , rps \r\n 0 , 1.5 \r\n\r\n2,3e1\r\n',
      [
        { second: 0, rate: 1.5 },
        { second: 2, rate: 30 },
      ],
    ],
    [
      'starting late: the replay starts at the first row',
      '100,5\n101.5,6',
      [
        { second: 0, rate: 5 },
        { second: 1.5, rate: 6 },
      ],
    ],
  ])('reads a trace %s', (_name, text, points) => {
    expect(parseTraceCsv(text)).toEqual({ ok: true, points })
  })

  it.each<[string, string, number, string]>([
    [
      'three fields',
      '0,1\n1,2,3',
      2,
      "trace line 2: expected 2 fields 'second,requests_per_second', found 3",
    ],
    ['one field', 'second,rps\n0', 2, 'found 1'],
    ['a word for a rate', '0,1\n\n1,lots', 3, "trace line 3: requests_per_second 'lots' is not a number ≥ 0"],
    ['a negative second', '-1,5', 1, "second '-1' is not a number ≥ 0"],
    ['a negative rate', '0,-5', 1, "requests_per_second '-5' is not a number ≥ 0"],
    ['seconds that go back', '0,1\n5,1\n3,1', 3, 'trace line 3: second 3 does not come after 5 (line 2)'],
    ['a repeated second', '0,1\n0,2', 2, 'does not come after 0'],
    ['a rate above the limit', '0,20000', 1, 'above the limit of 10000'],
    ['a header in the middle', '0,1\nsecond,rps', 2, "second 'second' is not a number"],
    ['no rows at all', 'second,rps\n# nothing\n', 0, 'trace: no rows'],
    ['an empty file', '', 0, 'no rows'],
  ])('refuses %s, naming the line', (_name, text, line, message) => {
    const result = parseTraceCsv(text)
    expect(result).toMatchObject({ ok: false, line })
    expect(result.ok ? '' : result.message).toContain(message)
  })

  it('names the source in its messages', () => {
    expect(parseTraceCsv('0,1\n1,x', 'monday.csv')).toMatchObject({
      message: expect.stringMatching(/^monday\.csv line 2:/),
    })
  })
})
