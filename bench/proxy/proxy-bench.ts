// The data-plane benchmark, measured as users and other projects measure proxies: wrk in its own
// process drives each path (two trivial backends directly, the agent's load balancer, the VIM front
// proxy → agent load balancer chain, nginx and HAProxy balancing the same two backends) at a fixed
// concurrency and at one connection, in alternating rounds so that the machine's drift falls on every
// path alike. Every target stays up for the whole run; each round visits them in a rotated order.
import { type BenchChild, startBenchChild } from './bench-child'
import { findHaproxy, haproxyVersion, startHaproxy } from './haproxy'
import { findNginx, nginxVersion, startNginx } from './nginx'
import { processTreeCpuSeconds } from './process-cpu'
import type { ProxyProcessReady } from './proxy-process'
import type { RunningReferenceProxy } from './reference-proxy'
import { findWrk, runWrk, type WrkRun } from './wrk'

const PROXY_PROCESS = 'bench/proxy/proxy-process.ts'

export type ProxyScenario =
  | 'direct'
  | 'agent-lb'
  | 'front'
  | 'haproxy-agent-lb'
  | 'haproxy-front'
  | 'nginx-1'
  | 'haproxy-1'

export interface ProxyBenchOptions {
  /** Measured seconds per path per round at the fixed concurrency (whole seconds, wrk's resolution). */
  seconds: number
  /** Load on every path before the first round, not counted: connections, JIT and upstream pools warm. */
  warmupSeconds: number
  /** Rounds over all paths; each path's figures are the median of its rounds. */
  rounds: number
  /** Seconds per path per round at one connection, for the latency each hop adds. */
  latencySeconds?: number
  /** Concurrent keep-alive connections, each with one request in flight (closed loop). */
  connections?: number
  /** Binaries; looked up when omitted; false leaves one out. */
  nginx?: string | false
  haproxy?: string | false
  /** Progress lines (stderr in `npm run bench`). */
  log?: (line: string) => void
}

export interface ProxyRow {
  scenario: ProxyScenario
  /** The request path, for a person: "client → front proxy → agent LB → 2 backends". */
  path: string
  /** Median over the rounds, and the lowest and highest round. */
  requestsPerSecond: number
  requestsPerSecondRange: [number, number]
  /** At the fixed concurrency: medians over the rounds. */
  latencyMs: { p50: number; p99: number }
  /** At one connection: median of the rounds' p50. */
  singleConnectionP50Ms: number
  /** Connection errors, timeouts and non-2xx answers, all rounds together. */
  errors: number
  /** Share of the requests answered by backend 1 and backend 2, all rounds together. */
  split: [number, number]
  /** CPU the proxy processes used while loaded, in cores (1 = one core busy); undefined without a proxy. */
  proxyCores: number | undefined
  /** Requests served per CPU-second of the proxy processes; undefined without a proxy. */
  requestsPerProxyCpuSecond: number | undefined
}

export type ToolAvailability = { binary: string; version: string } | { missing: string }

export interface ProxyBenchResult {
  connections: number
  seconds: number
  warmupSeconds: number
  rounds: number
  latencySeconds: number
  nginx: ToolAvailability
  haproxy: ToolAvailability
  rows: ProxyRow[]
}

interface ProxyTarget {
  scenario: ProxyScenario
  path: string
  port: number
  /** Processes whose CPU counts as the proxy's. */
  pids: number[]
}

interface Tally {
  runs: WrkRun[]
  singleP50: number[]
  errors: number
  served: [number, number]
  cpuSeconds: number | undefined
  loadedSeconds: number
  loadedRequests: number
}

function availability(
  option: string | false | undefined,
  find: () => string | undefined,
  version: (b: string) => string,
): ToolAvailability {
  if (option === false) return { missing: 'left out' }
  const binary = option ?? find()
  return binary ? { binary, version: version(binary) } : { missing: 'not installed' }
}

export async function benchProxy({
  seconds,
  warmupSeconds,
  rounds,
  latencySeconds = 2,
  connections = 32,
  nginx,
  haproxy,
  log = () => {},
}: ProxyBenchOptions): Promise<ProxyBenchResult> {
  const wrk = findWrk()
  if (!wrk)
    throw new Error('wrk is not installed: `apt-get install -y wrk` (Debian), then run the bench again')
  const nginxTool = availability(nginx, findNginx, nginxVersion)
  const haproxyTool = availability(haproxy, findHaproxy, haproxyVersion)

  const children: BenchChild<ProxyProcessReady>[] = []
  const references: RunningReferenceProxy[] = []
  const child = async (...args: string[]) => {
    const started = await startBenchChild<ProxyProcessReady>(PROXY_PROCESS, { args })
    children.push(started)
    return started
  }
  try {
    const backends = await child('backends')
    const backendPorts = backends.ready.ports
    const lb = await child('agent-lb', ...backendPorts.map(String))
    const front = await child('front', String(lb.ready.ports[0]))
    const targets: ProxyTarget[] = [
      { scenario: 'direct', path: 'client → backend 1', port: backendPorts[0]!, pids: [] },
      {
        scenario: 'agent-lb',
        path: 'client → agent LB → 2 backends',
        port: lb.ready.ports[0]!,
        pids: [lb.pid],
      },
      {
        scenario: 'front',
        path: 'client → VIM front proxy → agent LB → 2 backends',
        port: front.ready.ports[0]!,
        pids: [front.pid, lb.pid],
      },
    ]
    if ('binary' in haproxyTool) {
      // Our HAProxy data plane (--data-plane haproxy): HAProxy run and configured by the agent's and the
      // VIM's own code, one process tree each.
      const binary = haproxyTool.binary
      const haLb = await child('haproxy-agent-lb', binary, ...backendPorts.map(String))
      const haFront = await child('haproxy-front', binary, String(haLb.ready.ports[0]))
      targets.push(
        {
          scenario: 'haproxy-agent-lb',
          path: 'client → agent LB (HAProxy plane) → 2 backends',
          port: haLb.ready.ports[0]!,
          pids: [haLb.pid],
        },
        {
          scenario: 'haproxy-front',
          path: 'client → VIM front (HAProxy plane) → agent LB (HAProxy plane) → 2 backends',
          port: haFront.ready.ports[0]!,
          pids: [haFront.pid, haLb.pid],
        },
      )
    }
    if ('binary' in nginxTool) {
      const running = await startNginx({
        binary: nginxTool.binary,
        upstreamPorts: backendPorts,
        workerProcesses: 1,
      })
      references.push(running)
      targets.push({
        scenario: 'nginx-1',
        path: 'client → nginx (1 worker) → 2 backends',
        port: running.port,
        pids: [running.pid],
      })
    }
    if ('binary' in haproxyTool) {
      const running = await startHaproxy({
        binary: haproxyTool.binary,
        upstreamPorts: backendPorts,
        threads: 1,
      })
      references.push(running)
      targets.push({
        scenario: 'haproxy-1',
        path: 'client → HAProxy (1 thread) → 2 backends',
        port: running.port,
        pids: [running.pid],
      })
    }

    const url = (target: ProxyTarget) => `http://127.0.0.1:${target.port}/`
    // HAProxy's planes take servers in once their first health checks pass.
    for (const target of targets) await untilServing(url(target), target.scenario)
    for (const target of targets) {
      log(`bench: proxy warm-up ${target.scenario} (${warmupSeconds} s)…`)
      await runWrk({ binary: wrk, url: url(target), connections, seconds: warmupSeconds })
    }
    const tallies = new Map<ProxyScenario, Tally>(
      targets.map((target) => [
        target.scenario,
        {
          runs: [],
          singleP50: [],
          errors: 0,
          served: [0, 0],
          cpuSeconds: 0,
          loadedSeconds: 0,
          loadedRequests: 0,
        },
      ]),
    )
    const cpuOf = (pids: number[]) =>
      pids.reduce<number | undefined>((sum, pid) => {
        const seconds = processTreeCpuSeconds(pid)
        return sum === undefined || seconds === undefined ? undefined : sum + seconds
      }, 0)

    for (let round = 0; round < rounds; round++) {
      // Rotated so that no path always runs first (or always right after the same neighbour).
      const order = targets.map((_, index) => targets[(index + round) % targets.length]!)
      for (const target of order) {
        log(
          `bench: proxy round ${round + 1}/${rounds} ${target.scenario} (${seconds} s at ${connections} connections)…`,
        )
        const tally = tallies.get(target.scenario)!
        await backends.request('takeServed')
        const cpuBefore = cpuOf(target.pids)
        const run = await runWrk({ binary: wrk, url: url(target), connections, seconds })
        const cpuAfter = cpuOf(target.pids)
        const served = await backends.request<[number, number]>('takeServed')
        tally.runs.push(run)
        tally.errors += run.errors
        tally.served[0] += served[0]
        tally.served[1] += served[1]
        tally.loadedSeconds += run.seconds
        tally.loadedRequests += run.requests
        tally.cpuSeconds =
          tally.cpuSeconds === undefined || cpuBefore === undefined || cpuAfter === undefined
            ? undefined
            : tally.cpuSeconds + cpuAfter - cpuBefore
      }
      for (const target of order) {
        const single = await runWrk({
          binary: wrk,
          url: url(target),
          connections: 1,
          seconds: latencySeconds,
        })
        const tally = tallies.get(target.scenario)!
        tally.singleP50.push(single.latencyMs.p50)
        tally.errors += single.errors
      }
    }

    const rows = targets.map((target): ProxyRow => {
      const tally = tallies.get(target.scenario)!
      const rates = tally.runs.map((run) => run.requestsPerSecond)
      const total = tally.served[0] + tally.served[1]
      const hasProxy = target.pids.length > 0 && tally.cpuSeconds !== undefined && tally.cpuSeconds > 0
      return {
        scenario: target.scenario,
        path: target.path,
        requestsPerSecond: median(rates),
        requestsPerSecondRange: [Math.min(...rates), Math.max(...rates)],
        latencyMs: {
          p50: median(tally.runs.map((run) => run.latencyMs.p50)),
          p99: median(tally.runs.map((run) => run.latencyMs.p99)),
        },
        singleConnectionP50Ms: median(tally.singleP50),
        errors: tally.errors,
        split: total > 0 ? [tally.served[0] / total, tally.served[1] / total] : [0, 0],
        proxyCores: hasProxy ? tally.cpuSeconds! / tally.loadedSeconds : undefined,
        requestsPerProxyCpuSecond: hasProxy ? tally.loadedRequests / tally.cpuSeconds! : undefined,
      }
    })
    return {
      connections,
      seconds,
      warmupSeconds,
      rounds,
      latencySeconds,
      nginx: nginxTool,
      haproxy: haproxyTool,
      rows,
    }
  } finally {
    for (const reference of references) await reference.stop()
    for (const started of children.reverse()) await started.stop()
  }
}

/** Polls `url` until it answers 200, for at most `deadlineMs`; throws naming the path otherwise. */
async function untilServing(url: string, scenario: string, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  let last = 'no answer'
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.status === 200) return
      last = `HTTP ${response.status}`
    } catch (error) {
      last = error instanceof Error ? error.message : String(error)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${scenario} at ${url} did not answer 200 within ${deadlineMs / 1000} s (${last})`)
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
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
