// DockerRuntime against the real Docker Engine: the image is built once and reused, replicas get their
// limits and labels, serve through loopback, report kills, are adopted after a restart and removed.
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectDocker, pingDocker } from '../../vmm-agent/runtime/docker-connection'
import { DockerRuntime, LABEL_CLUSTER } from '../../vmm-agent/runtime/docker-runtime'
import { waitForHealthy } from '../../vmm-agent/runtime/health'
import type { ReplicaExit, ReplicaHandle } from '../../vmm-agent/runtime/runtime'
import { bundleWorkloadServer } from '../../vmm-agent/workload/bundle'
import { shouldRun } from '../support/services'

const { docker } = connectDocker()
const available = await pingDocker(connectDocker(), 3000).then(
  () => true,
  () => false,
)
const run = shouldRun(
  'docker',
  available,
  'no Docker Engine answers at DOCKER_HOST or /var/run/docker.sock; start dockerd (or run .ci/run)',
)

const MiB = 1024 * 1024

/** GET without keep-alive, so that no socket outlives a test. */
function get(
  handle: ReplicaHandle,
  path: string,
): Promise<{ status: number; servedBy?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: handle.host, port: handle.port, path, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, servedBy: res.headers['x-served-by'] as string, body }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

describe.skipIf(!run)('DockerRuntime on the real Docker Engine', () => {
  // A VM name of its own, so that list() and the clean-up only ever see this run's containers.
  const vmName = `test-${randomBytes(3).toString('hex')}`
  const cluster = `t${randomBytes(4).toString('hex')}`
  const made = new Set<string>()
  const runtimes: DockerRuntime[] = []
  let serverSource: string
  let runtime: DockerRuntime
  let replica: ReplicaHandle

  const newRuntime = (
    options: Partial<ConstructorParameters<typeof DockerRuntime>[0]> = {},
  ): DockerRuntime => {
    const created = new DockerRuntime({
      vmName,
      cluster,
      serverSource,
      stopTimeoutSeconds: 1,
      ...options,
    })
    runtimes.push(created)
    return created
  }
  const start = async (rt: DockerRuntime): Promise<ReplicaHandle> => {
    const handle = await rt.start({ vmName, cpus: 0.25, memoryBytes: 96 * MiB })
    made.add(handle.id)
    return handle
  }

  beforeAll(async () => {
    serverSource = await bundleWorkloadServer()
    runtime = newRuntime()
    await runtime.prepare()
  })

  afterAll(async () => {
    for (const rt of runtimes) await rt.close()
    const leftovers = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_CLUSTER}=${cluster}`] },
    })
    for (const id of new Set([...made, ...leftovers.map((c) => c.Id)]))
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => {})
    // The images tagged for this run's clusters; their layers stay shared with everyone else's.
    const images = await docker.listImages({ filters: { label: [`${LABEL_CLUSTER}`] } })
    for (const image of images)
      for (const tag of image.RepoTags ?? [])
        if (tag.startsWith(`acs-workload-${cluster}:`) || tag.startsWith(`acs-workload-o${cluster}:`))
          await docker
            .getImage(tag)
            .remove()
            .catch(() => {})
  })

  it('builds the workload image once; another prepare() reuses it', async () => {
    const first = runtime.image!
    expect(first.tag).toMatch(new RegExp(`^acs-workload-${cluster}:[0-9a-f]{12}$`))
    expect((await docker.getImage(first.tag).inspect()).Config.Labels).toMatchObject({
      [LABEL_CLUSTER]: cluster,
    })
    const createdAt = (await docker.getImage(first.tag).inspect()).Created
    const again = newRuntime()
    await again.prepare()
    expect(again.image).toMatchObject({ tag: first.tag, built: false, buildMs: 0 })
    expect((await docker.getImage(first.tag).inspect()).Created).toBe(createdAt)
  })

  it('starts a replica with its limits, labels and a port published on 127.0.0.1', async () => {
    replica = await start(runtime)
    expect(replica).toMatchObject({ host: '127.0.0.1', cpus: 0.25, memoryBytes: 96 * MiB, running: true })
    expect(replica.name).toMatch(new RegExp(`^acs-${vmName}-[0-9a-f]{4}$`))

    const info = await docker.getContainer(replica.id).inspect()
    expect(info.HostConfig.NanoCpus).toBe(250_000_000)
    expect(info.HostConfig.Memory).toBe(96 * MiB)
    expect(info.Config.Labels).toMatchObject({
      'acs.managed-by': 'vmm-agent',
      'acs.cluster': cluster,
      'acs.vm': vmName,
      'acs.port': '8080',
    })
    // Hardened: no capabilities, no privilege gain, few processes, read-only root with a small /tmp, not root.
    expect(info.HostConfig.CapDrop).toEqual(['ALL'])
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges'])
    expect(info.HostConfig.PidsLimit).toBe(128)
    expect(info.HostConfig.ReadonlyRootfs).toBe(true)
    expect(info.HostConfig.Tmpfs).toEqual({ '/tmp': 'rw,noexec,nosuid,nodev,size=16m' })
    expect(info.Config.User).toBe('65534:65534')
    expect(info.Config.Env).toEqual(
      expect.arrayContaining(['PORT=8080', `SERVED_BY=${vmName}/${replica.name}`, 'CPUS=0.25']),
    )
    expect(info.NetworkSettings.Ports['8080/tcp']).toEqual([
      { HostIp: '127.0.0.1', HostPort: String(replica.port) },
    ])
  })

  it('serves GET / and /healthz through the published port, naming the container', async () => {
    await waitForHealthy(replica.host, replica.port, 20_000)
    const home = await get(replica, '/')
    expect(home.status).toBe(200)
    expect(home.servedBy).toBe(`${vmName}/${replica.name}`)
    expect(JSON.parse(home.body)).toMatchObject({ servedBy: `${vmName}/${replica.name}` })
    const health = await get(replica, '/healthz')
    expect(health).toMatchObject({ status: 200, servedBy: `${vmName}/${replica.name}` })
  })

  it('holds a 2 s session for about 2 s while /healthz still answers', async () => {
    const started = Date.now()
    const session = get(replica, '/session?seconds=2')
    await new Promise((resolve) => setTimeout(resolve, 500))
    const health = await get(replica, '/healthz')
    const healthAt = Date.now() - started
    expect(health.status).toBe(200)
    const done = await session
    const elapsed = Date.now() - started
    expect(done.status).toBe(200)
    expect(healthAt).toBeLessThan(elapsed)
    expect(elapsed).toBeGreaterThanOrEqual(2000)
    expect(elapsed).toBeLessThan(3500)
    // CPUS=0.25: the session holds 0.125 cores, about 250 ms of CPU over 2 s.
    const { session: stats } = JSON.parse(done.body) as { session: { cpuMs: number } }
    expect(stats.cpuMs).toBeGreaterThan(120)
    expect(stats.cpuMs).toBeLessThan(400)
  })

  it('adopts running replicas after an agent restart instead of duplicating them', async () => {
    const restarted = newRuntime()
    await restarted.prepare()
    const adopted = await restarted.list()
    expect(adopted).toEqual([{ ...replica, startedAt: expect.any(Number) }])
    expect(Math.abs(adopted[0]!.startedAt - replica.startedAt)).toBeLessThan(1000)
  })

  it("neither adopts nor removes the same VM's containers of another cluster", async () => {
    const other = newRuntime({ cluster: `o${cluster}` })
    await other.prepare()
    const foreign = await start(other)
    expect((await runtime.list()).map((handle) => handle.id)).toEqual([replica.id])
    await expect(runtime.remove(foreign.id)).rejects.toThrow(`not VM ${vmName}'s in cluster ${cluster}`)
    expect((await docker.getContainer(foreign.id).inspect()).State.Running).toBe(true)
    await other.remove(foreign.id)
  })

  it('reports a docker kill through onExit, and list() clears the dead replica', async () => {
    const victim = await start(runtime)
    const exits: ReplicaExit[] = []
    const unsubscribe = runtime.onExit((exit) => exits.push(exit))
    await docker.getContainer(victim.id).kill()
    const deadline = Date.now() + 15_000
    while (!exits.some((exit) => exit.id === victim.id) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100))
    unsubscribe()
    expect(exits).toEqual([{ id: victim.id, exitCode: 137, reason: 'killed' }])

    expect((await runtime.list()).map((handle) => handle.id)).toEqual([replica.id])
    await expect(docker.getContainer(victim.id).inspect()).rejects.toMatchObject({ statusCode: 404 })
  })

  it('runs on the host network on a port it assigns, bound to loopback', async () => {
    const hostRuntime = newRuntime({ network: 'host' })
    await hostRuntime.prepare()
    const handle = await start(hostRuntime)
    const info = await docker.getContainer(handle.id).inspect()
    expect(info.HostConfig.NetworkMode).toBe('host')
    expect(info.Config.Env).toEqual(expect.arrayContaining([`PORT=${handle.port}`, 'HOST=127.0.0.1']))
    await waitForHealthy(handle.host, handle.port, 20_000)
    expect((await get(handle, '/healthz')).servedBy).toBe(`${vmName}/${handle.name}`)
    await hostRuntime.remove(handle.id)
  })

  it('remove() stops and removes a replica without reporting it as an exit', async () => {
    const exits: ReplicaExit[] = []
    runtime.onExit((exit) => exits.push(exit))
    await runtime.remove(replica.id)
    await expect(docker.getContainer(replica.id).inspect()).rejects.toMatchObject({ statusCode: 404 })
    await runtime.remove(replica.id) // already gone: nothing to do
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(exits).toEqual([])
    expect(await runtime.list()).toEqual([])
  })

  it("says how to load a user's image that is not present", async () => {
    const custom = newRuntime({ image: 'acs-test-missing-image:nope' })
    await expect(custom.prepare()).rejects.toThrow('docker load -i image.tar')
  })
})
