// An agent as a holder of the join token can write one: it answers the hub's challenge with a valid proof
// and says whatever it likes in its hello and reports. For tests of what the VIM does with such claims.
import WebSocket from 'ws'
import { type AgentKey, generateAgentKey, signIdentity } from '../../src/shared/protocol/agent-identity'
import { proveToken } from '../../src/shared/protocol/auth'
import {
  encodeMessage,
  type HelloMessage,
  parseVimMessage,
  type ReportMessage,
} from '../../src/shared/protocol/messages'

export type HelloClaims = Partial<Omit<HelloMessage, 'type' | 'v' | 'auth' | 'identity'>> & { vmName: string }

export type JoinOutcome = { welcomed: true } | { welcomed: false; code: number; reason: string }

export interface HubClient {
  readonly outcome: JoinOutcome
  /** Reports `ready` ready containers (1 Hz in a real agent; here when called). */
  report(ready: number): void
  /** Closes with 1000 and resolves once the socket is closed. */
  close(): Promise<void>
}

/**
 * Joins the hub at `url` (wss:// certificates are not checked: an attacker need not) with a new agent key of
 * its own (or `key`), and waits for the outcome.
 */
export function joinHub(
  url: string,
  token: string,
  claims: HelloClaims,
  { key = generateAgentKey(), timeoutMs = 10_000 }: { key?: AgentKey; timeoutMs?: number } = {},
): Promise<HubClient> {
  const hello = helloFields(claims)
  const { agentId } = hello
  const socket = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false })
  let seq = 0
  const send = (message: Parameters<typeof encodeMessage>[0]) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(encodeMessage(message))
  }
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate()
      reject(new Error(`${claims.vmName}: no welcome and no close within ${timeoutMs} ms`))
    }, timeoutMs)
    const client = (outcome: JoinOutcome): HubClient => ({
      outcome,
      report: (ready) => send(readyReport(++seq, ready)),
      close: async () => {
        socket.close(1000, 'done')
        await closed
      },
    })
    socket.on('error', () => {})
    socket.on('close', (code, reason) => {
      clearTimeout(timer)
      resolve(client({ welcomed: false, code, reason: reason.toString() }))
    })
    socket.on('message', (data) => {
      const parsed = parseVimMessage(data as Buffer)
      if (!parsed.ok) return
      const message = parsed.message
      if (message.type === 'challenge') {
        const { nonce } = message
        const hmac = proveToken(token, nonce, agentId)
        const signature = signIdentity(key, { nonce, vmName: hello.vmName, agentId, hmac })
        send({
          type: 'hello',
          ...hello,
          auth: { nonce, hmac },
          identity: { publicKey: key.publicKey, signature },
        })
      } else if (message.type === 'welcome') {
        clearTimeout(timer)
        resolve(client({ welcomed: true }))
      } else if ('commandId' in message) {
        send({ type: 'ack', commandId: message.commandId, ok: true })
      } else if (message.type === 'ping') {
        send({ type: 'pong', at: message.at })
      }
    })
  })
}

/** A hello's fields (all but its proofs): what `claims` says, plausible defaults for the rest. */
export function helloFields(claims: HelloClaims): Omit<HelloMessage, 'type' | 'v' | 'auth' | 'identity'> {
  return {
    agentId: claims.agentId ?? `${claims.vmName}-agent`,
    agentVersion: '0.1.0',
    runtime: 'process',
    capacity: { containers: 4, cpus: 2, memoryBytes: 2 ** 32 },
    cpusPerContainer: 0.5,
    memoryPerContainerBytes: 2 ** 28,
    lbHost: '0.0.0.0',
    lbPort: 8000,
    ...claims,
  }
}

/** A report of `ready` ready containers, as an agent sends it once a second. */
export function readyReport(seq: number, ready: number): Omit<ReportMessage, 'v'> {
  const now = Date.now()
  return {
    type: 'report',
    seq,
    at: now,
    vm: { cpuPercent: 1, memoryBytes: 0, replicas: ready, readyReplicas: ready },
    containers: Array.from({ length: ready }, (_, i) => ({
      id: `c${i}`,
      name: `c${i}`,
      state: 'ready' as const,
      cpuPercent: 1,
      memoryBytes: 0,
      inFlight: 0,
      requestRate: 0,
      latencyMsP50: null,
      latencyMsP95: null,
      healthy: true,
      startedAt: now,
      readyAt: now,
    })),
    recommendation: { replicas: ready, reason: 'steady' },
    target: ready,
    mode: 'following',
  }
}
