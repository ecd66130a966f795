// The hub-scale benchmark: for each fleet size, a fresh VIM hub process, a fleet of simulated agents
// reporting at 1 Hz, a warm-up, then a measured window of the VIM's CPU, memory and report-to-UI latency.
import { randomBytes } from 'node:crypto'
import { FULL_SNAPSHOT_INTERVAL_MS, SNAPSHOT_INTERVAL_MS } from '../../src/main/api/event-feed'
import { startBenchChild } from '../proxy/bench-child'
import { percentile } from '../proxy/proxy-bench'
import { startFleet } from './fleet-simulator'
import type { UiFeedWindow } from './ui-feed-client'
import type { VimHubMemory, VimHubReady, VimHubWindow, VimWiring } from './vim-hub-process'

const VIM_HUB_PROCESS = 'bench/hub/vim-hub-process.ts'
const UI_CLIENT_PROCESS = 'bench/hub/ui-client-process.ts'

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
  /** Report sent by an agent → the stream message carrying it reached the UI client. */
  reportToUiMs: { samples: number; p50: number; p99: number; max: number }
  /** Stream messages the UI client received per second. */
  feedMessagesPerSecond: number
  /**
   * The UI stream's KiB/s: the deltas measured in the window plus the full snapshot's share (one every
   * FULL_SNAPSHOT_INTERVAL_MS), whether or not one fell in the window.
   */
  feedKiBPerSecond: number
  /** One full snapshot of the whole cluster. */
  fullSnapshotKiB: number
  /** What the stream would carry with a full snapshot at every push (the feed before deltas). */
  fullSnapshotsKiBPerSecond: number
  /** Deltas the UI client could not apply (a gap in the feed); 0 when sound. */
  deltasRefused: number
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
    const connectSeconds = (performance.now() - connectStarted) / 1000
    // Resolves once it holds the first full snapshot.
    const ui = await startBenchChild(UI_CLIENT_PROCESS, {
      args: [vim.ready.streamUrl, vim.ready.apiToken],
    }).catch(async (error) => {
      await fleet.close()
      throw error
    })
    try {
      await sleep(warmupSeconds * 1000)
      await vim.request('measureStart')
      await ui.request('measureStart')
      await sleep(seconds * 1000)
      const feed = await ui.request<UiFeedWindow>('measureStop')
      const window = await vim.request<VimHubWindow>('measureStop')
      const stats = fleet.stats()
      const latencies = feed.reportToUiMs
      const fullKiB = feed.fullSnapshotBytes / 1024
      const deltaKiBPerSecond = (feed.bytes - feed.fullBytes) / 1024 / feed.seconds
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
        feedMessagesPerSecond: feed.messages / feed.seconds,
        feedKiBPerSecond: deltaKiBPerSecond + fullKiB / (FULL_SNAPSHOT_INTERVAL_MS / 1000),
        fullSnapshotKiB: fullKiB,
        fullSnapshotsKiBPerSecond: fullKiB * (1000 / SNAPSHOT_INTERVAL_MS),
        deltasRefused: feed.deltasRefused,
        eventLoopDelayP99Ms: window.eventLoopDelayP99Ms,
        failures: stats.failures,
      }
    } finally {
      await ui.stop()
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
