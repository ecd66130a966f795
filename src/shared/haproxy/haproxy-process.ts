// Runs one HAProxy (master-worker, in the foreground) for its owner: writes its configuration, waits
// for its Runtime API, restarts it with backoff when it dies, reloads it without dropping connections,
// and stops it with its owner. Node-only: the renderer never imports this file.
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { delimiter, join } from 'node:path'

/** Said once, in one line, when the native plane was asked for but cannot run. */
export const HAPROXY_MISSING =
  'HAProxy is not installed (haproxy not found on PATH); using the embedded data plane'

/** The haproxy binary on PATH (and the sbin directories Debian installs it in), else undefined. */
export function findHaproxy(path = process.env.PATH ?? ''): string | undefined {
  const dirs = [...path.split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin']
  for (const dir of dirs) {
    if (dir === '') continue
    const candidate = join(dir, 'haproxy')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

/** Sends one Runtime API command and returns HAProxy's answer (empty when it has nothing to say). */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 2_000): Promise<string> {
  if (/[\n\r;]/.test(command)) return Promise.reject(new Error('one Runtime API command at a time'))
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath)
    const chunks: Buffer[] = []
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`HAProxy did not answer '${command}'`)))
    socket.on('connect', () => socket.end(`${command}\n`))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

/** A port free on `host` right now (HAProxy cannot report a port the OS picked). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      )
    })
  })
}

export interface HaproxyProcessOptions {
  binary: string
  configPath: string
  /** Where HAProxy's master records its pid, so that one left by an owner that was killed is stopped. */
  pidPath: string
  socketPath: string
  /** HAProxy's own lines (warnings, alerts), for the owner's log. */
  onOutput?: (line: string) => void
  /** HAProxy came back after dying: it holds only the servers its configuration names. */
  onRestarted?: () => void
}

const READY_DEADLINE_MS = 10_000
const MAX_BACKOFF_MS = 10_000

export class HaproxyProcess {
  private child: ChildProcess | undefined
  private stopping = false
  private backoffMs = 250
  private restartTimer: NodeJS.Timeout | undefined
  /** HAProxy's last alerts, for the error when it stops at start (a port in use, say). */
  private alerts: string[] = []

  constructor(private readonly options: HaproxyProcessOptions) {}

  /** Starts HAProxy with `config`; resolves once its Runtime API answers, rejects with its own words. */
  async start(config: string): Promise<void> {
    writeFileSync(this.options.configPath, config, { mode: 0o600 })
    await this.check()
    await this.stopLeftover()
    this.spawn()
    await this.untilReady(undefined)
  }

  /** A new configuration without dropping a connection: the old worker finishes what it holds. */
  async reload(config: string): Promise<void> {
    writeFileSync(this.options.configPath, config, { mode: 0o600 })
    await this.check()
    const before = await this.workerPid()
    this.child?.kill('SIGUSR2')
    await this.untilReady(before)
  }

  /** Stops taking connections, lets in-flight requests finish within `graceMs`, then ends it. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true
    clearTimeout(this.restartTimer)
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGUSR1')
    const timer = setTimeout(() => child.kill('SIGTERM'), graceMs)
    await exited
    clearTimeout(timer)
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  /**
   * An HAProxy this owner started before it was killed (SIGKILL leaves no time to stop it) still holds
   * the port and the socket: stopped by the pid it recorded, if that process still runs this config.
   */
  private async stopLeftover(): Promise<void> {
    let pid: number
    try {
      pid = Number(readFileSync(this.options.pidPath, 'utf8').trim())
    } catch {
      return
    }
    rmSync(this.options.pidPath, { force: true })
    if (!Number.isInteger(pid) || pid <= 1) return
    let cmdline = ''
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    } catch {
      return
    }
    if (!cmdline.includes(this.options.configPath)) return
    this.options.onOutput?.(`stopping the HAProxy (pid ${pid}) left by a previous run`)
    process.kill(pid, 'SIGTERM')
    const deadline = Date.now() + 5_000
    while (Date.now() < deadline) {
      try {
        process.kill(pid, 0)
      } catch {
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** `haproxy -c`: a configuration HAProxy refuses is reported in its words, before anything stops. */
  private check(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.binary, ['-c', '-q', '-f', this.options.configPath], { stdio: 'pipe' })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk))
      child.on('error', reject)
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`HAProxy refused its configuration: ${output.trim()}`)),
      )
    })
  }

  private spawn(): void {
    // -W: master-worker, so that SIGUSR2 reloads; -db: stays in the foreground, owned by this process.
    const args = ['-W', '-db', '-p', this.options.pidPath, '-f', this.options.configPath]
    const child = spawn(this.options.binary, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue
        if (line.includes('[ALERT]'))
          this.alerts = [...this.alerts.slice(-2), line.replace(/^.*\[ALERT\]\s*\(\d+\)\s*:\s*/, '')]
        this.options.onOutput?.(line)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('error', (error) => this.options.onOutput?.(`haproxy: ${error.message}`))
    child.on('exit', (code, signal) => {
      if (this.stopping || this.child !== child) return
      this.options.onOutput?.(
        `HAProxy exited (${signal ?? `code ${code}`}); restarting in ${this.backoffMs} ms`,
      )
      this.restartTimer = setTimeout(() => void this.restart(), this.backoffMs)
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2)
    })
  }

  private async restart(): Promise<void> {
    if (this.stopping) return
    this.spawn()
    try {
      await this.untilReady(undefined)
      this.backoffMs = 250
      this.options.onRestarted?.()
    } catch (error) {
      this.options.onOutput?.(`HAProxy did not come back: ${(error as Error).message}`)
    }
  }

  private async workerPid(): Promise<string | undefined> {
    try {
      return /^Pid: (\d+)/m.exec(await runtimeCommand(this.options.socketPath, 'show info'))?.[1]
    } catch {
      return undefined
    }
  }

  /** Polls the Runtime API until a worker other than `previous` answers. */
  private async untilReady(previous: string | undefined): Promise<void> {
    const deadline = Date.now() + READY_DEADLINE_MS
    while (Date.now() < deadline) {
      const child = this.child
      if (!child || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`HAProxy stopped while starting: ${this.alerts.join('; ') || 'no reason given'}`)
      const pid = await this.workerPid()
      if (pid !== undefined && pid !== previous) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`HAProxy did not open its Runtime API (${this.options.socketPath}) within 10 s`)
  }
}
