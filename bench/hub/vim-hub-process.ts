// The VIM side of the hub benchmark, alone in its process so that its CPU is its own: a real AgentHub
// (plain ws://) bound to the cluster store by core.ts's AgentMembership (store, time series), the front-proxy
// rotation, and the control API's HTTP server, whose event stream the benchmark's UI client reads.

import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { STREAM_PATH, startHttpApiServer } from '../../src/main/api/http-server'
import { AgentMembership } from '../../src/main/cluster/agent-membership'
import { ClusterStore } from '../../src/main/cluster/cluster-store'
import { ClusterSeries } from '../../src/main/cluster/time-series'
import { AgentHub } from '../../src/main/hub/agent-hub'
import { FrontProxy } from '../../src/main/proxy/front-proxy'
import { followCluster } from '../../src/main/proxy/rotation'
import type { ControlApi } from '../../src/shared/api/contract'
import { DEFAULT_MEMBERSHIP_SETTINGS } from '../../src/shared/domain/membership'
import { DEFAULT_POLICY } from '../../src/shared/policy/scaling-policy'
import { failStart, serveParent } from '../proxy/bench-child-runtime'

/**
 * `core`: the report path as core.ts wires it (store, time series, front-proxy rotation on every store
 * change). `store-feed`: only the hub, the store and the UI feed, to separate the hub's own cost.
 */
export type VimWiring = 'core' | 'store-feed'

export interface VimHubReady {
  /** The hub, for the agents. */
  url: string
  /** The UI event stream (ws://…/api/v1/stream) and its API token. */
  streamUrl: string
  apiToken: string
}

export interface VimHubMemory {
  rssBytes: number
  heapUsedBytes: number
}

export interface VimHubWindow {
  seconds: number
  /** User + system CPU of this process over the window, in % of one core. */
  cpuPercentOfOneCore: number
  rssBytes: number
  rssPeakBytes: number
  heapUsedBytes: number
  sessions: number
  reportsReceived: number
  eventLoopDelayP99Ms: number
}

function start(token: string, wiring: VimWiring): Promise<void> {
  const store = new ClusterStore()
  const series = new ClusterSeries()
  // Never started: as in core.ts, its rotation follows every store change, which is part of a report's cost.
  const front = new FrontProxy({ host: '127.0.0.1', port: 0 })
  // The product's own binding of hub and store, with limits that let the whole fleet in at once.
  const membership = new AgentMembership({
    store,
    series,
    settings: () => ({ ...DEFAULT_MEMBERSHIP_SETTINGS, maxVms: 100_000, newVmsPerMinute: 100_000 }),
    self: () => ({ localAddresses: new Set(), reservedPorts: new Set() }),
    agentPolicy: (capacity) => ({
      ...DEFAULT_POLICY,
      minReplicas: Math.min(DEFAULT_POLICY.minReplicas, capacity),
      maxReplicas: capacity,
    }),
  })
  const hub = new AgentHub({
    host: '127.0.0.1',
    port: 0,
    token,
    tls: false,
    welcome: (hello, remoteAddress) => membership.admit(hello, remoteAddress),
    logger: { info: () => {}, warn: (message) => process.stderr.write(`${message}\n`) },
  })

  let reportsReceived = 0
  hub.on('report', () => reportsReceived++)
  if (wiring === 'core') membership.attach(hub)
  else {
    // Only the hub and the store: the report path's own cost, without the series and the rotation.
    hub.on('connected', (session) => {
      store.agentConnected({
        name: session.vmName,
        provider: 'ssh',
        capacity: session.hello.capacity.containers,
        address: `${session.remoteAddress}:${session.hello.lbPort}`,
        version: session.hello.agentVersion,
        runtime: session.hello.runtime,
        connectedAt: session.connectedAt,
        target: session.hello.replicas ?? 1,
      })
    })
    hub.on('report', (session, report) => store.applyReport(session.vmName, report, Date.now()))
    hub.on('disconnected', (session) => store.agentDisconnected(session.vmName))
  }
  const stopRotation = wiring === 'core' ? followCluster(store, front) : () => {}

  // The UI's transport: only its event stream is used, so the calls are left out.
  const apiToken = randomBytes(24).toString('base64url')
  const ui = startHttpApiServer({
    api: {} as ControlApi,
    feed: { store },
    token: apiToken,
    rendererDir: '/nonexistent',
    host: '127.0.0.1',
    port: 0,
  })

  const delay = monitorEventLoopDelay({ resolution: 10 })
  let cpuAtStart = process.cpuUsage()
  let startedAt = performance.now()
  let reportsAtStart = 0
  let rssPeak = 0
  let sampler: NodeJS.Timeout | undefined

  return Promise.all([hub.start(), ui]).then(([address, server]) =>
    serveParent(
      {
        url: address.url,
        streamUrl: `ws://127.0.0.1:${server.port}${STREAM_PATH}`,
        apiToken,
      } satisfies VimHubReady,
      {
        sessions: () => hub.sessions().length,
        memory: (): VimHubMemory => {
          const usage = process.memoryUsage()
          return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed }
        },
        measureStart: () => {
          profiler?.start()
          reportsAtStart = reportsReceived
          rssPeak = process.memoryUsage.rss()
          clearInterval(sampler)
          sampler = setInterval(() => {
            rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
          }, 100)
          delay.reset()
          delay.enable()
          cpuAtStart = process.cpuUsage()
          startedAt = performance.now()
        },
        measureStop: (): VimHubWindow => {
          const cpu = process.cpuUsage(cpuAtStart)
          const wallMs = performance.now() - startedAt
          profiler?.stop()
          clearInterval(sampler)
          delay.disable()
          const usage = process.memoryUsage()
          return {
            seconds: wallMs / 1000,
            cpuPercentOfOneCore: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
            rssBytes: usage.rss,
            rssPeakBytes: Math.max(rssPeak, usage.rss),
            heapUsedBytes: usage.heapUsed,
            sessions: hub.sessions().length,
            reportsReceived: reportsReceived - reportsAtStart,
            eventLoopDelayP99Ms: delay.count > 0 ? delay.percentile(99) / 1e6 : Number.NaN,
          }
        },
      },
      async () => {
        clearInterval(sampler)
        stopRotation()
        await (await ui).close()
        await hub.close()
        await front.close()
      },
    ),
  )
}

/**
 * ACS_BENCH_CPU_PROFILE=FILE: a V8 CPU profile of the measured window (open it in Chrome's DevTools), to
 * see where the VIM's time goes. The benchmark forks this process without Node flags, hence the inspector.
 */
function windowProfiler(file: string | undefined) {
  if (!file) return undefined
  const session = new Session()
  session.connect()
  return {
    start: () => {
      session.post('Profiler.enable')
      session.post('Profiler.start')
    },
    stop: () =>
      session.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(file, JSON.stringify(result.profile))
      }),
  }
}
const profiler = windowProfiler(process.env.ACS_BENCH_CPU_PROFILE)

const [token, wiring] = process.argv.slice(2)
if (!token || (wiring !== 'core' && wiring !== 'store-feed')) {
  failStart(new Error('usage: vim-hub-process TOKEN core|store-feed'))
} else await start(token, wiring).catch(failStart)
