// One agent process for one real run: started standalone with the run's flags, its event lines kept with
// their times, stopped by its own pid; whatever it leaves behind is removed by the ids recorded on the way.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connectDocker } from '../../../vmm-agent/runtime/docker-connection'
import { LABEL_VM } from '../../../vmm-agent/runtime/docker-runtime'
import type { AgentStatus } from '../../../vmm-agent/status'
import { type AgentLine, parseAgentLine } from './timeline'

export interface AgentProcessOptions {
  /** The repository, whose scripts/agent.mjs builds the bundle when needed and runs it. */
  root: string
  name: string
  runtime: 'docker' | 'process'
  /** Flags besides --name, --standalone, --runtime, --lb-host and --lb-port. */
  args: readonly string[]
  startTimeoutMs?: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Agents still running. If the benchmark is interrupted or dies, each gets a SIGTERM, on which it removes
 * its own containers (--cleanup-on-exit); removeLeftovers() is for the ones it could not.
 */
const live = new Set<ChildProcess>()
const terminateAll = () => {
  for (const child of live) child.kill('SIGTERM')
}
const interrupted = (signal: NodeJS.Signals) => {
  terminateAll()
  const deadline = Date.now() + 10_000
  const wait = setInterval(() => {
    if (live.size > 0 && Date.now() < deadline) return
    clearInterval(wait)
    process.kill(process.pid, signal)
  }, 100)
}
function track(child: ChildProcess): void {
  if (live.size === 0) {
    process.on('exit', terminateAll)
    process.once('SIGINT', interrupted)
    process.once('SIGTERM', interrupted)
  }
  live.add(child)
  child.once('exit', () => {
    live.delete(child)
    if (live.size > 0) return
    process.off('exit', terminateAll)
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
  })
}

export class AgentProcess {
  readonly lines: AgentLine[] = []
  /** Replica ids seen in the status endpoint: Docker container ids or `proc-<pid>`. */
  readonly replicaIds = new Set<string>()
  lbUrl = ''
  private output = ''
  private pending = ''
  private poller: NodeJS.Timeout | undefined

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: AgentProcessOptions,
  ) {
    child.stderr?.on('data', (chunk) => (this.output += chunk))
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk
      this.pending += chunk
      const complete = this.pending.split('\n')
      this.pending = complete.pop() ?? ''
      for (const text of complete) {
        const line = parseAgentLine(text)
        if (line) this.lines.push(line)
      }
    })
  }

  static async start(options: AgentProcessOptions): Promise<AgentProcess> {
    const child = spawn(
      process.execPath,
      [
        join(options.root, 'scripts', 'agent.mjs'),
        ...['--name', options.name, '--standalone', '--runtime', options.runtime],
        ...['--lb-host', '127.0.0.1', '--lb-port', '0', '--cleanup-on-exit'],
        ...options.args,
      ],
      { cwd: options.root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    track(child)
    const agent = new AgentProcess(child, options)
    const timeoutMs = options.startTimeoutMs ?? 120_000
    try {
      agent.lbUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the agent did not start within ${timeoutMs} ms:\n${agent.output}`)),
          timeoutMs,
        )
        const watch = () => {
          const match = /load balancer on (http:\/\/\S+?)\/ /.exec(agent.output)
          if (!match?.[1]) return
          clearTimeout(timer)
          child.stdout?.off('data', watch)
          resolve(match[1])
        }
        child.stdout?.on('data', watch)
        child.once('exit', (code) => {
          clearTimeout(timer)
          reject(new Error(`the agent exited with ${code} before it served:\n${agent.output}`))
        })
      })
    } catch (error) {
      await agent.stop(5000)
      throw error
    }
    agent.poller = setInterval(() => void agent.status().catch(() => {}), 1000)
    return agent
  }

  get log(): string {
    return this.output
  }

  async status(): Promise<AgentStatus> {
    const status = (await (await fetch(`${this.lbUrl}/_agent/status`)).json()) as AgentStatus
    for (const replica of status.replicas) this.replicaIds.add(replica.id)
    return status
  }

  /** Waits until `count` replicas are ready; returns the last status. */
  async waitForReady(count: number, timeoutMs: number): Promise<AgentStatus> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const status = await this.status().catch(() => undefined)
      if (status && status.replicas.filter((r) => r.state === 'ready').length >= count) return status
      if (Date.now() > deadline)
        throw new Error(`no ${count} ready replica(s) within ${timeoutMs} ms:\n${this.output}`)
      await sleep(50)
    }
  }

  /** SIGTERM (the agent removes its replicas), SIGKILL after `graceMs`; then removes what is left. */
  async stop(graceMs = 20_000): Promise<void> {
    clearInterval(this.poller)
    const { child } = this
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(killer)
    }
    await this.removeLeftovers()
  }

  private async removeLeftovers(): Promise<void> {
    if (this.options.runtime === 'process') {
      // Workload processes end with their agent (a parent watchdog); one that did not is still this run's
      // only if its environment names this run's VM, which a reused pid's would not.
      for (const id of this.replicaIds) {
        const pid = Number(/^proc-(\d+)$/.exec(id)?.[1])
        if (!(pid > 0)) continue
        const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')
        if (environ.split('\0').some((entry) => entry.startsWith(`SERVED_BY=${this.options.name}/`))) {
          try {
            process.kill(pid, 'SIGKILL')
          } catch {
            // Gone meanwhile.
          }
        }
      }
      return
    }
    const { docker } = connectDocker()
    // The run's VM name is unique, so its label finds exactly this run's containers.
    const labelled = await docker
      .listContainers({ all: true, filters: { label: [`${LABEL_VM}=${this.options.name}`] } })
      .catch(() => [])
    const ids = new Set([...this.replicaIds, ...labelled.map((c) => c.Id)])
    await Promise.all(
      [...ids].map((id) =>
        docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => {}),
      ),
    )
  }
}
