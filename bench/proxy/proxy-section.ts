// The proxy benchmark as a section of docs/BENCHMARKS.md: the run's settings, its method in prose
// (what runs where, and what that means for the figures), the tables of this run's numbers, and what
// limits the embedded data plane.
import { loadavg } from 'node:os'
import type { ToolAvailability } from './proxy-bench'
import {
  benchProxy,
  type ProxyBenchResult,
  type ProxyRow,
  type ProxyScenario,
  throughputRatio,
} from './proxy-bench'

/** The shape bench/index.ts writes out: `## title`, the method, then the table. */
export interface BenchSection {
  title: string
  method: string
  table: string
}

export async function proxySection({ quick }: { quick: boolean }): Promise<BenchSection> {
  const load = loadavg()[0]!
  const result = await benchProxy({
    seconds: quick ? 2 : 5,
    warmupSeconds: quick ? 1 : 2,
    rounds: quick ? 2 : 3,
    latencySeconds: quick ? 1 : 2,
    connections: 32,
    log: (line) => process.stderr.write(`${line}\n`),
  })
  return {
    title: 'Data plane: proxies against nginx',
    method: proxyMethod(result, load),
    table: `${proxyTable(result)}\n\n${EMBEDDED_LIMITS}`,
  }
}

const toolText = (name: string, tool: ToolAvailability) =>
  'binary' in tool ? tool.version : `${name} ${tool.missing}, so there is no ${name} row`

export function proxyMethod(result: ProxyBenchResult, loadAverage: number): string {
  return [
    'Two trivial backends (node:http answering a fixed JSON body of a few dozen bytes with Content-Length) run in one Node process.',
    `The load generator is wrk (Debian's package) in its own process, one thread, ${result.connections} keep-alive connections with one request in flight each (closed loop),`,
    "as users and other projects measure proxies: no client shares a proxy's event loop.",
    `Every path is up for the whole run and gets ${result.warmupSeconds} s of warm-up first; then ${result.rounds} rounds each give every path ${result.seconds} s at ${result.connections} connections`,
    `and ${result.latencySeconds} s at one connection, each round in a rotated order, so that the machine's drift falls on all paths alike.`,
    "Requests/s is the median of the rounds (lowest–highest round beside it); p50/p99 are wrk's, medians of the rounds; the one-connection p50 gives the latency each hop adds",
    "(a path's p50 minus that of the path one hop shorter).",
    "The agent LB is vmm-agent's own `startLocalLoadBalancer` given a stand-in Agent that holds a pool, meter and two ready replicas",
    "built as the Agent builds them; the front proxy is the VIM's `FrontProxy` as core.ts builds it (with the Prometheus hook and its health checks), one VM in",
    'rotation. Both forward with the shared `createBalancedProxy`. Each runs in its own process.',
    "The HAProxy plane rows are the same two tiers with `--data-plane haproxy`: the agent's `startHaproxyLoadBalancer` and the VIM's",
    "`HaproxyFrontProxy`, each running HAProxy with the configuration it generates (HAProxy's default of one thread per CPU,",
    '`balance leastconn`, health checks, retries and the forwarding rules on, servers set through the Runtime API); their CPU is the',
    'Node process and its HAProxy together.',
    `References: ${toolText('nginx', result.nginx)} with \`worker_processes 1\`, \`least_conn\`, \`keepalive 64\` upstream connections over HTTP/1.1, X-Forwarded-* set, \`access_log off\`;`,
    `${toolText('HAProxy', result.haproxy)} with \`nbthread 1\`, \`balance leastconn\`, \`http-reuse always\`, \`option forwardfor\`, no log. One worker or thread each: the fair match for one Node event loop.`,
    "Proxy CPU is the proxy processes' user + system time from /proc while loaded (the front row: front proxy and agent LB together), in cores.",
    'The machine has 2 cores shared by wrk, the backends and the proxies, so requests/s is what the whole machine sustains through that path;',
    "requests per proxy CPU-second is the proxy's own efficiency.",
    `Other work may share the machine (1-minute load average ${loadAverage.toFixed(2)} when this section started); the ratios compare paths of the same run.`,
  ].join(' ')
}

/** What profiles of the embedded plane under wrk showed (node --cpu-prof, perf, strace -c, /proc). */
export const EMBEDDED_LIMITS = [
  '**What limits the embedded plane.** Profiled under wrk (`node --cpu-prof`, `perf record`, `strace -c`, CPU time from',
  '/proc), a proxied request makes the fewest system calls it can: one read and one write on the client side, one write',
  'and one read upstream, with epoll waits shared by many requests at 32 connections (two per request at one). What the',
  'forwarder did per request was cut: the upstream head is built once, in one pass over the raw header lines, as a flat',
  "list (Node's headers object is never built on this path); the forwarding values for a peer and host are remembered;",
  'the meter keeps a fixed histogram per second (O(1)); the front proxy keeps one listener per request and counts',
  'requests for Prometheus without hashing labels. Upstream, a request without a body goes through kept-alive HTTP/1.1',
  "connections of the project's own (`upstream-connections.ts`): the head written as one string, the response read by a",
  "strict parser (`response-parser.ts`), where undici's pool took about a fifth of the front's CPU. On the client side,",
  'the plainest requests (HTTP/1.1 GET, HEAD, OPTIONS or DELETE without a body, in strict RFC 9112 form) are read and',
  "answered on the socket by `lean-server.ts`, without node:http's IncomingMessage, ServerResponse and their streams;",
  "any other request (a body, an upgrade, HTTP/1.0, a malformed or oversized head, the agent's own pages) hands its",
  'connection, with the bytes not yet served, to node:http and its llhttp parser, which serves or refuses it as before.',
  'Measured A/B on the same machine, same backends, alternating: the agent LB went from 121–128 µs of CPU per request',
  'at 32 connections to 90–112 with the first changes, to 80–103 with its own upstream connections and to 68–97 with',
  'the lean client side (throughput +20–30 % in the same rounds); the front proxy and agent LB together from 231–315',
  'to 181–237. What is left at one connection is mostly outside our code: timed inside the agent LB (performance.now()',
  "around its own steps), a request's bytes become the upstream write in 6–8 µs of JavaScript plus 16–18 µs in that",
  "write, and the response's bytes become the client's write in 10–13 µs plus 15–18 µs; the rest of a hop is two wake-ups",
  "of the process, two reads and Node's stream and event-loop machinery around them. On this virtual machine perf puts",
  "about a quarter of the agent LB's CPU at one connection in wake-ups alone (`_raw_spin_unlock_irqrestore`,",
  '`finish_task_switch`). nginx and HAProxy make the same system calls from C, at 25–35 µs of CPU per request here: that',
  'is the remaining gap, and `--data-plane haproxy` is the answer for those who need it.',
].join(' ')

const fixed = (value: number | undefined, digits: number) =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits)
const thousands = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : Math.round(value).toLocaleString('en-US')

function rowLine(row: ProxyRow): string {
  return [
    '',
    row.path,
    `${thousands(row.requestsPerSecond)} (${thousands(row.requestsPerSecondRange[0])}–${thousands(row.requestsPerSecondRange[1])})`,
    `${fixed(row.latencyMs.p50, 2)} ms`,
    `${fixed(row.latencyMs.p99, 2)} ms`,
    `${fixed(row.singleConnectionP50Ms, 3)} ms`,
    String(row.errors),
    `${Math.round(row.split[0] * 100)} / ${Math.round(row.split[1] * 100)} %`,
    row.proxyCores === undefined ? '—' : fixed(row.proxyCores, 2),
    row.requestsPerProxyCpuSecond === undefined ? '—' : thousands(row.requestsPerProxyCpuSecond),
    '',
  ]
    .join(' | ')
    .trim()
}

/** Latency a hop adds at one connection: the path's p50 minus the p50 of the path one hop shorter. */
export function addedLatencyMs(rows: readonly ProxyRow[], path: ProxyScenario, shorter: ProxyScenario) {
  const a = rows.find((row) => row.scenario === path)
  const b = rows.find((row) => row.scenario === shorter)
  return a && b ? a.singleConnectionP50Ms - b.singleConnectionP50Ms : undefined
}

/** Pure: the markdown tables: every path, our proxies over the references, and the latency per hop. */
export function proxyTable(result: ProxyBenchResult): string {
  const lines = [
    `| Path | Requests/s at ${result.connections} connections (rounds) | p50 | p99 | p50 at 1 connection | Errors | Backend split | Proxy CPU (cores) | Requests per proxy CPU-second |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...result.rows.map(rowLine),
  ]
  const references = (['nginx-1', 'haproxy-1'] as const).filter((scenario) =>
    result.rows.some((row) => row.scenario === scenario),
  )
  const times = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)}×`)
  const perCpu = (scenario: ProxyScenario) =>
    result.rows.find((row) => row.scenario === scenario)?.requestsPerProxyCpuSecond
  const cpuRatio = (ours: ProxyScenario, theirs: ProxyScenario) => {
    const a = perCpu(ours)
    const b = perCpu(theirs)
    return a !== undefined && b ? a / b : undefined
  }
  if (references.length === 0) {
    lines.push('', 'No reference proxy: neither nginx nor HAProxy is installed.')
  } else {
    const names: Record<(typeof references)[number], string> = { 'nginx-1': 'nginx', 'haproxy-1': 'HAProxy' }
    const header = references.flatMap((r) => [`÷ ${names[r]} requests/s`, `÷ ${names[r]} per CPU-second`])
    lines.push(
      '',
      `| Ours, same run | ${header.join(' | ')} |`,
      `| --- | ${header.map(() => '---').join(' | ')} |`,
      ...(
        [
          ['front', 'VIM front proxy → agent LB (the whole chain)'],
          ['agent-lb', 'Agent LB alone (one hop, like the references)'],
          ['haproxy-front', 'HAProxy plane: VIM front → agent LB (the whole chain)'],
          ['haproxy-agent-lb', 'HAProxy plane: agent LB alone (one hop)'],
        ] as const
      )
        .filter(([ours]) => result.rows.some((row) => row.scenario === ours))
        .map(
          ([ours, label]) =>
            `| ${label} | ${references.flatMap((r) => [times(throughputRatio(result.rows, ours, r)), times(cpuRatio(ours, r))]).join(' | ')} |`,
        ),
    )
  }
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(3)} ms`)
  const hops: [string, ProxyScenario, ProxyScenario][] = [
    ['Agent LB (client → agent LB, over client → backend)', 'agent-lb', 'direct'],
    ['VIM front proxy (the chain, over the agent LB alone)', 'front', 'agent-lb'],
    ['HAProxy plane: agent LB (over client → backend)', 'haproxy-agent-lb', 'direct'],
    ['HAProxy plane: VIM front (its chain, over its agent LB alone)', 'haproxy-front', 'haproxy-agent-lb'],
    ['nginx (1 worker)', 'nginx-1', 'direct'],
    ['HAProxy (1 thread)', 'haproxy-1', 'direct'],
  ]
  lines.push(
    '',
    '| Hop | Added p50 latency at 1 connection |',
    '| --- | --- |',
    ...hops
      .filter(([, path]) => result.rows.some((row) => row.scenario === path))
      .map(([label, path, shorter]) => `| ${label} | ${ms(addedLatencyMs(result.rows, path, shorter))} |`),
  )
  return lines.join('\n')
}
