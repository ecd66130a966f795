// Waits until a replica answers GET /healthz, so the agent sends it traffic only once it can serve.
import { request } from 'node:http'

export interface HealthOptions {
  /** Pause between attempts (default 100 ms). */
  intervalMs?: number
  /** Gives up early, e.g. when the container died while starting. */
  signal?: AbortSignal
}

/** One GET /healthz; resolves with the status code, rejects on connection errors or a stuck answer. */
function probe(host: string, port: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, path: '/healthz', method: 'GET', agent: false, timeout: timeoutMs },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}

/** Polls GET /healthz until it answers 200; throws a clear Error after `timeoutMs`. */
export async function waitForHealthy(
  host: string,
  port: number,
  timeoutMs: number,
  options: HealthOptions = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? 100
  const deadline = Date.now() + timeoutMs
  let last = 'no attempt made'
  for (;;) {
    if (options.signal?.aborted) throw new Error(`stopped waiting for ${host}:${port} to become healthy`)
    const remaining = deadline - Date.now()
    try {
      const status = await probe(host, port, Math.max(50, Math.min(2000, remaining)))
      if (status === 200) return
      last = `GET /healthz answered ${status}`
    } catch (error) {
      last = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    }
    if (Date.now() + intervalMs > deadline)
      throw new Error(`${host}:${port} did not become healthy within ${timeoutMs} ms (last: ${last})`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
