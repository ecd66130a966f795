// Measures process-runtime replicas (plain child processes, no cgroup of their own) from procfs:
// utime + stime from /proc/<pid>/stat, resident memory from /proc/<pid>/status.
import { readFile } from 'node:fs/promises'
import { endianness } from 'node:os'
import { join } from 'node:path'
import { pidOfProcessReplica } from '../runtime/process-runtime'
import { PolledFile } from './polled-file'
import type { StatsProbe, StatsTarget, UsageSample, UsageSource } from './usage-source'

/**
 * utime + stime, in clock ticks, from /proc/<pid>/stat. The command name (field 2) may itself hold
 * spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseProcStatCpuTicks(text: string): number | undefined {
  const close = text.lastIndexOf(')')
  if (close < 0) return undefined
  // After ')' come field 3 (state) onwards; utime and stime are fields 14 and 15.
  const fields = text.slice(close + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return Number.isFinite(utime) && Number.isFinite(stime) && fields.length > 12 ? utime + stime : undefined
}

/** VmRSS from /proc/<pid>/status, in bytes (the kernel writes it in kB). */
export function parseVmRssBytes(text: string): number | undefined {
  const match = /^VmRSS:\s*(\d+)\s*kB/m.exec(text)
  return match ? Number(match[1]) * 1024 : undefined
}

const AT_CLKTCK = 17n

/** The clock tick rate from the auxiliary vector the kernel gave this process (/proc/self/auxv). */
export function clockTicksFromAuxv(auxv: Buffer, littleEndian = endianness() === 'LE'): number | undefined {
  // Pairs of native words (type, value); 64-bit hosts only, which is all that Node 20 ships for Linux.
  for (let at = 0; at + 16 <= auxv.length; at += 16) {
    const type = littleEndian ? auxv.readBigUInt64LE(at) : auxv.readBigUInt64BE(at)
    if (type === 0n) break
    if (type === AT_CLKTCK) {
      const value = Number(littleEndian ? auxv.readBigUInt64LE(at + 8) : auxv.readBigUInt64BE(at + 8))
      return value > 0 ? value : undefined
    }
  }
  return undefined
}

let ticksPerSecond: Promise<number> | undefined

/** USER_HZ: what `getconf CLK_TCK` prints, read without spawning it; 100 on every mainstream kernel. */
export function clockTicksPerSecond(): Promise<number> {
  ticksPerSecond ??= readFile('/proc/self/auxv')
    .then((auxv) => clockTicksFromAuxv(auxv) ?? 100)
    .catch(() => 100)
  return ticksPerSecond
}

export class ProcSource implements UsageSource {
  readonly kind = 'proc'
  private readonly stat: PolledFile
  private readonly status: PolledFile

  constructor(
    pid: number,
    private readonly ticksPerSecond: number,
    procRoot = '/proc',
  ) {
    this.stat = new PolledFile(join(procRoot, String(pid), 'stat'), 512)
    this.status = new PolledFile(join(procRoot, String(pid), 'status'), 2048)
  }

  /** Undefined once the process is gone. */
  async read(): Promise<UsageSample | undefined> {
    try {
      const [statText, statusText] = await Promise.all([this.stat.read(), this.status.read()])
      const ticks = parseProcStatCpuTicks(statText)
      const memoryBytes = parseVmRssBytes(statusText)
      if (ticks === undefined || memoryBytes === undefined) return undefined
      return { cpuNanos: (ticks * 1e9) / this.ticksPerSecond, memoryBytes }
    } catch {
      return undefined
    }
  }

  close(): void {
    this.stat.close()
    this.status.close()
  }
}

/** Measures replicas of the process runtime (ids `proc-<pid>`) against their nominal allotment. */
export class ProcessStatsProbe implements StatsProbe {
  constructor(private readonly procRoot = '/proc') {}

  async open(target: StatsTarget): Promise<UsageSource> {
    const pid = pidOfProcessReplica(target.id)
    if (pid === undefined) throw new Error(`'${target.id}' is not a process-runtime replica id (proc-<pid>)`)
    return new ProcSource(pid, await clockTicksPerSecond(), this.procRoot)
  }
}
