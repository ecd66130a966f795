// Fallback when the cgroup files are not readable here (e.g. Docker on another host): one long-lived
// Docker stats stream per container, which the daemon feeds about once a second. Never a one-shot
// stats call per second: each of those makes the daemon wait a full sampling interval.
import type Dockerode from 'dockerode'
import { workingSetBytes } from './cgroup-source'
import type { UsageSample, UsageSource } from './usage-source'

/** The parts of one Docker stats JSON object that we use. */
export interface DockerStatsJson {
  read?: string
  cpu_stats?: { cpu_usage?: { total_usage?: number } }
  memory_stats?: { usage?: number; stats?: Record<string, number> }
}

/**
 * A sample from one streamed stats object, or undefined for the placeholders Docker sends for a
 * container that is not running (zero time `0001-01-01T00:00:00Z`, no counters).
 */
export function sampleFromDockerStats(stats: DockerStatsJson): UsageSample | undefined {
  const sampledAt = stats.read === undefined ? Number.NaN : Date.parse(stats.read)
  const cpuNanos = stats.cpu_stats?.cpu_usage?.total_usage
  const usage = stats.memory_stats?.usage
  if (!(sampledAt > 0) || typeof cpuNanos !== 'number' || typeof usage !== 'number') return undefined
  // cgroup v1 daemons report total_inactive_file, v2 daemons inactive_file.
  const memoryStats = stats.memory_stats?.stats ?? {}
  const inactiveFile = memoryStats.total_inactive_file ?? memoryStats.inactive_file
  return { cpuNanos, memoryBytes: workingSetBytes(usage, inactiveFile), sampledAt }
}

/** Splits a byte stream into lines, keeping a partial last line for the next chunk. */
export class LineSplitter {
  private rest = ''

  push(chunk: string): string[] {
    const lines = (this.rest + chunk).split('\n')
    this.rest = lines.pop() ?? ''
    return lines.filter((line) => line.trim() !== '')
  }
}

export class DockerStreamSource implements UsageSource {
  readonly kind = 'docker-stream'
  private latest: UsageSample | undefined
  private stream: NodeJS.ReadableStream | undefined
  private opening: Promise<void> | undefined
  private closed = false

  constructor(private readonly container: Dockerode.Container) {
    this.ensureStream()
  }

  /** The latest streamed sample; undefined until the first one arrives. */
  async read(): Promise<UsageSample | undefined> {
    // The stream ends when the container stops or goes away; reopen it in case it was restarted.
    this.ensureStream()
    return this.latest
  }

  close(): void {
    this.closed = true
    this.endStream()
  }

  private ensureStream(): void {
    if (this.closed || this.stream !== undefined || this.opening !== undefined) return
    this.opening = this.container
      .stats({ stream: true })
      .then((stream) => {
        if (this.closed) return destroy(stream)
        this.stream = stream
        const lines = new LineSplitter()
        stream.on('data', (chunk: Buffer | string) => {
          for (const line of lines.push(chunk.toString())) this.accept(line)
        })
        const ended = () => {
          if (this.stream === stream) this.stream = undefined
        }
        stream.on('end', ended)
        stream.on('close', ended)
        stream.on('error', ended)
      })
      .catch(() => {
        // No such container (yet, or any more): read() reports no data and retries next time.
      })
      .finally(() => {
        this.opening = undefined
      })
  }

  private accept(line: string): void {
    try {
      this.latest = sampleFromDockerStats(JSON.parse(line) as DockerStatsJson)
    } catch {
      // A malformed line costs one sample, not the stream.
    }
  }

  private endStream(): void {
    const stream = this.stream
    this.stream = undefined
    if (stream) destroy(stream)
  }
}

function destroy(stream: NodeJS.ReadableStream): void {
  ;(stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.()
}
