// An open-loop client for reliability tests: GET / at a fixed rate whatever the answers, each request
// bounded on the client side, every outcome logged with its send time, latency, status and server.

export interface Outcome {
  sentAt: number
  ms: number
  status: number | 'timeout' | 'error'
  servedBy: string | null
}

/** Sends GET / at a fixed rate, whatever the answers (open loop), until stop(); logs every outcome. */
export function openLoopGet(url: string, ratePerS: number, boundMs: number) {
  const outcomes: Outcome[] = []
  const pending = new Set<Promise<void>>()
  const started = Date.now()
  let sent = 0
  let stopped = false
  const send = async () => {
    const sentAt = Date.now()
    try {
      const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(boundMs) })
      await response.arrayBuffer()
      outcomes.push({
        sentAt,
        ms: Date.now() - sentAt,
        status: response.status,
        servedBy: response.headers.get('x-served-by'),
      })
    } catch (error) {
      const timeout = (error as Error).name === 'TimeoutError'
      outcomes.push({
        sentAt,
        ms: Date.now() - sentAt,
        status: timeout ? 'timeout' : 'error',
        servedBy: null,
      })
    }
  }
  const tick = () => {
    if (stopped) return
    // Each request is due at its own time, computed up front, so a slow answer delays nothing.
    const due = started + (sent * 1000) / ratePerS
    if (Date.now() >= due) {
      sent++
      const request = send()
      pending.add(request)
      void request.finally(() => pending.delete(request))
    }
    setTimeout(tick, Math.max(0, started + (sent * 1000) / ratePerS - Date.now()))
  }
  tick()
  return {
    outcomes,
    stop: async () => {
      stopped = true
      await Promise.all([...pending])
    },
  }
}
