import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  clockTicksFromAuxv,
  clockTicksPerSecond,
  ProcessStatsProbe,
  parseProcStatCpuTicks,
  parseVmRssBytes,
} from './proc-source'

// Recorded from a Node process on Linux 6.1 (fields 14 and 15: utime 1234, stime 56).
const STAT =
  '4321 (node) S 4300 4321 4300 0 -1 4194560 5012 0 0 0 1234 56 0 0 20 0 11 0 123456 1100000000 12000 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n'
// A command name with spaces and parentheses must not shift the fields.
const STAT_ODD_NAME = STAT.replace('(node)', '(my (odd) name)')
const STATUS = `Name:\tnode
Umask:\t0022
State:\tS (sleeping)
Pid:\t4321
VmPeak:\t 1100000 kB
VmSize:\t 1074216 kB
VmHWM:\t   52000 kB
VmRSS:\t   48128 kB
RssAnon:\t   30000 kB
Threads:\t11
`

describe('/proc parsing', () => {
  it.each([
    { name: 'plain', text: STAT, want: 1290 },
    { name: 'odd command name', text: STAT_ODD_NAME, want: 1290 },
    { name: 'truncated', text: '4321 (node) S 4300 4321', want: undefined },
    { name: 'garbage', text: 'nothing here', want: undefined },
  ])('utime + stime: $name', ({ text, want }) => {
    expect(parseProcStatCpuTicks(text)).toBe(want)
  })

  it.each([
    { name: 'VmRSS in kB', text: STATUS, want: 48128 * 1024 },
    { name: 'kernel thread without VmRSS', text: 'Name:\tkthreadd\nState:\tS\n', want: undefined },
  ])('resident memory: $name', ({ text, want }) => {
    expect(parseVmRssBytes(text)).toBe(want)
  })

  it('clock ticks from an auxiliary vector, either byte order', () => {
    const entries: [bigint, bigint][] = [
      [33n, 140000000000000n],
      [6n, 4096n],
      [17n, 250n],
      [0n, 0n],
    ]
    for (const littleEndian of [true, false]) {
      const auxv = Buffer.alloc(entries.length * 16)
      entries.forEach(([type, value], i) => {
        if (littleEndian) {
          auxv.writeBigUInt64LE(type, i * 16)
          auxv.writeBigUInt64LE(value, i * 16 + 8)
        } else {
          auxv.writeBigUInt64BE(type, i * 16)
          auxv.writeBigUInt64BE(value, i * 16 + 8)
        }
      })
      expect(clockTicksFromAuxv(auxv, littleEndian)).toBe(250)
    }
    expect(clockTicksFromAuxv(Buffer.alloc(32))).toBeUndefined()
  })

  it('this machine has a sensible tick rate', async () => {
    expect(await clockTicksPerSecond()).toBeGreaterThanOrEqual(100)
  })
})

describe('ProcessStatsProbe', () => {
  const procRoot = mkdtempSync(join(tmpdir(), 'acs-proc-'))
  afterAll(() => rmSync(procRoot, { recursive: true, force: true }))

  it('reads CPU time (ticks to ns) and VmRSS for proc-<pid> replicas', async () => {
    mkdirSync(join(procRoot, '4321'))
    writeFileSync(join(procRoot, '4321', 'stat'), STAT)
    writeFileSync(join(procRoot, '4321', 'status'), STATUS)
    const source = await new ProcessStatsProbe(procRoot).open({ id: 'proc-4321', cpus: 0.5 })
    const ticks = await clockTicksPerSecond()
    expect(await source.read()).toEqual({ cpuNanos: (1290 * 1e9) / ticks, memoryBytes: 48128 * 1024 })
    source.close()
  })

  it('a vanished process reads as undefined; a foreign id is refused', async () => {
    const probe = new ProcessStatsProbe(procRoot)
    const source = await probe.open({ id: 'proc-999999', cpus: 1 })
    expect(await source.read()).toBeUndefined()
    await expect(probe.open({ id: 'abc123', cpus: 1 })).rejects.toThrow(/proc-<pid>/)
  })
})
