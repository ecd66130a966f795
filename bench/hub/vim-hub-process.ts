// The VIM side of the hub benchmark, alone in its process so that its CPU is its own: a real AgentHub
// (plain ws://) bound to the cluster store by core.ts's AgentMembership (store, time series), the front-proxy rotation
// and one event-feed subscriber standing in for the UI, which reads each report's send stamp back.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { openEventFeed } from '../../src/main/api/event-feed'
import { AgentMembership } from '../../src/main/cluster/agent-membership'
import { ClusterStore } from '../../src/main/cluster/cluster-store'
import { ClusterSeries } from '../../src/main/cluster/time-series'
import { AgentHub } from '../../src/main/hub/agent-hub'
import { FrontProxy } from '../../src/main/proxy/front-proxy'
import { followCluster } from '../../src/main/proxy/rotation'
import { DEFAULT_MEMBERSHIP_SETTINGS } from '../../src/shared/domain/membership'
import { DEFAULT_POLICY } from '../../src/shared/policy/scaling-policy'
import { failStart, serveParent } from '../proxy/bench-child-runtime'
import { readStamp } from './report-stamp'

/**
 * `core`: the report path as core.ts wires it (store, time series, front-proxy rotation on every store
 * change). `store-feed`: only the hub, the store and the UI feed, to separate the hub's own cost.
 */
export type VimWiring = 'core' | 'store-feed'

export interface VimHubReady {
  url: string
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
  /** Report sent by an agent → the snapshot holding it reaches the UI subscriber, in ms, sorted. */
  reportToUiMs: number[]
  snapshots: number
  /** Serialised size of the snapshots, as the HTTP/WS transport sends them. */
  snapshotBytes: number
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

  // The UI stand-in: serialises each event as the HTTP/WS transport does, and times the stamps it carries.
  let measuring = false
  let latencies: number[] = []
  let snapshots = 0
  let snapshotBytes = 0
  const lastStamp = new Map<string, number>()
  const closeFeed = openEventFeed({ store }, (event) => {
    const text = JSON.stringify({ type: 'event', ...event })
    if (event.name !== 'cluster:snapshot') return
    const now = Date.now()
    if (measuring) {
      snapshots++
      snapshotBytes += text.length
    }
    for (const vm of event.data.vms) {
      const stamp = readStamp(vm.agent?.recommendation?.reason)
      if (stamp === undefined || lastStamp.get(vm.name) === stamp) continue
      lastStamp.set(vm.name, stamp)
      if (measuring) latencies.push(now - stamp)
    }
  })

  const delay = monitorEventLoopDelay({ resolution: 10 })
  let cpuAtStart = process.cpuUsage()
  let startedAt = performance.now()
  let reportsAtStart = 0
  let rssPeak = 0
  let sampler: NodeJS.Timeout | undefined

  return hub.start().then((address) =>
    serveParent(
      { url: address.url } satisfies VimHubReady,
      {
        sessions: () => hub.sessions().length,
        memory: (): VimHubMemory => {
          const usage = process.memoryUsage()
          return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed }
        },
        measureStart: () => {
          profiler?.start()
          latencies = []
          snapshots = 0
          snapshotBytes = 0
          reportsAtStart = reportsReceived
          rssPeak = process.memoryUsage.rss()
          clearInterval(sampler)
          sampler = setInterval(() => {
            rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
          }, 100)
          delay.reset()
          delay.enable()
          measuring = true
          cpuAtStart = process.cpuUsage()
          startedAt = performance.now()
        },
        measureStop: (): VimHubWindow => {
          const cpu = process.cpuUsage(cpuAtStart)
          const wallMs = performance.now() - startedAt
          profiler?.stop()
          measuring = false
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
            reportToUiMs: latencies.sort((a, b) => a - b),
            snapshots,
            snapshotBytes,
            eventLoopDelayP99Ms: delay.count > 0 ? delay.percentile(99) / 1e6 : Number.NaN,
          }
        },
      },
      async () => {
        clearInterval(sampler)
        closeFeed()
        stopRotation()
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
