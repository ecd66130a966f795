// wrk (Debian's package) as the load generator, in its own process, as users and other projects
// measure proxies: a fixed number of keep-alive connections, one request in flight on each, for a fixed
// time. Its summary is parsed into numbers; the parser is pure and tested on wrk's own output.
import { spawn } from 'node:child_process'
import { findBinary } from './reference-proxy'

export interface WrkRun {
  /** Completed requests (any status). */
  requests: number
  /** The run's own duration as wrk measured it. */
  seconds: number
  requestsPerSecond: number
  latencyMs: { p50: number; p99: number }
  /** Connect, read, write errors and timeouts, plus non-2xx/3xx answers. */
  errors: number
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

function durationMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text)
  if (!match) return Number.NaN
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number)
}

/** Reads `wrk --latency` output; undefined when it holds no summary (wrk failed). */
export function parseWrkOutput(text: string): WrkRun | undefined {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m|h),/.exec(text)
  if (!total) return undefined
  const requests = Number(total[1])
  const seconds = durationMs(`${total[2]}${total[3]}`) / 1000
  const quantile = (q: string) => {
    const match = new RegExp(`^\\s+${q}%\\s+([\\d.]+(?:us|ms|s|m|h))\\s*$`, 'm').exec(text)
    return match ? durationMs(match[1] as string) : Number.NaN
  }
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0)
  return {
    requests,
    seconds,
    requestsPerSecond: seconds > 0 ? requests / seconds : 0,
    latencyMs: { p50: quantile('50'), p99: quantile('99') },
    errors: socketErrors + non2xx,
  }
}

export function findWrk(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findBinary('wrk', env)
}

export interface WrkOptions {
  binary: string
  url: string
  connections: number
  /** Whole seconds (wrk's resolution). */
  seconds: number
}

/** One wrk run with one thread (the machine's other core is the proxies'); rejects with what wrk said. */
export function runWrk({ binary, url, connections, seconds }: WrkOptions): Promise<WrkRun> {
  const args = ['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--latency', url]
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      out += chunk
    })
    child.stderr.on('data', (chunk: string) => {
      out += chunk
    })
    child.once('error', reject)
    child.once('close', (code) => {
      const run = parseWrkOutput(out)
      if (run && code === 0) resolve(run)
      else reject(new Error(`wrk ${args.join(' ')} failed (exit ${code}): ${out.trim().slice(-500)}`))
    })
  })
}
