// One lab VM: its agent child process, started with an argument array and stopped by its recorded pid, its
// state as the provider reports it, and its output turned into log lines that name the VM.
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { type LabAgentCommand, type LabRuntime, loadBalancerAddress, withoutTimestamp } from './agent-command'

export type LabVmState = 'stopped' | 'starting' | 'running' | 'stopping'

export interface LabLogEntry {
  /** `lab-2: …`, ready for the event log. */
  text: string
  /** The VM the line is about; undefined for the lab as a whole. */
  vm: string | undefined
  /** An agent's stdout or stderr, or the provider's own words. */
  source: 'stdout' | 'stderr' | 'provider'
  level: 'info' | 'warn' | 'error'
}

/** An agent that exited without being asked to: the VM is now stopped, and the lab decides what next. */
export interface LabAgentExit {
  vm: string
  code: number | null
  signal: NodeJS.Signals | null
  /** One sentence for the event log, with the agent's last error line and what the lab does about it. */
  reason: string
}

/** What the VM knows of an exit it did not ask for. */
export interface LabAgentExitFacts {
  code: number | null
  signal: NodeJS.Signals | null
  /** The agent's last stderr line, often the cause. */
  lastErrorLine: string | undefined
  /** How long the agent ran. */
  upForMs: number
}

export interface LabVmHooks {
  log(entry: LabLogEntry): void
  exitedOnItsOwn(exit: LabAgentExitFacts): void
}

/** What stop() needs: the bound on a graceful stop, after which the agent is killed. */
export interface LabStopOptions {
  timeoutMs: number
  /** Ask the agent to leave its containers running (adopted at the next start) instead of removing them. */
  leaveContainers?: boolean
}

/**
 * The agent's "stop and leave the containers" signal. Windows has no such signal (and no graceful SIGTERM
 * either): there the agent is stopped outright, which leaves them too.
 */
export const LEAVE_CONTAINERS_SIGNAL: NodeJS.Signals = process.platform === 'win32' ? 'SIGTERM' : 'SIGUSR2'

/** How long after its "load balancer on" line an agent that was asked to stop while starting gets. */
const HANDLER_GRACE_MS = 200
/** How long the final report waits for the agent's last output lines after its exit. */
const OUTPUT_DRAIN_MS = 1000

export class LabVm {
  private current: LabVmState = 'stopped'
  private child: ChildProcess | undefined
  private exited: Promise<void> = Promise.resolve()
  /** Exited, and its last output lines logged (or the drain bound passed). */
  private finished: Promise<void> = Promise.resolve()
  private up: Promise<void> = Promise.resolve()
  private starting: Promise<void> | undefined
  private stopping: Promise<void> | undefined
  /** The load balancer's `HOST:PORT` once the agent announced it. */
  address: string | undefined
  pid: number | undefined
  runtime: LabRuntime | undefined

  constructor(
    readonly name: string,
    private readonly hooks: LabVmHooks,
  ) {}

  get state(): LabVmState {
    return this.current
  }

  /**
   * Spawns the agent; resolves once it runs (not once it serves). `prepare` yields the command; it runs
   * after the VM is already 'starting', so that two concurrent starts spawn one agent.
   */
  async start(prepare: () => Promise<{ command: LabAgentCommand; runtime: LabRuntime }>): Promise<void> {
    if (this.stopping) await this.stopping
    if (this.current !== 'stopped') return this.starting
    this.current = 'starting'
    this.starting = (async () => {
      try {
        const { command, runtime } = await prepare()
        this.runtime = runtime
        await this.spawn(command)
      } catch (error) {
        this.current = 'stopped'
        throw error
      }
    })()
    try {
      await this.starting
    } finally {
      this.starting = undefined
    }
  }

  /**
   * SIGTERM (or, to leave the containers, LEAVE_CONTAINERS_SIGNAL) to the recorded pid, then SIGKILL after
   * `timeoutMs`. Resolves once the agent exited (on SIGTERM it removes its containers first) and its last
   * lines were logged. Stopping a stopped VM does nothing.
   */
  stop(options: LabStopOptions): Promise<void> {
    this.stopping ??= this.stopAgent(options).finally(() => {
      this.stopping = undefined
    })
    return this.stopping
  }

  private async spawn(command: LabAgentCommand): Promise<void> {
    this.address = undefined
    const child = spawn(command.file, command.args, {
      env: command.env,
      // The IPC channel is the agent's lifeline to the VIM (see AGENT_PARENT_WATCHDOG); no messages cross it.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a Ctrl-C meant for the VIM reaches the agents through the VIM's close().
      detached: true,
    })
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', (error) =>
        reject(new Error(`${this.name}: cannot start its agent with ${command.file}: ${error.message}`)),
      )
    })
    // Signals go by pid, so later errors (a closed IPC channel) carry no news the exit does not.
    child.on('error', () => {})
    this.child = child
    this.pid = child.pid
    const spawnedAt = Date.now()
    let lastErrorLine: string | undefined
    let announceUp = () => {}
    this.up = new Promise((resolve) => {
      announceUp = resolve
    })
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
    let finish = () => {}
    this.finished = new Promise((resolve) => {
      finish = resolve
    })
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const expected = this.current === 'stopping'
        this.current = 'stopped'
        this.child = undefined
        this.pid = undefined
        this.address = undefined
        announceUp()
        resolve()
        // The last lines may still be in the pipes: they belong before the report, which quotes stderr's.
        // Bounded, since the process runtime's replicas share the agent's stderr and may outlive it briefly.
        void settlesWithin(closed, OUTPUT_DRAIN_MS).then(() => {
          this.reportExit({ code, signal, lastErrorLine, upForMs: Date.now() - spawnedAt }, expected)
          finish()
        })
      })
    })
    this.readLines(child.stdout as Readable, 'stdout', (line) => {
      const address = loadBalancerAddress(line)
      // Lines read after the exit (or from an earlier run) say nothing about the current agent.
      if (address === undefined || this.child !== child || this.address !== undefined) return
      this.address = address
      if (this.current === 'starting') this.current = 'running'
      announceUp()
    })
    this.readLines(child.stderr as Readable, 'stderr', (line) => {
      lastErrorLine = line
    })
  }

  private async stopAgent({ timeoutMs, leaveContainers = false }: LabStopOptions): Promise<void> {
    await this.starting?.catch(() => {})
    const child = this.child
    const pid = this.pid
    if (!child || pid === undefined || this.current === 'stopped') return
    const wasStarting = this.current === 'starting'
    this.current = 'stopping'
    // The agent handles SIGTERM only once its load balancer is up; earlier, SIGTERM kills it outright and
    // leaves its containers. So a starting agent gets the same bound to come up first.
    // The agent registers its handlers just after that line, hence the short grace.
    if (wasStarting && (await settlesWithin(this.up, timeoutMs))) await delay(HANDLER_GRACE_MS)
    // Only while Node has not reaped the child does its pid still name our agent and no other process.
    const reaped = () => child.exitCode !== null || child.signalCode !== null
    if (!reaped()) signal(pid, leaveContainers ? LEAVE_CONTAINERS_SIGNAL : 'SIGTERM')
    if (await settlesWithin(this.exited, timeoutMs)) return this.finished
    const leftovers =
      this.runtime === 'docker'
        ? `; its containers may remain (docker ps -a --filter label=acs.vm=${this.name})`
        : ''
    this.say('warn', `did not stop within ${timeoutMs / 1000} s; killing its agent (pid ${pid})${leftovers}`)
    if (!reaped()) signal(pid, 'SIGKILL')
    if (!(await settlesWithin(this.exited, 5000)))
      throw new Error(`${this.name}: its agent (pid ${pid}) did not exit even after SIGKILL`)
    await this.finished
  }

  private reportExit(facts: LabAgentExitFacts, expected: boolean): void {
    if (!expected) {
      this.hooks.exitedOnItsOwn(facts)
      return
    }
    const how = facts.signal ? `was killed by ${facts.signal}` : `exited with code ${facts.code}`
    this.say('info', `stopped (its agent ${how})`)
  }

  private readLines(stream: Readable, source: 'stdout' | 'stderr', inspect: (line: string) => void): void {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
    lines.on('line', (raw) => {
      const line = withoutTimestamp(raw)
      if (line.trim() === '') return
      inspect(line)
      this.hooks.log({
        text: `${this.name}: ${line}`,
        vm: this.name,
        source,
        level: source === 'stderr' ? 'warn' : 'info',
      })
    })
  }

  private say(level: LabLogEntry['level'], message: string): void {
    this.hooks.log({ text: `${this.name}: ${message}`, vm: this.name, source: 'provider', level })
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

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    void promise.then(() => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}
