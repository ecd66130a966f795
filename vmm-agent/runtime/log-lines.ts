// Log lines as the VIM receives them: Docker's multiplexed log stream (8-byte frame headers, stdout and
// stderr interleaved, each line stamped with RFC 3339 time by `timestamps: true`) turned into bounded
// lines, and the agent's own log kept in a ring. Pure, apart from the clock the ring is given.
import {
  type LogLine,
  MAX_LOG_LINE_CHARS,
  MAX_LOG_LINES,
  MAX_MESSAGE_BYTES,
} from '../../src/shared/protocol/messages'

export interface LogQuery {
  /** The newest `tail` lines (at most MAX_LOG_LINES). */
  tail: number
  /** Only lines stamped after this. */
  sinceMs?: number
}

const STREAMS: Record<number, LogLine['stream'] | undefined> = { 1: 'stdout', 2: 'stderr' }

/** A line cut to the protocol's bound, with a mark where it was cut. */
export function boundedLine(text: string): string {
  return text.length <= MAX_LOG_LINE_CHARS ? text : `${text.slice(0, MAX_LOG_LINE_CHARS - 1)}…`
}

/** Docker's `logs` answer for a container without a TTY: frames of [stream, 0, 0, 0, size (BE u32)] + bytes. */
export function parseDockerLogs(buffer: Buffer, query: LogQuery): LogLine[] {
  const lines: LogLine[] = []
  let offset = 0
  while (offset + 8 <= buffer.length) {
    const stream = STREAMS[buffer[offset] ?? 0]
    const size = buffer.readUInt32BE(offset + 4)
    const payload = buffer.subarray(offset + 8, Math.min(buffer.length, offset + 8 + size)).toString('utf8')
    offset += 8 + size
    if (!stream) continue
    for (const raw of payload.split('\n')) {
      if (raw === '') continue
      // "2026-12-04T23:15:22.586123456Z text": Date keeps milliseconds, which is all a line needs.
      const space = raw.indexOf(' ')
      const at = Date.parse(raw.slice(0, space))
      if (Number.isNaN(at)) continue
      if (query.sinceMs !== undefined && at <= query.sinceMs) continue
      lines.push({ at, stream, text: boundedLine(raw.slice(space + 1).replace(/\r$/, '')) })
    }
  }
  return lines.slice(-Math.min(query.tail, MAX_LOG_LINES))
}

/** Room for lines in one answer, leaving the rest of MAX_MESSAGE_BYTES to the envelope. */
const ANSWER_BYTES = MAX_MESSAGE_BYTES - 16 * 1024

/** The newest lines that fit one message (multi-byte text can make 200 lines too big). */
export function fitOneMessage(lines: readonly LogLine[]): LogLine[] {
  let bytes = 2
  let first = lines.length
  while (first > 0) {
    const line = lines[first - 1] as LogLine
    bytes += Buffer.byteLength(JSON.stringify(line)) + 1
    if (bytes > ANSWER_BYTES) break
    first--
  }
  return lines.slice(first)
}

/** The agent's own log: the last `capacity` lines it printed. */
export class LogRing {
  private readonly lines: LogLine[] = []

  constructor(
    private readonly capacity = 500,
    private readonly now: () => number = Date.now,
  ) {}

  add(text: string): void {
    this.lines.push({ at: this.now(), stream: 'agent', text: boundedLine(text) })
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity)
  }

  read(query: LogQuery): LogLine[] {
    const newer =
      query.sinceMs === undefined ? this.lines : this.lines.filter((l) => l.at > (query.sinceMs ?? 0))
    return newer.slice(-Math.min(query.tail, MAX_LOG_LINES))
  }
}
