// What measuring costs the agent: N idle containers (0.1 CPU each), one collection round a second,
// and the collector's own CPU from process.cpuUsage() deltas, as a percentage of one core.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import type Dockerode from 'dockerode'
import { pack } from 'tar-stream'
import { connectDocker } from '../vmm-agent/runtime/docker-connection'
import { StatsCollector } from '../vmm-agent/stats/collector'
import { DockerStatsProbe } from '../vmm-agent/stats/docker-probe'
import type { StatsProbe, UsageSource } from '../vmm-agent/stats/usage-source'

// Idle forever, or with BURN=1 spin forever (for tests that need a container at its CPU limit).
const IDLE_JS = `if (process.env.BURN === '1') for (;;) {}
setInterval(() => {}, 1 << 30)
`
const TINY_LABEL = 'acs.tiny-image'
/** Containers created here carry this label, so that a person can find strays. */
export const BENCH_CONTAINER_LABEL = 'acs.stats-bench'

/** The shared libraries a binary loads, from `ldd` (the loader included). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ldd', [binary])
  return [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((match) => match[1]!)
}

/**
 * A `FROM scratch` image holding only this host's Node binary, its libraries and a three-line
 * script, built locally (no registry needed). Rebuilt only when the Node binary or script changes.
 */
export async function buildTinyImage(docker: Dockerode): Promise<string> {
  const nodePath = process.execPath
  const files = [nodePath, ...(await sharedLibraries(nodePath))]
  const fingerprint = createHash('sha256')
    .update(`${process.version}\n${files.join('\n')}\n${IDLE_JS}`)
    .digest('hex')
  const tag = `acs-stats-tiny:${fingerprint.slice(0, 12)}`
  try {
    const existing = await docker.getImage(tag).inspect()
    if (existing.Config?.Labels?.[TINY_LABEL] === fingerprint) return tag
  } catch {
    // Not built yet.
  }

  const context = pack()
  const dockerfile = [
    'FROM scratch',
    'COPY . /',
    `LABEL ${TINY_LABEL}=${fingerprint}`,
    'ENTRYPOINT ["/bin/node", "/idle.js"]',
    '',
  ].join('\n')
  // tar-stream's Pack is a streamx Readable, which Node's stream types do not recognise.
  const build = docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: tag,
    rm: true,
    forcerm: true,
  })
  context.entry({ name: 'Dockerfile' }, dockerfile)
  context.entry({ name: 'idle.js' }, IDLE_JS)
  context.entry({ name: 'bin/node', mode: 0o755 }, await readFile(nodePath))
  for (const library of files.slice(1))
    context.entry({ name: library.replace(/^\//, ''), mode: 0o755 }, await readFile(library))
  context.finalize()
  const output = await build
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(output, (error: Error | null, events: { error?: string }[]) => {
      const failed = error?.message ?? events.find((event) => event.error)?.error
      if (failed) reject(new Error(`building the tiny test image failed: ${failed}`))
      else resolve()
    }),
  )
  return tag
}

export interface TinyContainerOptions {
  cpus: number
  burn?: boolean
}

/** Creates and starts one container from the tiny image; returns its full id. */
export async function startTinyContainer(
  docker: Dockerode,
  image: string,
  { cpus, burn = false }: TinyContainerOptions,
): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Env: burn ? ['BURN=1'] : [],
    Labels: { [BENCH_CONTAINER_LABEL]: String(process.pid) },
    HostConfig: { NanoCpus: Math.round(cpus * 1e9), Memory: 128 * 1024 * 1024, NetworkMode: 'none' },
  })
  try {
    await container.start()
  } catch (error) {
    await container.remove({ force: true }).catch(() => {})
    throw error
  }
  return container.id
}

/** Force-removes exactly these containers; a container already gone is fine. */
export async function removeContainers(docker: Dockerode, ids: readonly string[]): Promise<void> {
  await Promise.all(
    ids.map((id) =>
      docker
        .getContainer(id)
        .remove({ force: true })
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404) throw error
        }),
    ),
  )
}

export interface AgentStatsBenchOptions {
  containers?: number
  seconds?: number
  /** Measure through Docker's stats stream instead of the cgroup files (the remote-Docker fallback). */
  viaStream?: boolean
  docker?: Dockerode
}

export interface AgentStatsBenchResult {
  containers: number
  seconds: number
  rounds: number
  /** How the replicas were measured, by source kind (e.g. { 'cgroup-v1': 20 }). */
  sources: Record<string, number>
  /** The collector's own CPU over the measured window, in % of one core. */
  collectorCpuPercentOfOneCore: number
  /** Wall time of one collection round. */
  roundMs: { p50: number; p99: number }
  /** Replicas with a CPU figure in the last round (all of them, once two readings exist). */
  measuredInLastRound: number
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function benchAgentStats({
  containers = 20,
  seconds = 10,
  viaStream = false,
  docker = connectDocker().docker,
}: AgentStatsBenchOptions = {}): Promise<AgentStatsBenchResult> {
  const image = await buildTinyImage(docker)
  const ids: string[] = []
  try {
    const started = await Promise.allSettled(
      Array.from({ length: containers }, () => startTinyContainer(docker, image, { cpus: 0.1 })),
    )
    for (const result of started) if (result.status === 'fulfilled') ids.push(result.value)
    const failed = started.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
    const replicas = ids.map((id) => ({ id, cpus: 0.1 }))

    const sources: Record<string, number> = {}
    const dockerProbe = new DockerStatsProbe(docker, { readCgroupFiles: !viaStream })
    const probe: StatsProbe = {
      async open(target): Promise<UsageSource> {
        const source = await dockerProbe.open(target)
        sources[source.kind] = (sources[source.kind] ?? 0) + 1
        return source
      },
    }
    const collector = new StatsCollector(probe)
    // A warm-up round outside the window: opening sources (discovery, streams) happens once per replica.
    await collector.collect(replicas)
    await sleep(1000)

    const roundMs: number[] = []
    let last: Awaited<ReturnType<StatsCollector['collect']>> = []
    const startWall = performance.now()
    const startCpu = process.cpuUsage()
    for (let round = 0; round < seconds; round++) {
      const before = performance.now()
      last = await collector.collect(replicas)
      roundMs.push(performance.now() - before)
      await sleep(startWall + (round + 1) * 1000 - performance.now())
    }
    const cpu = process.cpuUsage(startCpu)
    const wallMs = performance.now() - startWall
    collector.close()

    roundMs.sort((a, b) => a - b)
    return {
      containers,
      seconds,
      rounds: roundMs.length,
      sources,
      collectorCpuPercentOfOneCore: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      roundMs: { p50: percentile(roundMs, 50), p99: percentile(roundMs, 99) },
      measuredInLastRound: last.filter((stats) => stats.cpuPercent !== undefined).length,
    }
  } finally {
    await removeContainers(docker, ids)
  }
}
