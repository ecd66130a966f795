// A real VIM as a user runs it (`npm run serve -- --lab 2`), with its own data dir, cluster id and ports, that
// a fault can kill and restart on the same ports. Everything it leaves behind is removed by recorded id:
// the VIM by its pid, lab agents by the pids they reported (checked to be this cluster's agents), and
// containers and images by this cluster's label.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import { waitFor } from '../../src/shared/testing/poll'
import { connectDocker } from '../../vmm-agent/runtime/docker-connection'
import { LABEL_CLUSTER } from '../../vmm-agent/runtime/docker-runtime'
import { freeLoopbackPort } from '../../vmm-agent/runtime/free-port'

export interface LabVimOptions {
  /** The repository: scripts/serve.mjs runs the built app from it. */
  root: string
  /** settings.json as the user would have saved it. */
  settings: unknown
  vms?: number
  startTimeoutMs?: number
}

/** VIM processes still running, so that an interrupted run still stops them. */
const running = new Set<LabVim>()
export const runningVims = (): readonly LabVim[] => [...running]

export class LabVim {
  readonly cluster = `c${randomBytes(4).toString('hex')}`
  readonly token = randomBytes(18).toString('base64url')
  readonly dataDir = mkdtempSync(join(tmpdir(), 'acs-chaos-'))
  /** Every lab agent pid seen, for the clean-up after a VIM crash left agents behind. */
  readonly agentPids = new Set<number>()
  proxyUrl = ''
  private apiOrigin = ''
  private child: ChildProcess | undefined
  private exited: Promise<void> = Promise.resolve()
  private output = ''
  private args: string[] = []

  private constructor(private readonly options: LabVimOptions) {
    writeFileSync(join(this.dataDir, 'cluster-id'), `${this.cluster}\n`, { mode: 0o600 })
    writeFileSync(join(this.dataDir, 'settings.json'), JSON.stringify(options.settings))
  }

  static async start(options: LabVimOptions): Promise<LabVim> {
    const vim = new LabVim(options)
    running.add(vim)
    try {
      const [ui, proxy, hub] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()]
      vim.args = [
        ...['--lab', String(options.vms ?? 2), '--runtime', 'docker'],
        ...['--ui-port', String(ui), '--proxy-port', String(proxy), '--hub-port', String(hub)],
      ]
      vim.apiOrigin = `http://127.0.0.1:${ui}`
      vim.proxyUrl = `http://127.0.0.1:${proxy}`
      await vim.launch()
      return vim
    } catch (error) {
      await vim.cleanUp()
      throw error
    }
  }

  /** The VIM's output so far (its last 20 000 characters). */
  get log(): string {
    return this.output
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Starts the VIM (again) on the same ports and data dir; resolves once its API answers. */
  async launch(): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, ACS_DATA_DIR: this.dataDir, ACS_TOKEN: this.token }
    delete env.DISPLAY
    delete env.WAYLAND_DISPLAY
    const child = spawn(process.execPath, [join(this.options.root, 'scripts/serve.mjs'), ...this.args], {
      cwd: this.options.root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: the clean-up reaches a build it may have started.
      detached: true,
    })
    this.child = child
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()))
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk).slice(-20_000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    const timeoutMs = this.options.startTimeoutMs ?? 120_000
    await waitFor(
      'the VIM answering its API',
      async () => {
        if (!this.alive) throw new Error(`the VIM exited:\n${this.output}`)
        return (await fetch(`${this.apiOrigin}/api/v1/health`)).ok ? true : undefined
      },
      timeoutMs,
    )
  }

  /** A control-API call; `timeoutMs` bounds it (a VM stop waits for its agent to remove its containers). */
  async api<T>(path: string, init: RequestInit = {}, timeoutMs = 5000): Promise<T> {
    const response = await fetch(`${this.apiOrigin}/api/v1${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json', ...init.headers },
      signal: AbortSignal.timeout(timeoutMs),
    })
    const body = await response.json()
    if (!response.ok)
      throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`)
    return body as T
  }

  snapshot(): Promise<ClusterSnapshot> {
    return this.api<ClusterSnapshot>('/cluster')
  }

  /** The pid of a VM's agent, from its status endpoint; recorded for the clean-up. */
  async agentPid(address: string): Promise<number> {
    const response = await fetch(`http://${address}/_agent/status`, { signal: AbortSignal.timeout(3000) })
    const { pid } = (await response.json()) as { pid: number }
    this.agentPids.add(pid)
    return pid
  }

  /** Records the agent pids of every VM that has an address now. */
  async recordAgents(): Promise<void> {
    const snapshot = await this.snapshot().catch(() => undefined)
    for (const vm of snapshot?.vms ?? [])
      if (vm.address) await this.agentPid(vm.address).catch(() => undefined)
  }

  /** Sends `signal` to the VIM process alone (not its agents) and waits up to `timeoutMs` for its exit. */
  async signal(signal: 'SIGTERM' | 'SIGKILL', timeoutMs = 40_000): Promise<boolean> {
    if (!this.alive || this.child?.pid === undefined) return true
    process.kill(this.child.pid, signal)
    return settles(this.exited, timeoutMs)
  }

  /** Stops everything this VIM started, whatever state a fault left it in. Never throws. */
  async cleanUp(): Promise<string[]> {
    const notes: string[] = []
    try {
      if (this.alive && this.child?.pid !== undefined) {
        const pid = this.child.pid
        killGroup(pid, 'SIGTERM')
        if (!(await settles(this.exited, 40_000))) {
          notes.push(`the VIM (pid ${pid}) did not stop within 40 s; killed`)
          killGroup(pid, 'SIGKILL')
          await settles(this.exited, 5000)
        }
      }
      for (const pid of this.agentPids) {
        if (!this.isOurAgent(pid)) continue
        notes.push(`a lab agent (pid ${pid}) outlived its VIM; killed`)
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // Gone meanwhile.
        }
      }
      const removed = await this.removeContainers()
      if (removed > 0) notes.push(`${removed} container(s) of the cluster were left and removed`)
      await this.removeImages()
    } catch (error) {
      notes.push(`clean-up: ${(error as Error).message}`)
    } finally {
      running.delete(this)
      rmSync(this.dataDir, { recursive: true, force: true })
    }
    return notes
  }

  /** A pid is ours when it is a VMM agent of this cluster (a reused pid would not say `--cluster <id>`). */
  private isOurAgent(pid: number): boolean {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      const at = args.indexOf('--cluster')
      return at >= 0 && args[at + 1] === this.cluster
    } catch {
      return false
    }
  }

  private async removeContainers(): Promise<number> {
    const { docker } = connectDocker()
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_CLUSTER}=${this.cluster}`] },
    })
    for (const info of left) {
      const container = docker.getContainer(info.Id)
      if (info.State === 'paused') await container.unpause().catch(() => {})
      await container.remove({ force: true }).catch(() => {})
    }
    return left.filter((c) => c.State !== 'exited' && c.State !== 'created').length
  }

  private async removeImages(): Promise<void> {
    const { docker } = connectDocker()
    const images = await docker.listImages({ filters: { label: [`${LABEL_CLUSTER}=${this.cluster}`] } })
    for (const image of images)
      for (const tag of image.RepoTags ?? [])
        if (tag.startsWith(`acs-workload-${this.cluster}:`))
          await docker
            .getImage(tag)
            .remove()
            .catch(() => {})
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // The group is already gone.
  }
}

async function settles(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = await Promise.race([
    promise.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs)
    }),
  ])
  clearTimeout(timer)
  return !late
}
