// Connects the agent to its VIM: introduces it, reports once a second, forwards its events, and obeys
// the VIM's commands. While the link is down the agent decides alone (standalone mode).
import { availableParallelism, totalmem } from 'node:os'
import type { AgentKey } from '../src/shared/protocol/agent-identity'
import type { ContainerReport, LogLine } from '../src/shared/protocol/messages'
import type { Agent } from './agent'
import type { AgentConfig } from './config'
import { type LinkState, VimLink } from './link/vim-link'
import { fitOneMessage, type LogQuery } from './runtime/log-lines'
import type { AgentStatus } from './status'

export interface VimSession {
  /** One phrase for the status page, e.g. "connected" or "rejected: the VIM rejected the join token…". */
  describe(): string
  /** The VIM's address as this agent's last completed connection saw it; undefined before the first. */
  vimAddress(): string | undefined
  close(): Promise<void>
}

export function connectToVim(
  agent: Agent,
  config: AgentConfig & { vim: string; token: string },
  identity: AgentKey,
  version: string,
  lbPort: number,
  status: () => AgentStatus,
  say: (line: string) => void,
  /** A container's recent output (by id), or the agent's own log (no id). */
  readLogs: (query: LogQuery & { containerId?: string }) => Promise<LogLine[]>,
): VimSession {
  const link = new VimLink({
    url: config.vim,
    token: config.token,
    identity,
    ...(config.caFingerprint ? { caFingerprint: config.caFingerprint } : {}),
    hello: () => ({
      agentId: agent.id,
      vmName: config.name,
      agentVersion: version,
      runtime: config.runtime,
      capacity: { containers: config.capacity, cpus: availableParallelism(), memoryBytes: totalmem() },
      cpusPerContainer: config.cpusPerContainer,
      memoryPerContainerBytes: config.memoryPerContainerBytes,
      // A wildcard bind is reachable at the address the VIM sees this connection come from.
      lbHost: config.lbHost,
      lbPort,
      replicas: [...agent.replicas.values()].filter((r) => r.state !== 'draining').length,
      features: ['logs'],
    }),
    warn: (message) => say(`link: ${message}`),
  })

  const ack = (commandId: string, run: () => void) => {
    try {
      run()
      link.send({ type: 'ack', commandId, ok: true })
    } catch (error) {
      link.send({ type: 'ack', commandId, ok: false, error: (error as Error).message })
    }
  }

  link.onMessage('welcome', (message) => {
    agent.setPolicy(message.policy)
    agent.followVim(message.target)
  })
  link.onMessage('setTarget', (message) =>
    ack(message.commandId, () => {
      agent.followVim(message.replicas)
      say(`VIM target ${message.replicas}${message.reason ? `: ${message.reason}` : ''}`)
    }),
  )
  link.onMessage('setPolicy', (message) => ack(message.commandId, () => agent.setPolicy(message.policy)))
  link.onMessage('readLogs', ({ commandId, containerId, tail, sinceMs }) => {
    readLogs({
      tail,
      ...(containerId !== undefined && { containerId }),
      ...(sinceMs !== undefined && { sinceMs }),
    })
      .then((logs) => link.send({ type: 'ack', commandId, ok: true, logs: fitOneMessage(logs) }))
      .catch((error: Error) =>
        link.send({ type: 'ack', commandId, ok: false, error: error.message.slice(0, 2000) }),
      )
  })
  link.onStateChange((state) => {
    say(`link: ${describeState(state)}`)
    // Without the VIM the agent follows its own recommendation again.
    if (state.status !== 'connected') agent.followVim(undefined)
  })
  const unsubscribe = agent.onEvent((event) => {
    link.send({ type: 'event', ...event })
  })

  let seq = 0
  const reporter = setInterval(() => {
    if (link.state.status !== 'connected') return
    const result = link.send(buildReport(status(), seq++, Date.now()))
    if (result.status === 'invalid') say(`link: report not sent: ${result.reason}`)
  }, 1000)

  link.start()
  return {
    describe: () => describeState(link.state),
    vimAddress: () => link.peerAddress,
    close: async () => {
      clearInterval(reporter)
      unsubscribe()
      await link.close()
    },
  }
}

function describeState(state: LinkState): string {
  switch (state.status) {
    case 'connected':
      return 'connected'
    case 'connecting':
      return `connecting (attempt ${state.attempt + 1})`
    default:
      return `${state.status}: ${state.reason}`
  }
}

export function buildReport(status: AgentStatus, seq: number, at: number) {
  const containers: ContainerReport[] = status.replicas.map((replica) => ({
    id: replica.id,
    name: replica.name,
    state: replica.state === 'draining' ? 'draining' : replica.state === 'ready' ? 'ready' : 'starting',
    cpuPercent: replica.cpuPercent ?? 0,
    memoryBytes: replica.memoryBytes ?? 0,
    inFlight: replica.inFlight,
    requestRate: replica.requestRate,
    latencyMsP50: replica.latencyMsP50,
    latencyMsP95: replica.latencyMsP95,
    healthy: replica.state === 'ready' && replica.unhealthyReason === null,
    ...(replica.unhealthyReason !== null ? { unhealthyReason: replica.unhealthyReason } : {}),
    startedAt: replica.startedAt,
    ...(replica.readyAt !== null ? { readyAt: replica.readyAt } : {}),
  }))
  const cpuCores = status.replicas.reduce((sum, r) => sum + ((r.cpuPercent ?? 0) / 100) * r.cpus, 0)
  return {
    type: 'report' as const,
    seq,
    at,
    vm: {
      cpuPercent: Math.min(100, (cpuCores / availableParallelism()) * 100),
      memoryBytes: containers.reduce((sum, c) => sum + c.memoryBytes, 0),
      replicas: containers.length,
      readyReplicas: containers.filter((c) => c.state === 'ready' && c.healthy).length,
    },
    containers,
    recommendation: status.recommendation ?? { replicas: status.target, reason: 'no measurement yet' },
    target: status.target,
    mode: status.mode,
  }
}
