// Reads a container's CPU and memory straight from its cgroup files: three small preads a second,
// no Docker API round trip. The layout differences between cgroup v1 and v2 end here.
import { join } from 'node:path'
import type { CgroupLocation } from './cgroup-paths'
import { PolledFile } from './polled-file'
import type { UsageSample, UsageSource } from './usage-source'

/** The value of `key` in a flat-keyed cgroup file (`key value` per line: cpu.stat, memory.stat). */
export function flatKeyedValue(text: string, key: string): number | undefined {
  const at = text.startsWith(`${key} `) ? 0 : text.indexOf(`\n${key} `)
  if (at < 0) return undefined
  const start = at === 0 ? key.length + 1 : at + key.length + 2
  const end = text.indexOf('\n', start)
  const value = Number(text.slice(start, end < 0 ? undefined : end))
  return Number.isFinite(value) ? value : undefined
}

/** A single-number cgroup file (cpuacct.usage, memory.usage_in_bytes, memory.current). */
export function singleValue(text: string): number | undefined {
  const trimmed = text.trim()
  const value = Number(trimmed)
  return trimmed !== '' && Number.isFinite(value) ? value : undefined
}

/**
 * The working set, as `docker stats` shows it: usage without the inactive file cache the kernel can
 * drop at any time, so that a container that merely read files does not look full.
 */
export function workingSetBytes(usageBytes: number, inactiveFileBytes: number | undefined): number {
  if (inactiveFileBytes === undefined || inactiveFileBytes > usageBytes) return usageBytes
  return usageBytes - inactiveFileBytes
}

export class CgroupSource implements UsageSource {
  readonly kind: 'cgroup-v1' | 'cgroup-v2'
  private readonly cpu: PolledFile
  private readonly memory: PolledFile
  private readonly memoryStat: PolledFile

  constructor(readonly location: CgroupLocation) {
    const v1 = location.version === 1
    this.kind = v1 ? 'cgroup-v1' : 'cgroup-v2'
    this.cpu = new PolledFile(join(location.cpuDir, v1 ? 'cpuacct.usage' : 'cpu.stat'))
    this.memory = new PolledFile(join(location.memoryDir, v1 ? 'memory.usage_in_bytes' : 'memory.current'))
    this.memoryStat = new PolledFile(join(location.memoryDir, 'memory.stat'), 2048)
  }

  /** Undefined once the cgroup is gone (container stopped or removed). */
  async read(): Promise<UsageSample | undefined> {
    try {
      const [cpuText, memoryText, statText] = await Promise.all([
        this.cpu.read(),
        this.memory.read(),
        this.memoryStat.read(),
      ])
      const v1 = this.location.version === 1
      const cpuNanos = v1 ? singleValue(cpuText) : usecToNanos(flatKeyedValue(cpuText, 'usage_usec'))
      const usage = singleValue(memoryText)
      if (cpuNanos === undefined || usage === undefined) return undefined
      const inactiveFile = flatKeyedValue(statText, v1 ? 'total_inactive_file' : 'inactive_file')
      return { cpuNanos, memoryBytes: workingSetBytes(usage, inactiveFile) }
    } catch {
      return undefined
    }
  }

  close(): void {
    this.cpu.close()
    this.memory.close()
    this.memoryStat.close()
  }
}

function usecToNanos(usec: number | undefined): number | undefined {
  return usec === undefined ? undefined : usec * 1000
}
