// The hub-scale runner end to end with a tiny fleet (a real VIM hub process, 3 agents, a few seconds),
// and the section's table. Asserts the shape of the result; speed targets live in docs/BENCHMARKS.md.
import { describe, expect, it } from 'vitest'
import { type HubScaleRow, measureHubScale } from './hub-scale-bench'
import { hubScaleTable } from './hub-section'

describe('measureHubScale', () => {
  it('measures a VIM hub process with 3 agents reporting', { timeout: 30_000 }, async () => {
    const row = await measureHubScale(3, 'core', { seconds: 2, warmupSeconds: 1.2, containersPerAgent: 10 })
    expect(row).toMatchObject({
      wiring: 'core',
      agents: 3,
      containersPerAgent: 10,
      connected: 3,
      failures: [],
    })
    expect(row.seconds).toBeGreaterThanOrEqual(2)
    // 3 agents at 1 Hz for 2 s: about 6 reports, each of which reached the UI stand-in with its stamp.
    expect(row.reportsPerSecond).toBeGreaterThan(1.5)
    expect(row.reportsPerSecond).toBeLessThan(4.5)
    expect(row.reportToUiMs.samples).toBeGreaterThanOrEqual(3)
    expect(row.reportToUiMs.p99).toBeGreaterThanOrEqual(row.reportToUiMs.p50)
    expect(row.reportToUiMs.max).toBeGreaterThanOrEqual(row.reportToUiMs.p99)
    expect(row.cpuPercentOfOneCore).toBeGreaterThan(0)
    expect(row.rssIdleMiB).toBeGreaterThan(10)
    expect(row.rssPeakMiB).toBeGreaterThanOrEqual(row.rssMiB)
    // The UI client got the cluster whole and then deltas, and every delta applied.
    expect(row.fullSnapshotKiB).toBeGreaterThan(0)
    expect(row.feedMessagesPerSecond).toBeGreaterThan(1)
    expect(row.feedKiBPerSecond).toBeGreaterThan(0)
    expect(row.fullSnapshotsKiBPerSecond).toBeGreaterThan(row.feedKiBPerSecond)
    expect(row.deltasRefused).toBe(0)
  })
})

describe('hubScaleTable', () => {
  const row = (overrides: Partial<HubScaleRow>): HubScaleRow => ({
    wiring: 'core',
    agents: 100,
    containersPerAgent: 10,
    connected: 100,
    connectSeconds: 0.8,
    seconds: 10,
    cpuPercentOfOneCore: 12.34,
    rssIdleMiB: 60,
    rssMiB: 90,
    rssPeakMiB: 95,
    heapUsedMiB: 20,
    reportsPerSecond: 100,
    reportToUiMs: { samples: 1000, p50: 130, p99: 260, max: 270 },
    feedMessagesPerSecond: 4,
    feedKiBPerSecond: 40.4,
    fullSnapshotKiB: 170,
    fullSnapshotsKiBPerSecond: 850,
    deltasRefused: 0,
    eventLoopDelayP99Ms: 20,
    failures: [],
    ...overrides,
  })

  it('renders one line per run and says which fleets a wiring that fell behind was not tried at', () => {
    const table = hubScaleTable(
      [
        row({}),
        row({ agents: 500, connected: 120, reportsPerSecond: 110, failures: ['sim-0007: closed 1006'] }),
        row({ wiring: 'store-feed', agents: 1000, connected: 1000, reportsPerSecond: 999 }),
      ],
      [100, 500, 1000],
    )
    const lines = table.split('\n')
    expect(lines[2]).toBe(
      '| as core.ts (store + series + proxy rotation) | 100 × 10 | 100 | 0.8 s | 12.3 % | 60 → 90 (95) MiB | 100 | 130 / 260 (270) ms | 40 KiB/s, 4.0 msg/s | 170 KiB | 21.0× | 20 ms |',
    )
    expect(lines[3]).toContain('| **120** of 500 |')
    expect(table).toContain(
      '- "as core.ts (store + series + proxy rotation)" fell behind at 500 agents, so 1000 were not tried. First failure: sim-0007: closed 1006.',
    )
    expect(table).not.toContain('"hub + store + feed only" fell behind')
  })
})
