// Runs workload replicas as Docker containers with real CPU and memory limits. Labels let a restarted
// agent find and adopt its containers; Docker's event stream reports the ones that exit on their own.
import { randomBytes } from 'node:crypto'
import type Docker from 'dockerode'
import { type LogLine, MAX_LOG_LINES } from '../../src/shared/protocol/messages'
import {
  type ContainerOwner,
  LABEL_PORT,
  ownerLabelFilter,
  ownerLabels,
  ownsContainer,
} from './container-labels'
import {
  connectDocker,
  type DockerConnection,
  dockerMessage,
  dockerStatus,
  pingDocker,
} from './docker-connection'
import { ExitWatcher } from './docker-exits'
import { freeLoopbackPort } from './free-port'
import { type LogQuery, parseDockerLogs } from './log-lines'
import { hardeningHostConfig } from './replica-hardening'
import type { ContainerRuntime, ReplicaExit, ReplicaHandle, ReplicaSpec } from './runtime'
import { ensureImagePresent, ensureWorkloadImage, WORKLOAD_PORT, type WorkloadImage } from './workload-image'

export type DockerNetwork = 'bridge' | 'host'

export { LABEL_CLUSTER, LABEL_MANAGED_BY, LABEL_PORT, LABEL_VM, MANAGED_BY } from './container-labels'

/** Docker refuses smaller memory limits. */
const MIN_MEMORY_BYTES = 6 * 1024 * 1024

export interface DockerRuntimeOptions {
  /** This agent's VM; its containers are labelled with it and named `acs-<vmName>-<random>`. */
  vmName: string
  /** This agent's cluster: it lists, adopts and removes only containers labelled with it and its VM. */
  cluster: string
  /** `unix:///var/run/docker.sock` (default: DOCKER_HOST, then that socket), a socket path, or `tcp://host:port`. */
  dockerHost?: string
  /** 'bridge' (default): port 8080 published on 127.0.0.1. 'host': the runtime picks a free port. */
  network?: DockerNetwork
  /** A user's own image, already loaded into this Docker; no build. Its server must honour PORT. */
  image?: string
  /** The bundled workload server (one CommonJS file), for the built-in image. Needed unless `image` is set. */
  serverSource?: string | (() => Promise<string>)
  /** The port a user's image listens on in bridge mode (default 8080). */
  containerPort?: number
  /** Host network only: picks the port for a new container (default: a free port from the OS). */
  allocatePort?: () => Promise<number>
  /** Seconds between SIGTERM and SIGKILL on remove (default 3). */
  stopTimeoutSeconds?: number
  /** Docker's build output, line by line. */
  onBuildProgress?: (line: string) => void
}

/** Docker names allow [a-zA-Z0-9_.-]; a VM name like "lab 1" must still give a valid one. */
function containerName(vmName: string): string {
  const safe = vmName.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '') || 'vm'
  return `acs-${safe}-${randomBytes(2).toString('hex')}`
}

/**
 * The HostConfig fields of a CPU limit: Docker's NanoCpus, or a CFS quota over an explicit period, which
 * throttles a container in smaller steps (its whole share of each period, sooner) than Docker's 100 ms.
 */
export function cpuLimit(
  cpus: number,
  periodMs?: number,
): { NanoCpus: number } | { CpuPeriod: number; CpuQuota: number } {
  if (periodMs === undefined) return { NanoCpus: Math.round(cpus * 1e9) }
  const period = Math.round(periodMs * 1000)
  const quota = Math.round(cpus * period)
  if (period < 1000 || quota < 1000)
    throw new Error(
      `a ${cpus}-CPU limit over ${periodMs} ms periods is ${quota / 1000} ms per period, below the kernel's 1 ms minimum`,
    )
  return { CpuPeriod: period, CpuQuota: quota }
}

/** Cores allotted by a container's HostConfig, however the limit was set. */
function allottedCpus(host: Docker.HostConfig): number {
  if (host.NanoCpus) return host.NanoCpus / 1e9
  if (host.CpuQuota && host.CpuQuota > 0 && host.CpuPeriod) return host.CpuQuota / host.CpuPeriod
  return 0
}

/** The replica as the agent sees it, or undefined when Docker cannot tell where it listens. */
export function handleFromInspect(info: Docker.ContainerInspectInfo): ReplicaHandle | undefined {
  const labels = info.Config.Labels ?? {}
  const containerPort = Number(labels[LABEL_PORT] ?? WORKLOAD_PORT)
  const port =
    info.HostConfig.NetworkMode === 'host'
      ? containerPort
      : Number(info.NetworkSettings.Ports?.[`${containerPort}/tcp`]?.[0]?.HostPort)
  if (!Number.isInteger(port) || port <= 0) return undefined
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    host: '127.0.0.1',
    port,
    cpus: allottedCpus(info.HostConfig),
    memoryBytes: info.HostConfig.Memory ?? 0,
    startedAt: Date.parse(info.State.StartedAt) || Date.parse(info.Created),
    running: info.State.Running,
  }
}

export class DockerRuntime implements ContainerRuntime {
  readonly kind = 'docker' as const
  private readonly connection: DockerConnection
  private readonly network: DockerNetwork
  private readonly exits: ExitWatcher
  private prepared?: WorkloadImage

  constructor(private readonly options: DockerRuntimeOptions) {
    if (!options.image && options.serverSource === undefined)
      throw new Error(
        'DockerRuntime needs an image (your own, loaded locally) or the bundled workload server',
      )
    this.connection = connectDocker(options.dockerHost)
    this.network = options.network ?? 'bridge'
    this.exits = new ExitWatcher(this.connection.docker, this.labelFilter())
  }

  /** The image in use after prepare(), and whether prepare() had to build it. */
  get image(): WorkloadImage | undefined {
    return this.prepared
  }

  private get docker(): Docker {
    return this.connection.docker
  }

  private get owner(): ContainerOwner {
    return { cluster: this.options.cluster, vmName: this.options.vmName }
  }

  private labelFilter(): string[] {
    return ownerLabelFilter(this.owner)
  }

  async prepare(): Promise<void> {
    await pingDocker(this.connection)
    if (this.options.image) {
      const sizeBytes = await ensureImagePresent(this.docker, this.options.image)
      this.prepared = { tag: this.options.image, built: false, buildMs: 0, sizeBytes }
    } else {
      const source = this.options.serverSource!
      const serverSource = typeof source === 'string' ? source : await source()
      this.prepared = await ensureWorkloadImage(this.docker, serverSource, {
        cluster: this.options.cluster,
        onProgress: this.options.onBuildProgress,
      })
    }
    // Subscribed before any container starts, so that no exit goes unseen.
    await this.exits.start()
  }

  async list(): Promise<ReplicaHandle[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: this.labelFilter() } })
    const handles: ReplicaHandle[] = []
    for (const summary of containers) {
      const info = summary.State === 'running' ? await this.inspect(summary.Id) : undefined
      const handle = info && handleFromInspect(info)
      if (handle?.running) {
        handles.push(handle)
      } else {
        // A stopped replica is not revived: the agent starts a fresh one, so the old one only takes space.
        await this.remove(summary.Id)
      }
    }
    return handles
  }

  async start(spec: ReplicaSpec): Promise<ReplicaHandle> {
    if (!this.prepared) throw new Error('DockerRuntime.start() before prepare(): the image is not ready')
    if (spec.vmName !== this.options.vmName)
      throw new Error(`this runtime manages VM '${this.options.vmName}', not '${spec.vmName}'`)
    if (!(spec.cpus > 0)) throw new Error(`a replica needs a positive CPU allotment, got ${spec.cpus}`)
    if (!(spec.memoryBytes >= MIN_MEMORY_BYTES))
      throw new Error(`a replica needs at least ${MIN_MEMORY_BYTES} bytes of memory, got ${spec.memoryBytes}`)

    const host = this.network === 'host'
    const port = host
      ? await (this.options.allocatePort ?? freeLoopbackPort)()
      : (this.options.containerPort ?? WORKLOAD_PORT)
    const container = await this.create(spec, port)
    try {
      await container.start()
      const handle = handleFromInspect(await container.inspect())
      if (!handle) throw new Error(`Docker did not publish port ${port} on 127.0.0.1`)
      return handle
    } catch (error) {
      // Do not leave a created-but-broken container behind for list() to trip over.
      this.exits.expectExit(container.id)
      await container.remove({ force: true }).catch(() => {})
      throw new Error(`could not start a replica on VM ${spec.vmName}: ${dockerMessage(error)}`)
    }
  }

  private async create(spec: ReplicaSpec, port: number): Promise<Docker.Container> {
    const host = this.network === 'host'
    const memory = Math.round(spec.memoryBytes)
    for (let attempt = 1; ; attempt++) {
      const name = containerName(spec.vmName)
      const env: Record<string, string> = {
        ...spec.env,
        PORT: String(port),
        SERVED_BY: `${spec.vmName}/${name}`,
        CPUS: String(spec.cpus),
        // On the host network, only the agent's proxy (on the same host) should reach the replica.
        ...(host ? { HOST: '127.0.0.1' } : {}),
      }
      try {
        return await this.docker.createContainer({
          name,
          Image: this.prepared!.tag,
          Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
          Labels: { ...ownerLabels(this.owner), [LABEL_PORT]: String(port) },
          ...(host ? {} : { ExposedPorts: { [`${port}/tcp`]: {} } }),
          HostConfig: {
            ...cpuLimit(spec.cpus, spec.cpuPeriodMs),
            Memory: memory,
            // No swap: a replica over its memory limit is OOM-killed (and reported), not slowed to a crawl.
            MemorySwap: memory,
            NetworkMode: host ? 'host' : 'bridge',
            ...(host ? {} : { PortBindings: { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] } }),
            // The agent restarts crashed replicas itself, so that it sees and reports each crash.
            RestartPolicy: { Name: 'no' },
            ...hardeningHostConfig(),
          },
        })
      } catch (error) {
        // A name clash (409) with 65536 names is rare; another draw settles it.
        if (dockerStatus(error) === 409 && attempt < 5) continue
        throw new Error(`could not create a replica on VM ${spec.vmName}: ${dockerMessage(error)}`)
      }
    }
  }

  private async inspect(id: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(id).inspect()
    } catch (error) {
      if (dockerStatus(error) === 404) return undefined
      throw error
    }
  }

  async remove(id: string): Promise<void> {
    const info = await this.inspect(id)
    if (!info) return
    if (!ownsContainer(info.Config.Labels, this.owner))
      throw new Error(
        `container ${info.Name.replace(/^\//, '')} is not VM ${this.options.vmName}'s in cluster ${this.options.cluster}; not removing it`,
      )
    this.exits.expectExit(info.Id)
    const container = this.docker.getContainer(info.Id)
    try {
      // 304: already stopped; 404: already gone (another remove won the race).
      await container.stop({ t: this.options.stopTimeoutSeconds ?? 3 }).catch((error) => {
        if (dockerStatus(error) !== 304 && dockerStatus(error) !== 404) throw error
      })
      await container.remove({ force: true }).catch((error) => {
        // 409: removal already in progress.
        if (dockerStatus(error) !== 404 && dockerStatus(error) !== 409) throw error
      })
    } catch (error) {
      this.exits.unexpectExit(info.Id)
      throw new Error(`could not remove replica ${info.Name.replace(/^\//, '')}: ${dockerMessage(error)}`)
    }
  }

  onExit(listener: (exit: ReplicaExit) => void): () => void {
    return this.exits.subscribe(listener)
  }

  /** The replica's output as Docker keeps it; only this agent's containers are read. */
  async logs(id: string, query: LogQuery): Promise<LogLine[]> {
    const info = await this.inspect(id)
    if (!info || !ownsContainer(info.Config.Labels, this.owner))
      throw new Error(`VM ${this.options.vmName} has no container ${id}`)
    const buffer = (await this.docker.getContainer(info.Id).logs({
      stdout: true,
      stderr: true,
      timestamps: true,
      follow: false,
      tail: Math.min(query.tail, MAX_LOG_LINES),
      // Docker's `since` is in whole seconds: the lines of that second are filtered again by time.
      ...(query.sinceMs !== undefined && { since: Math.floor(query.sinceMs / 1000) }),
    })) as unknown as Buffer
    return parseDockerLogs(buffer, query)
  }

  async close(): Promise<void> {
    this.exits.close()
  }
}
