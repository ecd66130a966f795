import { describe, expect, it } from 'vitest'
import { type DockerStatsJson, LineSplitter, sampleFromDockerStats } from './docker-stream'

// Trimmed from a Docker 20.10 stats stream (cgroup v1 daemon).
const V1_SAMPLE: DockerStatsJson = {
  read: '2026-11-27T21:47:01.123456789Z',
  cpu_stats: { cpu_usage: { total_usage: 639587485 } },
  memory_stats: { usage: 6672384, stats: { total_inactive_file: 4096, inactive_file: 4096, cache: 8192 } },
}

describe('sampleFromDockerStats', () => {
  it.each([
    {
      name: 'v1 daemon',
      stats: V1_SAMPLE,
      want: { cpuNanos: 639587485, memoryBytes: 6668288, sampledAt: Date.parse('2026-11-27T21:47:01.123Z') },
    },
    {
      name: 'v2 daemon',
      stats: { ...V1_SAMPLE, memory_stats: { usage: 1000, stats: { inactive_file: 400 } } },
      want: { cpuNanos: 639587485, memoryBytes: 600, sampledAt: Date.parse('2026-11-27T21:47:01.123Z') },
    },
    {
      name: 'no memory stats breakdown',
      stats: { ...V1_SAMPLE, memory_stats: { usage: 1000 } },
      want: { cpuNanos: 639587485, memoryBytes: 1000, sampledAt: Date.parse('2026-11-27T21:47:01.123Z') },
    },
  ])('$name', ({ stats, want }) => {
    expect(sampleFromDockerStats(stats)).toEqual(want)
  })

  it.each([
    {
      name: 'stopped container placeholder',
      stats: { read: '0001-01-01T00:00:00Z', cpu_stats: { cpu_usage: { total_usage: 0 } }, memory_stats: {} },
    },
    { name: 'no timestamp', stats: { ...V1_SAMPLE, read: undefined } },
    { name: 'no CPU counter', stats: { ...V1_SAMPLE, cpu_stats: {} } },
  ])('undefined for $name', ({ stats }) => {
    expect(sampleFromDockerStats(stats)).toBeUndefined()
  })
})

describe('LineSplitter', () => {
  it('joins lines split across chunks and skips blank lines', () => {
    const lines = new LineSplitter()
    expect(lines.push('{"a":1}\n{"b"')).toEqual(['{"a":1}'])
    expect(lines.push(':2}\n\n')).toEqual(['{"b":2}'])
    expect(lines.push('{"c":3}')).toEqual([])
    expect(lines.push('\n')).toEqual(['{"c":3}'])
  })
})
