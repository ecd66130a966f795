// The workload web server that runs in every container: a request costs a fixed amount of CPU, a session
// holds half of the container's CPU allotment while it lasts, and every response names who served it.
// No dependencies: it is bundled into one file and runs in a FROM-scratch image that holds only node.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

export interface WorkloadConfig {
  port: number
  /** Listen address; the runtime binds host-network containers to loopback. */
  host: string
  /** `<vm>/<container>`, sent as X-Served-By on every response. */
  servedBy: string
  /** CPU milliseconds spent per `GET /`. */
  cpuMs: number
  /** The container's CPU allotment in cores. */
  cpus: number
}

export interface RunningWorkload {
  port: number
  /** Stops accepting, ends sessions early, waits for in-flight requests. */
  close(): Promise<void>
}

export const MAX_SESSION_SECONDS = 600
/** One duty cycle of a session: busy for its share, then idle so that other requests get answered. */
const SESSION_SLICE_MS = 20
/** The longest the event loop is held at once, so /healthz stays answered even when a session catches up. */
const MAX_BURST_MS = 40
/**
 * A session answers its head at once and then sends a newline this often until its JSON (which
 * JSON.parse reads past the leading whitespace): the proxies' response-head timeout (30 s) and idle
 * timeout (60 s) then never cut a session, however long it lasts.
 */
export const SESSION_HEARTBEAT_MS = 10_000

export interface WorkloadTiming {
  sessionHeartbeatMs?: number
  /** The access log: a line per second with traffic, one per session. None unless given. */
  log?: (line: string) => void
}

/** Requests answered since the last access-log line, by route; health checks apart (they never stop). */
class AccessCounts {
  private counts = new Map<string, number>()
  private healthChecks = 0

  count(route: string): void {
    if (route === '/healthz') this.healthChecks++
    else this.counts.set(route, (this.counts.get(route) ?? 0) + 1)
  }

  /** The line for the second just ended, or undefined when only health checks came. */
  take(sessions: number): string | undefined {
    const total = [...this.counts.values()].reduce((sum, n) => sum + n, 0)
    const line =
      total === 0
        ? undefined
        : `served ${total} request${total === 1 ? '' : 's'} in 1 s: ${[...this.counts]
            .map(([route, n]) => `GET ${route} ×${n}`)
            .join(
              ', ',
            )}; ${sessions} session${sessions === 1 ? '' : 's'} running, ${this.healthChecks} health check${this.healthChecks === 1 ? '' : 's'}`
    this.counts = new Map()
    this.healthChecks = 0
    return line
  }
}

export function readWorkloadConfig(env: NodeJS.ProcessEnv): WorkloadConfig {
  const number = (name: string, fallback: number, min: number): number => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    if (!Number.isFinite(value) || value < min)
      throw new Error(`${name} must be a number ≥ ${min}, got '${raw}'`)
    return value
  }
  return {
    port: number('PORT', 8080, 0),
    host: env.HOST || '0.0.0.0',
    servedBy: env.SERVED_BY || 'unknown',
    cpuMs: number('CPU_MS', 20, 0),
    cpus: number('CPUS', 1, 0.01),
  }
}

/** Spends `ms` of this process's CPU time (not wall time, so that a throttled container still pays in full). */
function burnCpu(ms: number): number {
  const start = process.cpuUsage()
  let x = 0
  for (;;) {
    for (let i = 0; i < 2000; i++) x = Math.sqrt(x + i)
    const used = process.cpuUsage(start)
    const usedMs = (used.user + used.system) / 1000
    if (usedMs >= ms) return usedMs
  }
}

function parseSeconds(raw: string | null): number | undefined {
  if (raw === null || !/^\d+(\.\d+)?$/.test(raw)) return undefined
  const seconds = Number(raw)
  return seconds > 0 && seconds <= MAX_SESSION_SECONDS ? seconds : undefined
}

export async function startWorkloadServer(
  config: WorkloadConfig,
  timing: WorkloadTiming = {},
): Promise<RunningWorkload> {
  const heartbeatMs = timing.sessionHeartbeatMs ?? SESSION_HEARTBEAT_MS
  const log = timing.log
  const access = new AccessCounts()
  let sessions = 0
  const accessLog = log
    ? setInterval(() => {
        const line = access.take(sessions)
        if (line) log(line)
      }, 1000).unref()
    : undefined
  // A single JS thread can hold at most one core, whatever the allotment.
  const busyFraction = Math.min(1, config.cpus * 0.5)
  let closing = false

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = `${JSON.stringify(body)}\n`
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...(closing ? { Connection: 'close' } : {}),
    })
    res.end(text)
  }

  const session = (req: IncomingMessage, res: ServerResponse, seconds: number): void => {
    const started = Date.now()
    const endsAt = started + seconds * 1000
    let cpuMs = 0
    // CPU owed for the wall time since the last slice: late timers and a busy machine are made up for,
    // within one burst, so the session tracks its share instead of drifting below it.
    let owedMs = 0
    let lastTick = started
    let gone = false
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.flushHeaders()
    const heartbeat = setInterval(() => res.write('\n'), heartbeatMs)
    res.on('close', () => {
      gone = true
      clearInterval(heartbeat)
    })
    const tick = (): void => {
      if (gone) return
      const now = Date.now()
      if (closing || now >= endsAt) {
        clearInterval(heartbeat)
        const body = {
          servedBy: config.servedBy,
          session: { seconds: (now - started) / 1000, cpuMs: Math.round(cpuMs), interrupted: closing },
        }
        // Its head went out before the close, announcing keep-alive: end the connection here instead.
        const socket = res.socket
        if (closing) res.once('finish', () => socket?.end())
        res.end(`${JSON.stringify(body)}\n`)
        return
      }
      owedMs = Math.min(owedMs + busyFraction * (now - lastTick), MAX_BURST_MS)
      lastTick = now
      if (owedMs > 0) {
        const used = burnCpu(owedMs)
        owedMs -= used
        cpuMs += used
      }
      setTimeout(tick, SESSION_SLICE_MS * (1 - busyFraction))
    }
    req.resume()
    tick()
  }

  const server = createServer((req, res) => {
    res.setHeader('X-Served-By', config.servedBy)
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://workload')
    } catch {
      send(res, 400, { error: 'malformed request target' })
      return
    }
    const route = url.pathname
    if (log) access.count(route)
    if (route !== '/' && route !== '/healthz' && route !== '/session') {
      send(res, 404, { error: `no route ${route}` })
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      send(res, 405, { error: `${req.method} is not allowed on ${route}` })
      return
    }
    if (route === '/healthz') {
      send(res, 200, { ok: true, servedBy: config.servedBy })
    } else if (route === '/') {
      send(res, 200, { servedBy: config.servedBy, cpuMs: Math.round(burnCpu(config.cpuMs) * 10) / 10 })
    } else {
      const seconds = parseSeconds(url.searchParams.get('seconds'))
      if (seconds === undefined) {
        send(res, 400, { error: `seconds must be a number in (0, ${MAX_SESSION_SECONDS}]` })
        return
      }
      sessions++
      res.once('close', () => sessions--)
      log?.(`session of ${seconds} s started`)
      session(req, res, seconds)
    }
  })
  // Keep-alive from the agent's proxy must outlive its own idle timeout, or it would race our close.
  server.keepAliveTimeout = 65_000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port

  let closed: Promise<void> | undefined
  return {
    port,
    close() {
      closing = true
      clearInterval(accessLog)
      // Node ≥ 19 also drops idle keep-alive sockets here; busy ones close after their response.
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()))
      return closed
    },
  }
}

/** The container's entry point: config from the environment, graceful exit on SIGTERM/SIGINT. */
export async function runWorkloadServer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = readWorkloadConfig(env)
  const running = await startWorkloadServer(config, { log: (line) => console.log(line) })
  console.log(`workload ${config.servedBy} listening on ${config.host}:${running.port}`)
  // As PID 1 in a container, node ignores signals it does not handle: handle them explicitly.
  const stop = (signal: string): void => {
    console.log(`workload ${config.servedBy}: ${signal}, finishing in-flight requests`)
    void running.close().then(() => process.exit(0))
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}
