// The stats collector against real replicas: Docker containers at and below their CPU limit (cgroup
// files and the streaming fallback), and process-runtime children.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyImage, removeContainers, startTinyContainer } from '../../bench/agent-stats'
import { connectDocker, pingDocker } from '../../vmm-agent/runtime/docker-connection'
import { ProcessRuntime } from '../../vmm-agent/runtime/process-runtime'
import { type ReplicaStats, StatsCollector } from '../../vmm-agent/stats/collector'
import { DockerStatsProbe } from '../../vmm-agent/stats/docker-probe'
import { ProcessStatsProbe } from '../../vmm-agent/stats/proc-source'
import type { StatsProbe, StatsTarget } from '../../vmm-agent/stats/usage-source'
import { shouldRun } from '../support/services'

const connection = connectDocker()
const { docker } = connection
const dockerAvailable = await pingDocker(connection, 3000).then(
  () => true,
  () => false,
)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Collects once a second for `rounds` rounds and returns the last round, by replica id. */
async function collectFor(
  probe: StatsProbe,
  replicas: StatsTarget[],
  rounds: number,
): Promise<Map<string, ReplicaStats>> {
  const collector = new StatsCollector(probe)
  try {
    let last: ReplicaStats[] = []
    for (let round = 0; round < rounds; round++) {
      if (round > 0) await sleep(1000)
      last = await collector.collect(replicas)
    }
    return new Map(last.map((stats) => [stats.id, stats]))
  } finally {
    collector.close()
  }
}

describe.runIf(shouldRun('docker', dockerAvailable, 'start dockerd (.ci/run does) or set DOCKER_HOST'))(
  'Docker container stats',
  () => {
    const limit = 0.2
    let image: string
    const created: string[] = []
    let burner: string
    let idle: string

    beforeAll(async () => {
      image = await buildTinyImage(docker)
      burner = await startTinyContainer(docker, image, { cpus: limit, burn: true })
      created.push(burner)
      idle = await startTinyContainer(docker, image, { cpus: limit })
      created.push(idle)
    })

    afterAll(async () => {
      await removeContainers(docker, created)
    })

    it.each([
      { via: 'cgroup files', readCgroupFiles: true, kinds: ['cgroup-v1', 'cgroup-v2'] },
      { via: 'the stats stream', readCgroupFiles: false, kinds: ['docker-stream'] },
    ])(
      'via $via: a busy container shows near its limit, an idle one near 0',
      async ({ readCgroupFiles, kinds }) => {
        const probe = new DockerStatsProbe(docker, { readCgroupFiles })
        const source = await probe.open({ id: burner, cpus: limit })
        expect(kinds).toContain(source.kind)
        source.close()

        // The stream needs a few of Docker's ~1 s samples before a delta exists.
        const stats = await collectFor(
          probe,
          [
            { id: burner, cpus: limit },
            { id: idle, cpus: limit },
          ],
          readCgroupFiles ? 3 : 5,
        )
        const busy = stats.get(burner)!
        const quiet = stats.get(idle)!
        expect(busy.cpuPercent).toBeGreaterThan(60)
        expect(busy.cpuPercent).toBeLessThan(130)
        expect(quiet.cpuPercent).toBeGreaterThanOrEqual(0)
        expect(quiet.cpuPercent).toBeLessThan(10)
        for (const replica of [busy, quiet]) {
          expect(replica.memoryBytes).toBeGreaterThan(1024 * 1024)
          expect(replica.memoryBytes).toBeLessThan(128 * 1024 * 1024)
        }
      },
    )

    it('finds the cgroup from a short container id (one inspect)', async () => {
      const source = await new DockerStatsProbe(docker).open({ id: burner.slice(0, 12), cpus: limit })
      expect(source.kind).toMatch(/^cgroup-v[12]$/)
      expect((await source.read())?.cpuNanos).toBeGreaterThan(0)
      source.close()
    })

    it('a removed container reads as undefined instead of failing the round', async () => {
      const doomed = await startTinyContainer(docker, image, { cpus: limit })
      created.push(doomed)
      const collector = new StatsCollector(new DockerStatsProbe(docker))
      try {
        const replicas = [
          { id: doomed, cpus: limit },
          { id: idle, cpus: limit },
        ]
        expect((await collector.collect(replicas))[0]?.memoryBytes).toBeGreaterThan(0)
        await removeContainers(docker, [doomed])
        const after = await collector.collect(replicas)
        expect(after[0]).toMatchObject({ id: doomed, cpuPercent: undefined, memoryBytes: undefined })
        expect(after[1]?.memoryBytes).toBeGreaterThan(0)
      } finally {
        collector.close()
      }
    })
  },
)

describe('process runtime stats', () => {
  // A stand-in for the workload server (vmm-agent/workload/server.ts is written in parallel): honours
  // PORT, answers /healthz, and with BURN=1 keeps about 0.4 of a core busy.
  const STAND_IN = `
import http from 'node:http'
http.createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : '')).listen(Number(process.env.PORT), '127.0.0.1')
if (process.env.BURN === '1') setInterval(() => { const end = Date.now() + 40; while (Date.now() < end); }, 100)
`
  let dir: string
  let runtime: ProcessRuntime

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'acs-proc-stats-'))
    writeFileSync(join(dir, 'server.mjs'), STAND_IN)
    runtime = new ProcessRuntime({ serverPath: join(dir, 'server.mjs') })
  })

  afterAll(async () => {
    await runtime.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a busy child shows its use against the nominal allotment, an idle one near 0', async () => {
    const busy = await runtime.start({ vmName: 'lab', cpus: 0.5, memoryBytes: 1 << 28, env: { BURN: '1' } })
    const quiet = await runtime.start({ vmName: 'lab', cpus: 0.5, memoryBytes: 1 << 28 })
    await sleep(500) // past Node's start-up burst
    const stats = await collectFor(new ProcessStatsProbe(), [busy, quiet], 3)
    // ~0.4 core of a 0.5-core allotment: ~80 % on an idle machine; a busy 2-core machine gives it less.
    expect(stats.get(busy.id)?.cpuPercent).toBeGreaterThan(25)
    expect(stats.get(busy.id)?.cpuPercent).toBeLessThan(110)
    expect(stats.get(quiet.id)?.cpuPercent).toBeLessThan(10)
    expect(stats.get(quiet.id)?.memoryBytes).toBeGreaterThan(10 * 1024 * 1024)
  })
})
