import { describe, expect, it } from 'vitest'
import { StatsCollector } from './collector'
import type { StatsProbe, StatsTarget, UsageSample, UsageSource } from './usage-source'

/** A probe whose sources return scripted samples; records what was opened and closed. */
class ScriptedProbe implements StatsProbe {
  readonly samples = new Map<string, UsageSample | undefined>()
  readonly opened: string[] = []
  readonly closed: string[] = []
  failOpen = new Set<string>()

  async open(target: StatsTarget): Promise<UsageSource> {
    if (this.failOpen.has(target.id)) throw new Error('no such replica')
    this.opened.push(target.id)
    return {
      kind: 'proc',
      read: async () => this.samples.get(target.id),
      close: () => this.closed.push(target.id),
    }
  }
}

function setup() {
  const probe = new ScriptedProbe()
  let clock = 1_000_000
  const collector = new StatsCollector(probe, { now: () => clock })
  const tick = (ms = 1000) => {
    clock += ms
  }
  return { probe, collector, tick, now: () => clock }
}

const a = { id: 'a', cpus: 0.5 }
const b = { id: 'b', cpus: 2 }

describe('StatsCollector', () => {
  it('first sample has no CPU figure (undefined, not 0); the next one does', async () => {
    const { probe, collector, tick, now } = setup()
    probe.samples.set('a', { cpuNanos: 1e9, memoryBytes: 100 })
    expect(await collector.collect([a])).toEqual([
      { id: 'a', cpuPercent: undefined, memoryBytes: 100, at: now() },
    ])
    tick()
    probe.samples.set('a', { cpuNanos: 1.25e9, memoryBytes: 120 })
    expect(await collector.collect([a])).toEqual([{ id: 'a', cpuPercent: 50, memoryBytes: 120, at: now() }])
  })

  it('opens sources for new replicas once, closes those that disappeared', async () => {
    const { probe, collector, tick } = setup()
    probe.samples.set('a', { cpuNanos: 0, memoryBytes: 1 })
    probe.samples.set('b', { cpuNanos: 0, memoryBytes: 2 })
    await collector.collect([a])
    tick()
    probe.samples.set('a', { cpuNanos: 5e8, memoryBytes: 1 })
    probe.samples.set('b', { cpuNanos: 1e9, memoryBytes: 2 })
    const second = await collector.collect([b, a])
    expect(second.map((s) => [s.id, s.cpuPercent])).toEqual([
      ['b', undefined],
      ['a', 100],
    ])
    tick()
    probe.samples.set('b', { cpuNanos: 2e9, memoryBytes: 2 })
    expect((await collector.collect([b])).map((s) => [s.id, s.cpuPercent])).toEqual([['b', 50]])
    expect(probe.opened).toEqual(['a', 'b'])
    expect(probe.closed).toEqual(['a'])

    // A replica that comes back (same id) starts over: no stale delta across its absence.
    tick()
    probe.samples.set('a', { cpuNanos: 9e9, memoryBytes: 1 })
    expect((await collector.collect([a, b]))[0]?.cpuPercent).toBeUndefined()
    collector.close()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(probe.closed.sort()).toEqual(['a', 'a', 'b'])
  })

  it('uses the source timestamp when it has one, and repeats the last figure when no new sample came', async () => {
    const { probe, collector, tick } = setup()
    probe.samples.set('a', { cpuNanos: 0, memoryBytes: 1, sampledAt: 50_000 })
    await collector.collect([a])
    tick()
    probe.samples.set('a', { cpuNanos: 1e9, memoryBytes: 1, sampledAt: 52_000 })
    expect((await collector.collect([a]))[0]?.cpuPercent).toBe(100)
    tick()
    expect((await collector.collect([a]))[0]?.cpuPercent).toBe(100)
  })

  it('a replica that cannot be read reports undefined values and recovers', async () => {
    const { probe, collector, tick } = setup()
    probe.failOpen.add('a')
    expect(await collector.collect([a])).toMatchObject([
      { id: 'a', cpuPercent: undefined, memoryBytes: undefined },
    ])
    probe.failOpen.delete('a')
    probe.samples.set('a', undefined)
    tick()
    expect(await collector.collect([a])).toMatchObject([{ cpuPercent: undefined, memoryBytes: undefined }])
    probe.samples.set('a', { cpuNanos: 0, memoryBytes: 7 })
    tick()
    await collector.collect([a])
    probe.samples.set('a', { cpuNanos: 1e8, memoryBytes: 7 })
    tick()
    expect((await collector.collect([a]))[0]?.cpuPercent).toBeCloseTo(20)
  })

  it('a counter reset (restarted replica) gives undefined once, then figures again', async () => {
    const { probe, collector, tick } = setup()
    probe.samples.set('a', { cpuNanos: 9e9, memoryBytes: 1 })
    await collector.collect([a])
    tick()
    probe.samples.set('a', { cpuNanos: 1e8, memoryBytes: 1 })
    expect((await collector.collect([a]))[0]?.cpuPercent).toBeUndefined()
    tick()
    probe.samples.set('a', { cpuNanos: 3e8, memoryBytes: 1 })
    expect((await collector.collect([a]))[0]?.cpuPercent).toBeCloseTo(40)
  })

  it('overlapping calls run one after the other', async () => {
    const { probe, collector } = setup()
    probe.samples.set('a', { cpuNanos: 0, memoryBytes: 1 })
    const [first, second] = await Promise.all([collector.collect([a]), collector.collect([])])
    expect(first).toHaveLength(1)
    expect(second).toEqual([])
    expect(probe.closed).toEqual(['a'])
  })

  it('refuses to collect after close()', async () => {
    const { collector } = setup()
    collector.close()
    await expect(collector.collect([a])).rejects.toThrow(/closed/)
  })
})
