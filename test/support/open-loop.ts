// An open-loop client: sends GETs at a fixed rate whatever the answers take (a slow cluster does not slow
// the client down, as with real users), bounded in time, and keeps every request's outcome.
import { request } from 'node:http'

export interface RequestOutcome {
  /** When it was sent, in ms since the load started. */
  sentAtMs: number
  /** The HTTP status, or undefined when no answer came (`error` says why). */
  status: number | undefined
  error: string | undefined
  /** The answer's X-Served-By ("vm/container"). */
  servedBy: string | undefined
  latencyMs: number
  /** The start of the body, for failed answers. */
  body: string | undefined
}

export interface OpenLoopLoad {
  outcomes: RequestOutcome[]
  /** Stops sending and resolves once every request sent has an outcome. */
  stop(): Promise<RequestOutcome[]>
}

/** GET `url` at `ratePerSecond` until stop() or `maxSeconds`; each request may take `timeoutMs`. */
export function openLoopLoad(url: string, ratePerSecond: number, maxSeconds: number, timeoutMs = 10_000) {
  const outcomes: RequestOutcome[] = []
  const pending = new Set<Promise<void>>()
  const started = performance.now()
  const intervalMs = 1000 / ratePerSecond
  let sent = 0
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  const send = () => {
    const sentAtMs = performance.now() - started
    const done = new Promise<void>((resolve) => {
      const finish = (fields: Partial<RequestOutcome>) => {
        outcomes.push({
          sentAtMs,
          status: undefined,
          error: undefined,
          servedBy: undefined,
          body: undefined,
          latencyMs: performance.now() - started - sentAtMs,
          ...fields,
        })
        resolve()
      }
      const req = request(url, { timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', (error) => finish({ status: res.statusCode, error: `body: ${error.message}` }))
        res.on('end', () => {
          const status = res.statusCode
          const servedBy = res.headers['x-served-by']
          finish({
            status,
            servedBy: typeof servedBy === 'string' ? servedBy : undefined,
            body: status === 200 ? undefined : Buffer.concat(chunks).toString('utf8').slice(0, 300),
          })
        })
      })
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
      req.on('error', (error) => finish({ error: error.message }))
      req.end()
    })
    pending.add(done)
    void done.then(() => pending.delete(done))
  }

  // Each request is due at its own time from the start, so a late timer does not lower the rate.
  const schedule = () => {
    if (stopped) return
    const now = performance.now() - started
    if (now >= maxSeconds * 1000) return
    while (sent * intervalMs <= now) {
      sent++
      send()
    }
    timer = setTimeout(schedule, Math.max(0, sent * intervalMs - now))
  }
  schedule()

  return {
    outcomes,
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await Promise.all([...pending])
      return outcomes
    },
  } satisfies OpenLoopLoad
}

/** Counts per kind of failure ("503", "socket hang up"…), for a message that says what went wrong. */
export function failuresByKind(outcomes: readonly RequestOutcome[]): Record<string, number> {
  const kinds: Record<string, number> = {}
  for (const o of outcomes) {
    if (o.status === 200) continue
    const kind = o.status !== undefined ? `${o.status} ${o.body ?? ''}`.trim() : (o.error ?? 'unknown')
    kinds[kind] = (kinds[kind] ?? 0) + 1
  }
  return kinds
}
