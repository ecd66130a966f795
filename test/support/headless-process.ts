// Starts `npm run serve` the way a user does and waits for its UI line; stops it by its recorded pid.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLUSTER_ID_FILE } from '../../src/main/config/cluster-id'
import { newTestClusterId } from './test-cluster'

export { freeLoopbackPort as freePort } from '../../vmm-agent/runtime/free-port'

export const repoRoot = join(import.meta.dirname, '..', '..')

/** For tests of the UI and API alone: no lab, and free ports for the proxy and the hub. */
export const NO_CLUSTER = ['--lab', '0', '--proxy-port', '0', '--hub-port', '0']

export interface HeadlessProcess {
  child: ChildProcess
  uiUrl: URL
  token: string
  baseUrl: string
  dataDir: string
  output(): string
  /** Stops the process group; removes the data dir unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to completion (bounded by `timeoutMs`) and collects its output. */
export function runToExit(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(`${command} ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`),
      )
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The cluster id of a VIM's data dir. */
export function clusterIdOf(dataDir: string): string {
  return readFileSync(join(dataDir, CLUSTER_ID_FILE), 'utf8').trim()
}

export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv & { ACS_DATA_DIR: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'acs-test-'))
  // A test cluster id the test can read back (clusterIdOf), so that its clean-up removes only its own.
  writeFileSync(join(dataDir, CLUSTER_ID_FILE), `${newTestClusterId()}\n`, { mode: 0o600 })
  const env: NodeJS.ProcessEnv = { ...process.env, ACS_DATA_DIR: dataDir, ...extra }
  delete env.DISPLAY
  delete env.WAYLAND_DISPLAY
  if (!('ACS_TOKEN' in extra)) delete env.ACS_TOKEN
  return env as NodeJS.ProcessEnv & { ACS_DATA_DIR: string }
}

/** `npm run serve -- ARGS` (or another npm script), resolved once the UI line is printed. */
export async function startHeadless(
  args: string[],
  env: NodeJS.ProcessEnv & { ACS_DATA_DIR: string } = testEnv(),
  script = 'serve',
  timeoutMs = 20_000,
): Promise<HeadlessProcess> {
  const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stop() reaches npm's child too
  })
  let output = ''
  child.stderr.on('data', (chunk) => (output += chunk))
  // 'close' comes once every process holding the output pipes has gone: npm may exit on SIGTERM before the
  // VIM under it has finished its shutdown (left its Swarm, stopped its lab).
  const closed = new Promise((resolve) => child.once('close', resolve))
  let done = false
  void closed.then(() => (done = true))
  const uiUrl = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no UI line within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    )
    child.stdout.on('data', (chunk) => {
      output += chunk
      const match = /^UI: (\S+)$/m.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(new URL(match[1]))
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before printing the UI line:\n${output}`))
    })
  })
  const pid = child.pid as number
  return {
    child,
    uiUrl,
    token: uiUrl.searchParams.get('token') ?? '',
    baseUrl: uiUrl.origin,
    dataDir: env.ACS_DATA_DIR,
    output: () => output,
    stop: async ({ keepData = false } = {}) => {
      if (!done) {
        try {
          process.kill(-pid, 'SIGTERM')
        } catch {
          // npm is gone already; the VIM under it is finishing its shutdown
        }
        await closed
      }
      if (!keepData) rmSync(env.ACS_DATA_DIR, { recursive: true, force: true })
    },
  }
}
