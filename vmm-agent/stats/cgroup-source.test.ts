import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CgroupSource, flatKeyedValue, singleValue, workingSetBytes } from './cgroup-source'

const V2_CPU_STAT = 'usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\nnr_periods 10\n'
const V1_MEMORY_STAT = 'cache 4096\nrss 1000\ninactive_file 7\ntotal_cache 4096\ntotal_inactive_file 3000\n'
const V2_MEMORY_STAT = 'anon 6000000\nfile 90000\nactive_file 1000\ninactive_file 40000\n'

describe('cgroup file parsing', () => {
  it.each([
    { text: V2_CPU_STAT, key: 'usage_usec', want: 1234567 },
    { text: V2_CPU_STAT, key: 'nr_periods', want: 10 },
    { text: V1_MEMORY_STAT, key: 'inactive_file', want: 7 },
    { text: V1_MEMORY_STAT, key: 'total_inactive_file', want: 3000 },
    { text: V2_MEMORY_STAT, key: 'inactive_file', want: 40000 },
    { text: V2_MEMORY_STAT, key: 'file', want: 90000 },
    { text: 'usage_usec 5', key: 'usage_usec', want: 5 },
    { text: V2_CPU_STAT, key: 'usage', want: undefined },
    { text: '', key: 'usage_usec', want: undefined },
    { text: 'usage_usec x\n', key: 'usage_usec', want: undefined },
  ])('flatKeyedValue($key) → $want', ({ text, key, want }) => {
    expect(flatKeyedValue(text, key)).toBe(want)
  })

  it.each([
    { text: '639587485\n', want: 639587485 },
    { text: '0\n', want: 0 },
    { text: '', want: undefined },
    { text: 'max\n', want: undefined },
  ])('singleValue($text) → $want', ({ text, want }) => {
    expect(singleValue(text)).toBe(want)
  })

  it.each([
    { usage: 10_000, inactive: 3000, want: 7000 },
    { usage: 10_000, inactive: undefined, want: 10_000 },
    { usage: 10_000, inactive: 20_000, want: 10_000 },
  ])('workingSetBytes($usage, $inactive) → $want', ({ usage, inactive, want }) => {
    expect(workingSetBytes(usage, inactive)).toBe(want)
  })
})

describe('CgroupSource', () => {
  const root = mkdtempSync(join(tmpdir(), 'acs-cgroup-source-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('reads v1 files (nanoseconds, usage minus inactive file cache)', async () => {
    const cpuDir = join(root, 'v1cpu')
    const memoryDir = join(root, 'v1mem')
    mkdirSync(cpuDir)
    mkdirSync(memoryDir)
    writeFileSync(join(cpuDir, 'cpuacct.usage'), '5000000000\n')
    writeFileSync(join(memoryDir, 'memory.usage_in_bytes'), '10000\n')
    writeFileSync(join(memoryDir, 'memory.stat'), V1_MEMORY_STAT)
    const source = new CgroupSource({ version: 1, cpuDir, memoryDir })
    expect(source.kind).toBe('cgroup-v1')
    expect(await source.read()).toEqual({ cpuNanos: 5e9, memoryBytes: 7000 })
    // Re-reads see new content through the same open handle.
    writeFileSync(join(cpuDir, 'cpuacct.usage'), '6000000000\n')
    expect(await source.read()).toEqual({ cpuNanos: 6e9, memoryBytes: 7000 })
    source.close()
  })

  it('reads v2 files (usage_usec to nanoseconds) and reports a vanished cgroup as undefined', async () => {
    const dir = join(root, 'v2')
    mkdirSync(dir)
    writeFileSync(join(dir, 'cpu.stat'), V2_CPU_STAT)
    writeFileSync(join(dir, 'memory.current'), '100000\n')
    writeFileSync(join(dir, 'memory.stat'), `${V2_MEMORY_STAT}${'padding_entry 1\n'.repeat(300)}`)
    const source = new CgroupSource({ version: 2, cpuDir: dir, memoryDir: dir })
    expect(await source.read()).toEqual({ cpuNanos: 1234567000, memoryBytes: 60000 })
    source.close()
    rmSync(dir, { recursive: true })
    const gone = new CgroupSource({ version: 2, cpuDir: dir, memoryDir: dir })
    expect(await gone.read()).toBeUndefined()
    gone.close()
  })
})
