// The hub-scale benchmark as a section of docs/BENCHMARKS.md: how the fleet and the VIM were run, and
// this run's table, including the fleet sizes a wiring was not tried at because it had already fallen behind.
import { loadavg } from 'node:os'
import { FULL_SNAPSHOT_INTERVAL_MS, SNAPSHOT_INTERVAL_MS } from '../../src/main/api/event-feed'
import type { BenchSection } from '../proxy/proxy-section'
import { benchHubScale, type HubScaleRow, keptUp } from './hub-scale-bench'
import type { VimWiring } from './vim-hub-process'

const WIRING_LABEL: Record<VimWiring, string> = {
  core: 'as core.ts (store + series + proxy rotation)',
  'store-feed': 'hub + store + feed only',
}

export interface HubScalePlan {
  fleets: readonly number[]
  seconds: number
  warmupSeconds: number
  containersPerAgent: number
  rampTimeoutMs: number
}

export function hubScalePlan(quick: boolean): HubScalePlan {
  return quick
    ? { fleets: [100, 300], seconds: 5, warmupSeconds: 2, containersPerAgent: 10, rampTimeoutMs: 15_000 }
    : {
        fleets: [100, 500, 1000],
        seconds: 10,
        warmupSeconds: 3,
        containersPerAgent: 10,
        rampTimeoutMs: 30_000,
      }
}

export async function hubScaleSection({ quick }: { quick: boolean }): Promise<BenchSection> {
  const plan = hubScalePlan(quick)
  const load = loadavg()[0]!
  const rows = await benchHubScale({ ...plan, log: (line) => process.stderr.write(`${line}\n`) })
  return {
    title: 'VIM hub: agents at scale',
    method: hubScaleMethod(plan, load),
    table: hubScaleTable(rows, plan.fleets),
  }
}

export function hubScaleMethod(plan: HubScalePlan, loadAverage: number): string {
  return [
    `A fleet simulator in the benchmark's process opens N agent sessions over real WebSockets to a real AgentHub in a process of its own`,
    `(plain ws://, \`tls: false\`: TLS would add a handshake per agent at connect time and a little per-frame cost, not measured here).`,
    `Each agent answers the challenge with a proper join-token proof (proveToken), waits for its welcome, then sends a 1 Hz report`,
    `with ${plan.containersPerAgent} ready containers from a random phase, as independent agents do. The fleet connects 32 handshakes at a`,
    'time, because the hub rightly refuses more than 64 unauthenticated connections (real agents arrive spread out).',
    `After ${plan.warmupSeconds} s of warm-up the VIM process measures ${plan.seconds} s: its CPU from process.cpuUsage() deltas (its own,`,
    "not the simulator's), and its RSS at the end and at its peak (sampled every 100 ms). The UI is a real WebSocket client, in a third process, of the VIM's",
    "event stream (/api/v1/stream, served by the control API's HTTP server in the VIM process; the calls are left out), connected",
    'before the warm-up: it holds the cluster as the renderer does (the full snapshot, deltas applied on top), counts the bytes it',
    'receives, and times each report from the send time the agent stamped into it (carried by the store into the VM it shows) to the',
    `stream message that brought it. The feed pushes at most every ${SNAPSHOT_INTERVAL_MS} ms by design, so report-to-UI latency has a floor of`,
    `up to ${SNAPSHOT_INTERVAL_MS} ms. It sends the whole cluster on connect and every ${FULL_SNAPSHOT_INTERVAL_MS / 1000} s while it changes, and in between only the changed`,
    `fields of changed VMs and containers; the feed's KiB/s are the deltas measured in the window plus a full snapshot's share of`,
    `${FULL_SNAPSHOT_INTERVAL_MS / 1000} s, set against what full snapshots at every push would carry (as the feed did before deltas).`,
    `Two wirings of the VIM: "${WIRING_LABEL.core}" repeats core.ts's report path (cluster store, time series, and the front proxy's rotation`,
    `synced on every store change; not the autoscaler loop, metrics or event log), and "${WIRING_LABEL['store-feed']}" isolates the hub itself.`,
    'A fresh VIM process per row. A wiring that falls behind (agents cut by the 3 s heartbeat, or under 90 % of reports arriving) is not',
    'tried with a larger fleet. The simulated agents do not reconnect (real ones do, with backoff).',
    `Other work may share the 2 cores (1-minute load average ${loadAverage.toFixed(2)} when this section started); rerun to compare.`,
  ].join(' ')
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a')

function rowLine(row: HubScaleRow): string {
  const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)}` : 'n/a')
  const connected =
    row.connected === row.agents ? `${row.connected}` : `**${row.connected}** of ${row.agents}`
  return [
    '',
    WIRING_LABEL[row.wiring],
    `${row.agents} × ${row.containersPerAgent}`,
    connected,
    `${fixed(row.connectSeconds, 1)} s`,
    `${fixed(row.cpuPercentOfOneCore, 1)} %`,
    `${fixed(row.rssIdleMiB, 0)} → ${fixed(row.rssMiB, 0)} (${fixed(row.rssPeakMiB, 0)}) MiB`,
    `${fixed(row.reportsPerSecond, 0)}`,
    `${ms(row.reportToUiMs.p50)} / ${ms(row.reportToUiMs.p99)} (${ms(row.reportToUiMs.max)}) ms`,
    `${fixed(row.feedKiBPerSecond, 0)} KiB/s, ${fixed(row.feedMessagesPerSecond, 1)} msg/s${row.deltasRefused > 0 ? ` (**${row.deltasRefused} deltas refused**)` : ''}`,
    `${fixed(row.fullSnapshotKiB, 0)} KiB`,
    `${fixed(row.fullSnapshotsKiBPerSecond / row.feedKiBPerSecond, 1)}×`,
    `${fixed(row.eventLoopDelayP99Ms, 0)} ms`,
    '',
  ]
    .join(' | ')
    .trim()
}

/** Pure: the markdown table, plus a line per wiring that stopped before the largest fleet. */
export function hubScaleTable(rows: readonly HubScaleRow[], fleets: readonly number[]): string {
  const lines = [
    '| VIM wiring | Agents × containers | Connected | Ramp-up | VIM CPU (% of one core) | RSS idle → end (peak) | Reports/s received | Report → UI p50 / p99 (max) | UI feed | Full snapshot | Full snapshots at every push ÷ feed | Event-loop delay p99 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(rowLine),
  ]
  const notes: string[] = []
  for (const wiring of new Set(rows.map((row) => row.wiring))) {
    const own = rows.filter((row) => row.wiring === wiring)
    const last = own.at(-1)!
    const skipped = fleets.filter((agents) => agents > last.agents)
    if (!keptUp(last) && skipped.length > 0) {
      notes.push(
        `- "${WIRING_LABEL[wiring]}" fell behind at ${last.agents} agents, so ${skipped.join(' and ')} were not tried.${last.failures[0] ? ` First failure: ${last.failures[0]}.` : ''}`,
      )
    } else if (!keptUp(last) && last.failures[0]) {
      notes.push(
        `- "${WIRING_LABEL[wiring]}" fell behind at ${last.agents} agents. First failure: ${last.failures[0]}.`,
      )
    }
  }
  return notes.length > 0 ? [...lines, '', ...notes].join('\n') : lines.join('\n')
}
