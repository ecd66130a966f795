// The hub-scale benchmark: for each fleet size, a fresh VIM hub process, a fleet of simulated agents
// reporting at 1 Hz, a warm-up, then a measured window of the VIM's CPU, memory and report-to-UI latency.
import { randomBytes } from 'node:crypto'
import { startBenchChild } from '../proxy/bench-child'
import { percentile } from '../proxy/proxy-bench'
import { startFleet } from './fleet-simulator'
import type { VimHubMemory, VimHubReady, VimHubWindow, VimWiring } from './vim-hub-process'

const VIM_HUB_PROCESS = 'bench/hub/vim-hub-process.ts'

export interface HubScaleOptions {
  /** Agents per run, one run each. */
  fleets: readonly number[]
  /** One series of runs per wiring (see VimWiring); both by default. */
  wirings?: readonly VimWiring[]
  seconds: number
  /** After the whole fleet is connected, before the window: every agent has reported a few times. */
  warmupSeconds: number
  containersPerAgent?: number
  /** Agents not dialled within this are left out; the row says how many connected. */
  rampTimeoutMs?: number
  /** One agent, from dialling to its welcome. */
  agentConnectTimeoutMs?: number
  log?: (line: string) => void
}

export interface HubScaleRow {
  wiring: VimWiring
  agents: number
  containersPerAgent: number
  /** Agents welcomed and still connected at the end of the window. */
  connected: number
  connectSeconds: number
  seconds: number
  cpuPercentOfOneCore: number
  /** Before any agent connected, then at the end of the window and its peak. */
  rssIdleMiB: number
  rssMiB: number
  rssPeakMiB: number
  heapUsedMiB: number
  reportsPerSecond: number
  reportToUiMs: { samples: number; p50: number; p99: number; max: number }
  snapshotsPerSecond: number
  snapshotKiB: number
  eventLoopDelayP99Ms: number
  /** First few reasons agents failed to join or were dropped. */
  failures: string[]
}

const MiB = 1024 ** 2
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export type HubScaleRunOptions = Omit<HubScaleOptions, 'fleets' | 'wirings' | 'log'>

export async function measureHubScale(
  agents: number,
  wiring: VimWiring,
  {
    seconds,
    warmupSeconds,
    containersPerAgent = 10,
    rampTimeoutMs = 120_000,
    agentConnectTimeoutMs = 10_000,
  }: HubScaleRunOptions,
): Promise<HubScaleRow> {
  const token = randomBytes(24).toString('base64url')
  const vim = await startBenchChild<VimHubReady>(VIM_HUB_PROCESS, { args: [token, wiring] })
  try {
    const idle = await vim.request<VimHubMemory>('memory')
    const connectStarted = performance.now()
    const fleet = await startFleet({
      url: vim.ready.url,
      token,
      agents,
      containersPerAgent,
      rampTimeoutMs,
      connectTimeoutMs: agentConnectTimeoutMs,
    })
    try {
      const connectSeconds = (performance.now() - connectStarted) / 1000
      await sleep(warmupSeconds * 1000)
      await vim.request('measureStart')
      await sleep(seconds * 1000)
      const window = await vim.request<VimHubWindow>('measureStop')
      const stats = fleet.stats()
      const latencies = window.reportToUiMs
      return {
        wiring,
        agents,
        containersPerAgent,
        connected: Math.min(stats.connected, window.sessions),
        connectSeconds,
        seconds: window.seconds,
        cpuPercentOfOneCore: window.cpuPercentOfOneCore,
        rssIdleMiB: idle.rssBytes / MiB,
        rssMiB: window.rssBytes / MiB,
        rssPeakMiB: window.rssPeakBytes / MiB,
        heapUsedMiB: window.heapUsedBytes / MiB,
        reportsPerSecond: window.reportsReceived / window.seconds,
        reportToUiMs: {
          samples: latencies.length,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          max: latencies.at(-1) ?? Number.NaN,
        },
        snapshotsPerSecond: window.snapshots / window.seconds,
        snapshotKiB: window.snapshots > 0 ? window.snapshotBytes / window.snapshots / 1024 : 0,
        eventLoopDelayP99Ms: window.eventLoopDelayP99Ms,
        failures: stats.failures,
      }
    } finally {
      await fleet.close()
    }
  } finally {
    await vim.stop()
  }
}

/** Whether the VIM kept up: every agent still connected and (nearly) every report arriving. */
export function keptUp(row: HubScaleRow): boolean {
  return row.connected === row.agents && row.reportsPerSecond >= 0.9 * row.agents
}

/**
 * One run per wiring and fleet size, smallest first, each with its own VIM process so that none inherits
 * another's heap. A wiring that could not keep up is not tried with a larger fleet (the row says so).
 */
export async function benchHubScale({
  fleets,
  wirings = ['core', 'store-feed'],
  log = () => {},
  ...options
}: HubScaleOptions): Promise<HubScaleRow[]> {
  const rows: HubScaleRow[] = []
  for (const wiring of wirings) {
    for (const agents of fleets) {
      log(
        `bench: hub (${wiring}) with ${agents} agents (${options.warmupSeconds} s warm-up, ${options.seconds} s measured)…`,
      )
      const row = await measureHubScale(agents, wiring, options)
      rows.push(row)
      if (!keptUp(row)) break
    }
  }
  return rows
}
