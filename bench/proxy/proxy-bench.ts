// The data-plane benchmark: closed-loop load (autocannon, fixed connections and duration, after a
// warm-up) on two trivial backends directly, through the agent's load balancer, through the VIM front
// proxy and the agent load balancer, and through nginx balancing the same two backends.
import autocannon from 'autocannon'
import { type BenchChild, startBenchChild } from './bench-child'
import { findNginx, nginxVersion, startNginx } from './nginx'
import { processTreeCpuSeconds } from './process-cpu'
import type { ProxyProcessReady } from './proxy-process'

const PROXY_PROCESS = 'bench/proxy/proxy-process.ts'

export type ProxyScenario = 'direct' | 'agent-lb' | 'front' | `nginx-${number | 'auto'}`

export interface ProxyBenchOptions {
  /** Measured seconds per scenario. */
  seconds: number
  /** Load before each measurement, not counted: connections open, JIT and keep-alive pools warm. */
  warmupSeconds: number
  /** Concurrent keep-alive connections, each with one request in flight (closed loop). */
  connections?: number
  /** The nginx binary; looked up when omitted; false leaves nginx out. */
  nginx?: string | false
  /** One nginx run per entry. */
  nginxWorkers?: readonly (number | 'auto')[]
  /** Progress lines (stderr in `npm run bench`). */
  log?: (line: string) => void
}

export interface ProxyRow {
  scenario: ProxyScenario
  /** The request path, for a person: "client → front proxy → agent LB → 2 backends". */
  path: string
  requestsPerSecond: number
  latencyMs: { p50: number; p99: number }
  /** Connection errors, timeouts and non-2xx answers in the window. */
  errors: number
  /** Share of the window's requests answered by backend 1 and backend 2. */
  split: [number, number]
  /** CPU the proxy processes used in the window, in cores (1 = one core busy); undefined without a proxy. */
  proxyCores: number | undefined
}

export type NginxAvailability = { binary: string; version: string } | { missing: string }

export interface ProxyBenchResult {
  connections: number
  seconds: number
  warmupSeconds: number
  nginx: NginxAvailability
  rows: ProxyRow[]
}

interface ProxyTarget {
  port: number
  /** Processes whose CPU counts as the proxy's. */
  pids: number[]
  stop(): Promise<void>
}

export async function benchProxy({
  seconds,
  warmupSeconds,
  connections = 32,
  nginx,
  nginxWorkers = [1, 'auto'],
  log = () => {},
}: ProxyBenchOptions): Promise<ProxyBenchResult> {
  const binary = nginx === false ? undefined : (nginx ?? findNginx())
  const availability: NginxAvailability = binary
    ? { binary, version: nginxVersion(binary) }
    : { missing: nginx === false ? 'left out' : 'not installed' }
  const backends = await startBenchChild<ProxyProcessReady>(PROXY_PROCESS, { args: ['backends'] })
  try {
    const backendPorts = backends.ready.ports
    const window = { seconds, warmupSeconds, connections }
    const run = async (scenario: ProxyScenario, path: string, start: () => Promise<ProxyTarget>) => {
      log(`bench: proxy ${scenario} (${warmupSeconds} s warm-up, ${seconds} s measured)…`)
      const target = await start()
      try {
        return { scenario, path, ...(await measureWindow(target, backends, window)) }
      } finally {
        await target.stop()
      }
    }

    const rows: ProxyRow[] = []
    rows.push(
      await run('direct', 'client → backend 1', async () => ({
        port: backendPorts[0]!,
        pids: [],
        stop: async () => {},
      })),
    )
    rows.push(
      await run('agent-lb', 'client → agent LB → 2 backends', async () => {
        const lb = await startAgentLb(backendPorts)
        return { port: lb.ready.ports[0]!, pids: [lb.pid], stop: () => lb.stop() }
      }),
    )
    rows.push(
      await run('front', 'client → VIM front proxy → agent LB → 2 backends', async () => {
        const lb = await startAgentLb(backendPorts)
        const front = await startBenchChild<ProxyProcessReady>(PROXY_PROCESS, {
          args: ['front', String(lb.ready.ports[0])],
        }).catch(async (error) => {
          await lb.stop()
          throw error
        })
        return {
          port: front.ready.ports[0]!,
          pids: [front.pid, lb.pid],
          stop: async () => {
            await front.stop()
            await lb.stop()
          },
        }
      }),
    )
    if (binary) {
      for (const workers of nginxWorkers) {
        rows.push(
          await run(
            `nginx-${workers}`,
            `client → nginx (worker_processes ${workers}) → 2 backends`,
            async () => {
              const running = await startNginx({
                binary,
                upstreamPorts: backendPorts,
                workerProcesses: workers,
              })
              return { port: running.port, pids: [running.pid], stop: () => running.stop() }
            },
          ),
        )
      }
    }
    return { connections, seconds, warmupSeconds, nginx: availability, rows }
  } finally {
    await backends.stop()
  }
}

function startAgentLb(backendPorts: readonly number[]): Promise<BenchChild<ProxyProcessReady>> {
  return startBenchChild<ProxyProcessReady>(PROXY_PROCESS, {
    args: ['agent-lb', ...backendPorts.map(String)],
  })
}

/** After the measured window the load runs this much longer, so that its end is not in the window. */
const tailMs = (seconds: number) => Math.min(500, Math.max(100, seconds * 250))

/**
 * One continuous closed-loop run: warm-up, then the measured window, then a short tail. Continuous,
 * because stopping the load generator aborts its in-flight requests, which must not fall inside the
 * window; each proxy is also fresh per scenario.
 */
async function measureWindow(
  target: ProxyTarget,
  backends: BenchChild<ProxyProcessReady>,
  { seconds, warmupSeconds, connections }: { seconds: number; warmupSeconds: number; connections: number },
): Promise<Omit<ProxyRow, 'scenario' | 'path'>> {
  const url = `http://127.0.0.1:${target.port}/`
  const latencies: number[] = []
  let errors = 0
  let measuring = false
  const instance = autocannon({
    url,
    connections,
    duration: warmupSeconds + seconds + tailMs(seconds) / 1000,
  })
  // Awaited after the window; a failure meanwhile (the target died) must not go unhandled until then.
  const finished = Promise.resolve(instance)
  finished.catch(() => {})
  instance.on('response', (_client, status, _bytes, ms) => {
    if (!measuring) return
    if (status >= 200 && status < 300) latencies.push(ms)
    else errors++
  })
  instance.on('reqError', () => {
    if (measuring) errors++
  })
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  const cpuNow = () => target.pids.map((pid) => processTreeCpuSeconds(pid))

  await sleep(warmupSeconds * 1000)
  await backends.request('takeServed')
  const cpuBefore = cpuNow()
  const started = performance.now()
  measuring = true
  await sleep(seconds * 1000)
  measuring = false
  const wallSeconds = (performance.now() - started) / 1000
  const cpuAfter = cpuNow()
  const served = await backends.request<[number, number]>('takeServed')
  await finished

  const cpuSeconds = cpuAfter.reduce<number | undefined>((sum, after, index) => {
    const before = cpuBefore[index]
    return sum === undefined || after === undefined || before === undefined ? undefined : sum + after - before
  }, 0)
  const total = served[0] + served[1]
  latencies.sort((a, b) => a - b)
  return {
    requestsPerSecond: latencies.length / wallSeconds,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    errors,
    split: total > 0 ? [served[0] / total, served[1] / total] : [0, 0],
    proxyCores: target.pids.length > 0 && cpuSeconds !== undefined ? cpuSeconds / wallSeconds : undefined,
  }
}

/** Nearest-rank percentile of sorted values; NaN for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

/** A row's throughput over another's (e.g. our front proxy over nginx), undefined when either is missing. */
export function throughputRatio(rows: readonly ProxyRow[], ours: ProxyScenario, theirs: ProxyScenario) {
  const a = rows.find((row) => row.scenario === ours)
  const b = rows.find((row) => row.scenario === theirs)
  return a && b && b.requestsPerSecond > 0 ? a.requestsPerSecond / b.requestsPerSecond : undefined
}
