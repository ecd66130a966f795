// The proxy benchmark as a section of docs/BENCHMARKS.md: the run's settings, its method in prose
// (what runs where, and what that means for the figures) and the table of this run's numbers.
import { loadavg } from 'node:os'
import { benchProxy, type ProxyBenchResult, type ProxyRow, throughputRatio } from './proxy-bench'

/** The shape bench/index.ts writes out: `## title`, the method, then the table. */
export interface BenchSection {
  title: string
  method: string
  table: string
}

export async function proxySection({ quick }: { quick: boolean }): Promise<BenchSection> {
  const load = loadavg()[0]!
  const result = await benchProxy({
    seconds: quick ? 3 : 10,
    warmupSeconds: quick ? 2 : 3,
    connections: 32,
    log: (line) => process.stderr.write(`${line}\n`),
  })
  return {
    title: 'Data plane: proxies against nginx',
    method: proxyMethod(result, load),
    table: proxyTable(result),
  }
}

export function proxyMethod(result: ProxyBenchResult, loadAverage: number): string {
  const nginx =
    'binary' in result.nginx
      ? `${result.nginx.version} (Debian's nginx-light) from a generated configuration: one upstream of the same two backends with \`least_conn\` (the nearest to our least-outstanding balancer), \`keepalive 64\` upstream connections over HTTP/1.1, X-Forwarded-* headers set as ours set them, \`access_log off\` (ours log no requests either). It runs twice: \`worker_processes 1\`, the fair match for one Node event loop, and \`worker_processes auto\` (one worker per core), as nginx usually runs.`
      : `nginx: ${result.nginx.missing}, so there is no nginx row and no ratio.`
  return [
    'Two trivial backends (node:http answering a fixed JSON body of a few dozen bytes with Content-Length) run in one Node process.',
    `autocannon 8 in the benchmark's own process keeps ${result.connections} keep-alive connections busy, one request in flight each (closed loop),`,
    `for ${result.warmupSeconds} s of warm-up and then ${result.seconds} s measured, in one continuous run that goes on briefly after the window:`,
    'stopping the load aborts in-flight requests, which must not fall inside the window; every proxy is a fresh process for each row.',
    "The agent LB is vmm-agent's own `startLocalLoadBalancer` given a stand-in Agent that holds a pool, meter and two ready replicas",
    "built as the Agent builds them; the front proxy is the VIM's `FrontProxy` as core.ts builds it (with the Prometheus hook), one VM in",
    'rotation. Both forward with the shared `createBalancedProxy` (its own node:http forwarder, keep-alive agent, bounded waits, in-flight limit and queue). Each proxy runs in its own process.',
    nginx,
    'Requests/s counts 2xx answers in the window; latencies are per response (autocannon hrtime, nearest rank). Proxy CPU is the',
    "proxy processes' user + system time from /proc over the window (nginx: master and workers; the front row: front proxy and agent LB),",
    'in cores. The machine has 2 cores shared by the load generator, the backends and the proxies, so requests/s is what the whole',
    "machine sustains through that path; requests per proxy CPU-second is the proxy's own efficiency, the fairer comparison here.",
    `Other work may share the machine (1-minute load average ${loadAverage.toFixed(2)} when this section started); rerun to compare.`,
  ].join(' ')
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits)
const thousands = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : Math.round(value).toLocaleString('en-US')

function rowLine(row: ProxyRow): string {
  const efficiency = row.proxyCores ? row.requestsPerSecond / row.proxyCores : undefined
  return [
    '',
    row.path,
    thousands(row.requestsPerSecond),
    `${fixed(row.latencyMs.p50, 2)} ms`,
    `${fixed(row.latencyMs.p99, 2)} ms`,
    String(row.errors),
    `${Math.round(row.split[0] * 100)} / ${Math.round(row.split[1] * 100)} %`,
    row.proxyCores === undefined ? '—' : fixed(row.proxyCores, 2),
    efficiency === undefined ? '—' : thousands(efficiency),
    '',
  ]
    .join(' | ')
    .trim()
}

/** Pure: the markdown table and the ratios of our proxies to nginx with one worker, side by side. */
export function proxyTable(result: ProxyBenchResult): string {
  const lines = [
    '| Path | Requests/s | p50 | p99 | Errors | Backend split | Proxy CPU (cores) | Requests per proxy CPU-second |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...result.rows.map(rowLine),
  ]
  const nginxOne = result.rows.find((row) => row.scenario === 'nginx-1')
  if (!nginxOne) {
    lines.push(
      '',
      `No nginx comparison: nginx ${'missing' in result.nginx ? result.nginx.missing : 'did not run'}.`,
    )
    return lines.join('\n')
  }
  const perCpu = (row: ProxyRow | undefined) =>
    row?.proxyCores ? row.requestsPerSecond / row.proxyCores : undefined
  const cpuRatio = (scenario: ProxyRow['scenario']) => {
    const ours = perCpu(result.rows.find((row) => row.scenario === scenario))
    const theirs = perCpu(nginxOne)
    return ours !== undefined && theirs ? ours / theirs : undefined
  }
  const times = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)}×`)
  lines.push(
    '',
    '| Ours ÷ nginx (worker_processes 1), same run | Requests/s | Requests per proxy CPU-second |',
    '| --- | --- | --- |',
    `| VIM front proxy → agent LB (the whole chain) | ${times(throughputRatio(result.rows, 'front', 'nginx-1'))} | ${times(cpuRatio('front'))} |`,
    `| Agent LB alone (one hop, like nginx) | ${times(throughputRatio(result.rows, 'agent-lb', 'nginx-1'))} | ${times(cpuRatio('agent-lb'))} |`,
  )
  return lines.join('\n')
}
