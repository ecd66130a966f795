// A reference proxy (nginx, HAProxy) run for one benchmark: a private instance in the foreground from
// a temporary folder, on loopback only, ready once it accepts connections, stopped by the pid it was
// started with (gracefully first), its folder removed afterwards.
import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { delimiter, join } from 'node:path'

export interface RunningReferenceProxy {
  readonly pid: number
  readonly port: number
  stop(): Promise<void>
}

/** `name` in /usr/sbin (Debian) or the first on PATH; undefined when not installed. */
export function findBinary(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    join('/usr/sbin', name),
    join('/usr/bin', name),
    ...(env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)),
  ]
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // Not here.
    }
  }
  return undefined
}

/** The first match of `pattern` in what `binary args` prints (both streams), or 'unknown'. */
export function versionOf(binary: string, args: readonly string[], pattern: RegExp): string {
  const result = spawnSync(binary, args, { encoding: 'utf8', timeout: 5000 })
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.match(pattern)?.[0] ?? 'unknown'
}

/** A free loopback port: these proxies cannot listen on port 0 and tell us which one they got. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export interface ForegroundOptions {
  /** For error messages: "nginx", "HAProxy". */
  name: string
  binary: string
  args: readonly string[]
  /** The port its configuration listens on. */
  port: number
  /** Its private folder, removed on stop. */
  prefix: string
  /** Read into the error when it does not start. */
  errorLog?: string
  /** Its graceful stop: nginx takes SIGQUIT, HAProxy SIGUSR1. SIGTERM follows after 5 s. */
  stopSignal: NodeJS.Signals
  readyTimeoutMs?: number
}

/** Starts the proxy and resolves once it accepts connections; rejects with what it said otherwise. */
export async function startForeground({
  name,
  binary,
  args,
  port,
  prefix,
  errorLog,
  stopSignal,
  readyTimeoutMs = 10_000,
}: ForegroundOptions): Promise<RunningReferenceProxy> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', (error) => {
      stderr += error.message
      resolve()
    })
  })
  const pid = child.pid

  const stop = async () => {
    if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill(stopSignal)
      let timer: NodeJS.Timeout | undefined
      const late = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), 5000)
        }),
      ])
      clearTimeout(timer)
      if (late) {
        child.kill('SIGTERM')
        await exited
      }
    }
    await rm(prefix, { recursive: true, force: true })
  }

  const deadline = Date.now() + readyTimeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || pid === undefined) {
      const log = errorLog ? await readFile(errorLog, 'utf8').catch(() => '') : ''
      await stop()
      throw new Error(`${name} did not start: ${(log + stderr).trim() || `exit code ${child.exitCode}`}`)
    }
    if (await accepts(port)) return { pid, port, stop }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${name} did not accept connections on 127.0.0.1:${port} within ${readyTimeoutMs} ms`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
