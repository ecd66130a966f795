// A real VIM in headless mode for the renderer benchmark: no lab, free ports, a throw-away data
// directory and API token. Stopped through its process group by the recorded pid, data dir removed.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repositoryRoot } from '../proxy/bench-child'

export interface HeadlessVim {
  readonly pid: number
  /** The page link, token included. */
  readonly uiUrl: string
  readonly dataDir: string
  /** GET on the control API, as JSON. */
  get<T>(path: string): Promise<T>
  stop(): Promise<void>
}

/** `startTimeoutMs` covers a first build of the app when its sources changed. */
export async function startHeadlessVim({ startTimeoutMs = 240_000 } = {}): Promise<HeadlessVim> {
  const dataDir = mkdtempSync(join(tmpdir(), 'acs-bench-renderer-'))
  const token = randomBytes(18).toString('base64url')
  const env: NodeJS.ProcessEnv = { ...process.env, ACS_DATA_DIR: dataDir, ACS_TOKEN: token }
  delete env.DISPLAY
  delete env.WAYLAND_DISPLAY
  const root = repositoryRoot()
  const child = spawn(
    process.execPath,
    ['scripts/serve.mjs', '--lab', '0', '--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'],
    // Its own process group, so that stopping it also reaches a build it may have started.
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    await stopGroup(child, exited)
    rmSync(dataDir, { recursive: true, force: true })
  }
  let output = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000)
  })
  try {
    const uiUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the VIM printed no UI line within ${startTimeoutMs} ms:\n${output}`)),
        startTimeoutMs,
      )
      let stdout = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk
        const match = /^UI: (\S+)$/m.exec(stdout)
        if (match?.[1]) {
          clearTimeout(timer)
          resolve(match[1])
        }
      })
      void exited.then(() => {
        clearTimeout(timer)
        reject(new Error(`the VIM exited with ${child.exitCode} before its UI line:\n${output}`))
      })
    })
    const origin = new URL(uiUrl).origin
    return {
      pid: child.pid!,
      uiUrl,
      dataDir,
      get: async <T>(path: string) => {
        const response = await fetch(`${origin}/api/v1${path}`, {
          headers: { Authorization: `Bearer ${token}` },
        })
        if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`)
        return (await response.json()) as T
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

async function stopGroup(child: ChildProcess, exited: Promise<void>, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const pid = child.pid!
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name)
    } catch {
      // The group is already gone.
    }
  }
  signal('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const late = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs)
    }),
  ])
  clearTimeout(timer)
  if (late) {
    signal('SIGKILL')
    await exited
  }
}
