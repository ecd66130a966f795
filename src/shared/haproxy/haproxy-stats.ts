// Reads HAProxy's `show stat` (CSV) into per-server counters, and turns two readings a second apart
// into what the embedded plane's meters record: answers by status class, failures, latency, in flight.
// Pure.
import { WORKLOAD_BACKEND } from './haproxy-config'

export interface ServerReading {
  id: string
  /** Connections to it now: the requests in flight. */
  inFlight: number
  queued: number
  /** Responses since it was added, by status class. */
  responses: { '2xx': number; '3xx': number; '4xx': number; '5xx': number; other: number }
  /** Connection and response errors since it was added (no status at all). */
  failures: number
  /** HAProxy's average response time over its last 1024 requests, in ms. */
  responseMs: number
  /** UP, DOWN, MAINT, DRAIN, "UP 1/2", "no check", … */
  status: string
  /** What the last check said ("L7STS", "L4CON", …) and its HTTP code when it had one. */
  check: string
}

const num = (text: string | undefined) => {
  const value = Number(text)
  return Number.isFinite(value) ? value : 0
}

/** The servers of the workload backend in a `show stat` answer; other rows are skipped. */
export function parseServerStats(csv: string): ServerReading[] {
  const lines = csv.split('\n').filter((line) => line.trim() !== '')
  const header = lines[0]
  if (!header?.startsWith('# ')) return []
  const names = header.slice(2).split(',')
  const column = new Map(names.map((name, index) => [name, index]))
  const at = (cells: string[], name: string) => cells[column.get(name) ?? -1]
  const readings: ServerReading[] = []
  for (const line of lines.slice(1)) {
    const cells = line.split(',')
    const server = at(cells, 'svname')
    if (at(cells, 'pxname') !== WORKLOAD_BACKEND || !server || server === 'BACKEND' || server === 'FRONTEND')
      continue
    const code = at(cells, 'check_code') ?? ''
    readings.push({
      id: server,
      inFlight: num(at(cells, 'scur')),
      queued: num(at(cells, 'qcur')),
      responses: {
        '2xx': num(at(cells, 'hrsp_2xx')),
        '3xx': num(at(cells, 'hrsp_3xx')),
        '4xx': num(at(cells, 'hrsp_4xx')),
        '5xx': num(at(cells, 'hrsp_5xx')),
        other: num(at(cells, 'hrsp_1xx')) + num(at(cells, 'hrsp_other')),
      },
      failures: num(at(cells, 'econ')) + num(at(cells, 'eresp')),
      responseMs: num(at(cells, 'rtime')),
      status: at(cells, 'status') ?? '',
      check: `${at(cells, 'check_status') ?? ''}${code !== '' ? ` ${code}` : ''}`.trim(),
    })
  }
  return readings
}

/** What happened on one server between two readings. */
export interface ServerTraffic {
  id: string
  /** One status per class and its count; failures (no status) as 502. */
  answers: { status: number; count: number }[]
  responseMs: number
}

const CLASS_STATUS = { '2xx': 200, '3xx': 300, '4xx': 400, '5xx': 500, other: 100 } as const

/** The traffic between `before` and `after`; a server new in `after` counts from zero. */
export function trafficBetween(
  before: readonly ServerReading[],
  after: readonly ServerReading[],
): ServerTraffic[] {
  const previous = new Map(before.map((r) => [r.id, r]))
  return after.map((reading) => {
    const old = previous.get(reading.id)
    const answers: { status: number; count: number }[] = []
    for (const key of Object.keys(CLASS_STATUS) as (keyof typeof CLASS_STATUS)[]) {
      // A counter that went down belongs to a server re-added under the same name: count from zero.
      const was = old?.responses[key] ?? 0
      const count = reading.responses[key] >= was ? reading.responses[key] - was : reading.responses[key]
      if (count > 0) answers.push({ status: CLASS_STATUS[key], count })
    }
    const failedWas = old?.failures ?? 0
    const failed = reading.failures >= failedWas ? reading.failures - failedWas : reading.failures
    if (failed > 0) answers.push({ status: 502, count: failed })
    return { id: reading.id, answers, responseMs: reading.responseMs }
  })
}

/** Health as the embedded plane tells it: DOWN (after its checks) is unhealthy, with the check's verdict. */
export function serverHealth(reading: ServerReading): { healthy: boolean; reason?: string } {
  if (!reading.status.startsWith('DOWN')) return { healthy: true }
  return { healthy: false, reason: `HAProxy's health check failed (${reading.check || 'no answer'})` }
}
