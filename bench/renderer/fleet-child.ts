// Starts fleet-process with the hub's certificate as its only extra trusted CA and stops it by its pid.
// bench-child's fork takes no environment, and the trust must be in place when Node starts.
import { type ChildProcess, fork } from 'node:child_process'
import type { FleetStats } from '../hub/fleet-simulator'
import { bundleEntry } from '../proxy/bench-child'
import type { ChildReply, ChildRequest } from '../proxy/bench-child-runtime'

export interface FleetChild {
  readonly pid: number
  /** The fleet once every agent was dialled: how many were welcomed, and why others were not. */
  readonly joined: FleetStats
  stats(): Promise<FleetStats>
  stop(): Promise<void>
}

export interface FleetChildOptions {
  /** The hub's wss:// URL. */
  url: string
  joinToken: string
  /** The hub's certificate (PEM), trusted by the fleet's process and nothing else. */
  caFile: string
  agents: number
  containersPerAgent: number
  readyTimeoutMs?: number
}

export async function startFleetChild(options: FleetChildOptions): Promise<FleetChild> {
  const file = await bundleEntry('bench/renderer/fleet-process.ts')
  const child = fork(
    file,
    [options.url, options.joinToken, String(options.agents), String(options.containersPerAgent)],
    {
      execArgv: [],
      env: { ...process.env, NODE_EXTRA_CA_CERTS: options.caFile },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  )
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const replies = new Map<number, (reply: ChildReply) => void>()
  let nextId = 1
  const joined = new Promise<FleetStats>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the fleet did not join within ${options.readyTimeoutMs ?? 60_000} ms`)),
      options.readyTimeoutMs ?? 60_000,
    )
    child.on('message', (raw) => {
      const reply = raw as ChildReply
      if (reply.kind === 'ready') {
        clearTimeout(timer)
        resolve(reply.ready as FleetStats)
      } else replies.get(reply.id)?.(reply)
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`the fleet process exited (code ${child.exitCode}): ${stderr.trim()}`))
    })
  })
  const stop = () => stopChild(child, exited)
  try {
    const stats = await joined
    return {
      pid: child.pid!,
      joined: stats,
      stats: () =>
        new Promise<FleetStats>((resolve, reject) => {
          const id = nextId++
          const timer = setTimeout(() => reject(new Error('the fleet did not answer "stats"')), 10_000)
          replies.set(id, (reply) => {
            clearTimeout(timer)
            replies.delete(id)
            if (reply.kind === 'result') resolve(reply.result as FleetStats)
            else reject(new Error(reply.kind === 'error' ? reply.error : 'unexpected reply'))
          })
          child.send({ id, name: 'stats' } satisfies ChildRequest)
        }),
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Disconnecting is the child's cue to close its agents (bench-child-runtime); SIGKILL if it lingers. */
async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  if (child.connected) child.disconnect()
  let timer: NodeJS.Timeout | undefined
  const late = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs)
    }),
  ])
  clearTimeout(timer)
  if (late) {
    child.kill('SIGKILL')
    await exited
  }
}
