// A container runtime for unit tests of the agent's loops: replicas are records, every start waits until
// the test lets it finish, and every call is remembered. Pair with a CPU source the test controls.
import type { ReplicaStats, ReplicaStatsSource } from '../agent'
import type { ContainerRuntime, ReplicaExit, ReplicaHandle, ReplicaSpec } from '../runtime/runtime'

export class FakeRuntime implements ContainerRuntime {
  readonly kind = 'process' as const
  readonly live = new Map<string, ReplicaHandle>()
  readonly removed: string[] = []
  /** Starts asked for and not yet let through, oldest first. */
  readonly pendingStarts: (() => ReplicaHandle)[] = []
  private readonly exitListeners = new Set<(exit: ReplicaExit) => void>()
  private next = 1

  /**
   * autoStart: starts finish at once rather than when the test says. port: where every replica answers
   * (a test's own /healthz server, so replicas become ready); default 9, where nothing answers.
   */
  constructor(private readonly options: { autoStart?: boolean; port?: number } = {}) {}

  /** What prepare() waits for (an image build, say); resolved by default. */
  preparing: Promise<void> = Promise.resolve()

  prepare(): Promise<void> {
    return this.preparing
  }

  async list(): Promise<ReplicaHandle[]> {
    return [...this.live.values()]
  }

  start(spec: ReplicaSpec): Promise<ReplicaHandle> {
    const create = () => {
      const id = `r${this.next++}`
      const handle = {
        id,
        name: `acs-${spec.vmName}-${id}`,
        host: '127.0.0.1',
        port: this.options.port ?? 9,
        cpus: spec.cpus,
        memoryBytes: spec.memoryBytes,
        startedAt: Date.now(),
        running: true,
      }
      this.live.set(id, handle)
      return handle
    }
    if (this.options.autoStart) return Promise.resolve(create())
    return new Promise((resolve) =>
      this.pendingStarts.push(() => {
        const handle = create()
        resolve(handle)
        return handle
      }),
    )
  }

  /** Lets the oldest pending start finish; returns the replica it created. */
  finishStart(): ReplicaHandle {
    const finish = this.pendingStarts.shift()
    if (!finish) throw new Error('no start is pending')
    return finish()
  }

  async remove(id: string): Promise<void> {
    this.live.delete(id)
    this.removed.push(id)
  }

  onExit(listener: (exit: ReplicaExit) => void): () => void {
    this.exitListeners.add(listener)
    return () => this.exitListeners.delete(listener)
  }

  async close(): Promise<void> {}
}

/** CPU use in % of each replica's limit, the same for all, set by the test. */
export class FakeStats implements ReplicaStatsSource {
  cpuPercent = 0

  async sample(replicas: readonly ReplicaHandle[]): Promise<Map<string, ReplicaStats>> {
    return new Map(replicas.map((r) => [r.id, { cpuPercent: this.cpuPercent }]))
  }
}
