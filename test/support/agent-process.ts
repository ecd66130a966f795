// Runs the agent as `npm run agent -- ARGS` does (node scripts/agent.mjs, without npm in between, so that
// signals and exit codes are the agent's own), and helpers to watch it through its status endpoint.

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AgentStatus } from '../../vmm-agent/status'
import { repoRoot } from './headless-process'
import { TEST_CLUSTER_ID } from './test-cluster'

export interface AgentProcess {
  child: ChildProcess
  lbUrl: string
  output(): string
  status(): Promise<AgentStatus>
  /** SIGTERM to the process group; resolves with the exit code. */
  stop(): Promise<number | null>
}

let stateDir: string | undefined

/**
 * Agents started here keep their keys (one per VM name) in a state directory of this test file's own,
 * not in the user's: the same name gets the same key on a restart, and nothing is left behind.
 */
function agentStateDir(): string {
  if (!stateDir) {
    const dir = mkdtempSync(join(tmpdir(), 'acs-agent-state-'))
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    stateDir = dir
  }
  return stateDir
}

export async function startAgent(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 90_000,
): Promise<AgentProcess> {
  const child = spawn(process.execPath, ['scripts/agent.mjs', ...args], {
    cwd: repoRoot,
    // The test run's own cluster (flags still win): its clean-up removes only what this run made.
    env: { ...process.env, XDG_STATE_HOME: agentStateDir(), ACS_AGENT_CLUSTER: TEST_CLUSTER_ID, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stderr?.on('data', (chunk) => (output += chunk))
  const lbUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`agent did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    )
    child.stdout?.on('data', (chunk) => {
      output += chunk
      const match = /load balancer on (http:\/\/\S+?)\/ /.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`agent exited with ${code} before it was ready:\n${output}`))
    })
  })
  const pid = child.pid as number
  // The status page needs the join token unless the load balancer is reached over loopback.
  const tokenAt = args.indexOf('--token')
  const token = (tokenAt >= 0 ? args[tokenAt + 1] : undefined) ?? env.ACS_AGENT_TOKEN
  const credential: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {}
  return {
    child,
    lbUrl,
    output: () => output,
    status: async () =>
      (await (await fetch(`${lbUrl}/_agent/status`, { headers: credential })).json()) as AgentStatus,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      process.kill(pid, 'SIGTERM')
      return exited
    },
  }
}

export { waitFor } from '../../src/shared/testing/poll'

export const readyCount = (status: AgentStatus) => status.replicas.filter((r) => r.state === 'ready').length

/**
 * Keeps `concurrency` client sessions of `sessionSeconds` running against `url` until stop() (or the
 * bound `maxSeconds`); each session holds about half a container's CPU allotment.
 */
export function holdSessions(url: string, concurrency: number, sessionSeconds: number, maxSeconds: number) {
  const deadline = Date.now() + maxSeconds * 1000
  let stopped = false
  let ok = 0
  let failed = 0
  const worker = async () => {
    while (!stopped && Date.now() < deadline) {
      try {
        const response = await fetch(`${url}/session?seconds=${sessionSeconds}`)
        await response.arrayBuffer()
        if (response.ok) ok++
        else failed++
      } catch {
        failed++
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
  }
  const done = Promise.all(Array.from({ length: concurrency }, worker))
  return {
    stats: () => ({ ok, failed }),
    stop: async () => {
      stopped = true
      await done
    },
  }
}
