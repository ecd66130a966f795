import { describe, expect, it } from 'vitest'
import { MAX_LOG_LINE_CHARS, MAX_MESSAGE_BYTES } from '../../src/shared/protocol/messages'
import { fitOneMessage, LogRing, parseDockerLogs } from './log-lines'

/** One frame of Docker's multiplexed stream. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8')
  const header = Buffer.alloc(8)
  header[0] = stream
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

describe('Docker log frames', () => {
  const stream = Buffer.concat([
    frame(1, '2026-12-04T23:15:22.586123456Z workload listening on 0.0.0.0:8080\n'),
    frame(2, '2026-12-04T23:15:23.000000000Z warning: slow\n2026-12-04T23:15:24.100000000Z second\n'),
    frame(1, `2026-12-04T23:15:25.000000000Z ${'x'.repeat(5000)}\n`),
  ])

  it('become lines with their stream and time, long ones cut to the bound', () => {
    const lines = parseDockerLogs(stream, { tail: 10 })
    expect(lines.map((l) => [l.stream, l.text.slice(0, 30)])).toEqual([
      ['stdout', 'workload listening on 0.0.0.0:'],
      ['stderr', 'warning: slow'],
      ['stderr', 'second'],
      ['stdout', 'x'.repeat(30)],
    ])
    expect(lines[0]?.at).toBe(Date.parse('2026-12-04T23:15:22.586Z'))
    expect(lines[3]?.text).toHaveLength(MAX_LOG_LINE_CHARS)
  })

  it('keep only the newest `tail` lines, after `sinceMs`', () => {
    expect(parseDockerLogs(stream, { tail: 2 }).map((l) => l.text.slice(0, 6))).toEqual(['second', 'xxxxxx'])
    const since = Date.parse('2026-12-04T23:15:23.000Z')
    expect(parseDockerLogs(stream, { tail: 10, sinceMs: since }).map((l) => l.text.slice(0, 6))).toEqual([
      'second',
      'xxxxxx',
    ])
  })

  it('stop at a cut frame instead of reading past the buffer', () => {
    expect(parseDockerLogs(stream.subarray(0, 20), { tail: 10 })).toEqual([])
  })
})

describe('the agent’s own log', () => {
  it('keeps the last lines it printed, and answers what came after a time', () => {
    let now = 1000
    const ring = new LogRing(3, () => now++)
    for (const text of ['a', 'b', 'c', 'd']) ring.add(text)
    expect(ring.read({ tail: 10 }).map((l) => l.text)).toEqual(['b', 'c', 'd'])
    expect(ring.read({ tail: 10, sinceMs: 1002 }).map((l) => l.text)).toEqual(['d'])
    expect(ring.read({ tail: 1 }).map((l) => l.stream)).toEqual(['agent'])
  })
})

describe('one answer', () => {
  it('keeps the newest lines that fit one message, even of multi-byte text', () => {
    const lines = Array.from({ length: 200 }, (_, i) => ({
      at: i,
      stream: 'stdout' as const,
      text: '€'.repeat(1000),
    }))
    const fit = fitOneMessage(lines)
    expect(fit.length).toBeLessThan(200)
    expect(fit.at(-1)?.at).toBe(199)
    expect(Buffer.byteLength(JSON.stringify(fit))).toBeLessThan(MAX_MESSAGE_BYTES)
    const small = lines.slice(0, 3).map((l) => ({ ...l, text: 'ok' }))
    expect(fitOneMessage(small)).toEqual(small)
  })
})
