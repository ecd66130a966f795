// Runs replicas as plain child processes of the agent, for machines without Docker: no isolation and
// no enforced limits (the allotment is nominal: the workload and the stats are told it, nothing more).
import { type ChildProcess, spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeLoopbackPort } from './free-port'
import type { ContainerRuntime, ReplicaExit, ReplicaHandle, ReplicaSpec } from './runtime'

export interface ProcessRuntimeOptions {
  /** This agent's VM; when set, specs for another VM are refused (as the Docker runtime does). */
  vmName?: string
  /** The workload server's JS entry point on disk. Either this or `serverSource`. */
  serverPath?: string
  /** The bundled workload server (one CommonJS file); prepare() writes it to a private temp file. */
  serverSource?: string | (() => Promise<string>)
  /** The Node binary to run it with; by default the one running the agent. */
  nodePath?: string
  /** Seconds between SIGTERM and SIGKILL on remove (default 3, as for Docker). */
  stopTimeoutSeconds?: number
  /** Picks the port for a new replica (default: a free loopback port from the OS). */
  allocatePort?: () => Promise<number>
}

export function processReplicaId(pid: number): string {
  return `proc-${pid}`
}

export function pidOfProcessReplica(id: string): number | undefined {
  const match = /^proc-(\d+)$/.exec(id)
  return match ? Number(match[1]) : undefined
}

/**
 * Loaded into every replica before the workload. When its IPC channel to the agent closes, which also
 * happens when the agent dies without cleaning up (SIGKILL, crash), the replica SIGTERMs itself (the
 * workload may drain) and exits 5 s later if still there. The channel is unref'd so that it never keeps
 * alive a replica that wants to exit. Encoded: a bare '?' would start the URL's query and cut the code.
 */
export const PARENT_WATCHDOG = `data:text/javascript,${encodeURIComponent(
  "process.channel?.unref();process.on('disconnect',()=>{process.kill(process.pid,'SIGTERM');" +
    'setTimeout(()=>process.exit(1),5000).unref()})',
)}`

interface Replica {
  handle: ReplicaHandle
  pid: number
  exited: Promise<void>
  removing: boolean
}

const HOST = '127.0.0.1'

/**
 * A ContainerRuntime whose "containers" are child processes. list() returns only what this instance
 * started: the processes do not outlive the agent (see PARENT_WATCHDOG), so there is nothing to adopt
 * from an earlier run.
 */
export class ProcessRuntime implements ContainerRuntime {
  readonly kind = 'process' as const
  private readonly replicas = new Map<string, Replica>()
  private readonly listeners = new Set<(exit: ReplicaExit) => void>()
  private readonly nodePath: string
  private readonly stopTimeoutMs: number
  private readonly allocatePort: () => Promise<number>
  private serverFile: Promise<string> | undefined
  private tempDir: string | undefined
  private started = 0
  private closed = false

  constructor(private readonly options: ProcessRuntimeOptions) {
    if (options.serverPath === undefined && options.serverSource === undefined)
      throw new Error('ProcessRuntime needs the workload server: a serverPath or the bundled serverSource')
    this.nodePath = options.nodePath ?? process.execPath
    this.stopTimeoutMs = (options.stopTimeoutSeconds ?? 3) * 1000
    this.allocatePort = options.allocatePort ?? freeLoopbackPort
  }

  async prepare(): Promise<void> {
    await mustBeUsable(this.nodePath, constants.X_OK, 'the Node binary to run the workload')
    await mustBeUsable(await this.server(), constants.R_OK, 'the workload server')
  }

  async list(): Promise<ReplicaHandle[]> {
    return [...this.replicas.values()].map((replica) => ({ ...replica.handle }))
  }

  async start(spec: ReplicaSpec): Promise<ReplicaHandle> {
    if (this.closed) throw new Error('the process runtime is closed')
    if (this.options.vmName !== undefined && spec.vmName !== this.options.vmName)
      throw new Error(`this runtime manages VM '${this.options.vmName}', not '${spec.vmName}'`)
    const serverFile = await this.server()
    const port = await this.allocatePort()
    this.started += 1
    const name = `${spec.vmName}-p${this.started}`
    const child = spawn(this.nodePath, ['--import', PARENT_WATCHDOG, serverFile], {
      // Only what the workload needs: the agent's own environment (tokens, NODE_OPTIONS) stays out.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...spec.env,
        PORT: String(port),
        SERVED_BY: `${spec.vmName}/${name}`,
        CPUS: String(spec.cpus),
      },
      // stderr is inherited so that a crashing workload's last words land in the agent's log.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', (error) =>
        reject(new Error(`could not start the workload with ${this.nodePath}: ${error.message}`)),
      )
    })
    // Signals go by pid and IPC is only the watchdog's, so later 'error' events carry no news.
    child.on('error', () => {})
    const pid = child.pid
    if (pid === undefined) throw new Error('the workload process started without a pid')

    const handle: ReplicaHandle = {
      id: processReplicaId(pid),
      name,
      host: HOST,
      port,
      cpus: spec.cpus,
      memoryBytes: spec.memoryBytes,
      startedAt: Date.now(),
      running: true,
    }
    const replica: Replica = {
      handle,
      pid,
      removing: false,
      exited: exitOf(child, handle, (exit) => {
        if (!replica.removing) for (const listener of this.listeners) listener(exit)
      }),
    }
    this.replicas.set(handle.id, replica)
    return { ...handle }
  }

  /** SIGTERM, then SIGKILL after the stop timeout. Removing an unknown or removed id does nothing. */
  async remove(id: string): Promise<void> {
    const replica = this.replicas.get(id)
    if (!replica) return
    replica.removing = true
    // While `running`, Node has not reaped the child yet, so the pid cannot have been reused.
    if (replica.handle.running) {
      signal(replica.pid, 'SIGTERM')
      if (!(await settlesWithin(replica.exited, this.stopTimeoutMs))) {
        signal(replica.pid, 'SIGKILL')
        if (!(await settlesWithin(replica.exited, this.stopTimeoutMs)))
          throw new Error(`replica ${id} (pid ${replica.pid}) did not exit after SIGKILL`)
      }
    }
    this.replicas.delete(id)
  }

  onExit(listener: (exit: ReplicaExit) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.replicas.keys()].map((id) => this.remove(id)))
    this.listeners.clear()
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true })
  }

  /** The server file to run: the given path, or the bundled source written out once. */
  private server(): Promise<string> {
    this.serverFile ??= (async () => {
      if (this.options.serverPath !== undefined) return this.options.serverPath
      const source = this.options.serverSource!
      const text = typeof source === 'string' ? source : await source()
      this.tempDir = await mkdtemp(join(tmpdir(), 'acs-workload-'))
      // .cjs: the bundle is CommonJS, whatever package.json may sit above the temp dir.
      const file = join(this.tempDir, 'server.cjs')
      await writeFile(file, text, { mode: 0o600 })
      return file
    })()
    // A failed bundle or write is retried by the next call rather than remembered.
    this.serverFile.catch(() => {
      this.serverFile = undefined
    })
    return this.serverFile
  }
}

function exitOf(
  child: ChildProcess,
  handle: ReplicaHandle,
  report: (exit: ReplicaExit) => void,
): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', (exitCode, signalName) => {
      handle.running = false
      const reason = signalName !== null ? 'killed' : exitCode === 0 ? 'exited' : 'crashed'
      report({ id: handle.id, exitCode, reason })
      resolve()
    })
  })
}

async function mustBeUsable(path: string, mode: number, what: string): Promise<void> {
  try {
    await access(path, mode)
  } catch {
    throw new Error(`process runtime: ${what} is missing or not usable at ${path}`)
  }
}

/** Signals by pid; a process that is already gone is not an error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    promise.then(() => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}
