// One authenticated agent as the rest of the VIM sees it: who it is, where its load balancer is, and how
// to command it. A command resolves when the agent acks it, and fails with a clear CommandError otherwise.

import { publicKeyFingerprint } from '../../shared/protocol/agent-identity'
import { CloseCode } from '../../shared/protocol/close-codes'
import {
  type AckMessage,
  encodeMessage,
  type HelloMessage,
  type MessageOf,
  PROTOCOL_VERSION,
  type Unversioned,
  VimMessage,
} from '../../shared/protocol/messages'
import type { HubClock } from './hub-options'

export type CommandType = 'setTarget' | 'setPolicy' | 'readLogs'

/** A command's fields; the session adds the type, version and command id. */
export type CommandPayload<T extends CommandType> = Omit<MessageOf<VimMessage, T>, 'type' | 'v' | 'commandId'>

export type SendResult =
  | { status: 'sent' }
  | { status: 'closed'; reason: string }
  | { status: 'invalid'; reason: string }

/** How a session ended: the close code, the reason in words, and which side ended it. */
export interface SessionEnd {
  code: number
  reason: string
  by: 'hub' | 'agent'
}

export type CommandFailure = 'failed' | 'timeout' | 'closed' | 'invalid'

/** A command that did not succeed: the agent refused it, never acked it, went away, or it was invalid. */
export class CommandError extends Error {
  constructor(
    readonly kind: CommandFailure,
    readonly commandId: string | undefined,
    message: string,
  ) {
    super(message)
    this.name = 'CommandError'
  }
}

export interface AgentSession {
  readonly sessionId: string
  readonly agentId: string
  readonly vmName: string
  /** The agent's own public key (base64 SPKI DER), the one pinned for this VM name. */
  readonly publicKey: string
  /** `SHA256:…` of that key. */
  readonly keyFingerprint: string
  readonly hello: HelloMessage
  /** The peer address of the connection (IPv4-mapped IPv6 unwrapped). */
  readonly remoteAddress: string
  readonly connectedAt: number
  /** When the last protocol message (not a ping or pong frame) arrived. */
  readonly lastMessageAt: number
  /** Undefined while the session is live. */
  readonly ended: SessionEnd | undefined
  /** Sends any VIM message but challenge and welcome, which the hub sends itself. */
  send(message: Unversioned<VimMessage>): SendResult
  /** Sends a command with a fresh commandId; resolves with the agent's ack, rejects with CommandError. */
  command<T extends CommandType>(type: T, payload: CommandPayload<T>): Promise<AckMessage>
  /** Ends the session on the VIM's initiative (e.g. the VM was removed). Default code 1000. */
  close(reason?: string, code?: CloseCode): void
}

/** What a session needs from the connection under it. */
export interface SessionLink {
  write(text: string): void
  close(code: number, reason: string): void
}

interface PendingCommand {
  type: CommandType
  resolve: (ack: AckMessage) => void
  reject: (error: CommandError) => void
  timer: unknown
}

let commandCounter = 0

/** The hub's side of a session: the public AgentSession plus what the connection drives. */
export class LiveSession implements AgentSession {
  readonly agentId: string
  readonly vmName: string
  readonly publicKey: string
  readonly keyFingerprint: string
  lastMessageAt: number
  ended: SessionEnd | undefined
  private readonly pending = new Map<string, PendingCommand>()

  constructor(
    readonly sessionId: string,
    readonly hello: HelloMessage,
    readonly remoteAddress: string,
    readonly connectedAt: number,
    private readonly link: SessionLink,
    private readonly clock: HubClock,
    private readonly commandTimeoutMs: number,
  ) {
    this.agentId = hello.agentId
    this.vmName = hello.vmName
    this.publicKey = hello.identity.publicKey
    // The connection verified a signature with this key, so it parses.
    this.keyFingerprint = publicKeyFingerprint(this.publicKey) ?? 'unknown'
    this.lastMessageAt = connectedAt
  }

  /** For log lines: `agent lab-1 (VM lab-1 at 10.0.0.2)`. */
  get label(): string {
    return `agent ${this.agentId} (VM ${this.vmName} at ${this.remoteAddress})`
  }

  send(message: Unversioned<VimMessage>): SendResult {
    if (this.ended)
      return { status: 'closed', reason: `${this.label} is not connected: ${this.ended.reason}` }
    if (message.type === 'challenge' || message.type === 'welcome') {
      return { status: 'invalid', reason: `the hub sends "${message.type}" itself` }
    }
    // Checked here, so that a VIM bug is reported at its source instead of as the agent closing on it.
    const checked = VimMessage.safeParse({ ...message, v: PROTOCOL_VERSION })
    if (!checked.success) {
      const issue = checked.error.issues[0]
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
      return { status: 'invalid', reason: `invalid "${message.type}" message: ${where}${issue?.message}` }
    }
    this.link.write(encodeMessage(message))
    return { status: 'sent' }
  }

  command<T extends CommandType>(type: T, payload: CommandPayload<T>): Promise<AckMessage> {
    commandCounter += 1
    const commandId = `cmd-${commandCounter}`
    const what = `"${type}" (${commandId})`
    // TypeScript cannot tie the payload to its type through the generic; send() validates it with zod.
    const message = { ...payload, type, commandId } as unknown as Unversioned<VimMessage>
    const sent = this.send(message)
    if (sent.status !== 'sent') {
      const kind = sent.status === 'closed' ? 'closed' : 'invalid'
      return Promise.reject(new CommandError(kind, commandId, `cannot send ${what}: ${sent.reason}`))
    }
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(commandId)
        const seconds = this.commandTimeoutMs / 1000
        reject(
          new CommandError(
            'timeout',
            commandId,
            `${this.label} did not acknowledge ${what} within ${seconds} s`,
          ),
        )
      }, this.commandTimeoutMs)
      this.pending.set(commandId, { type, resolve, reject, timer })
    })
  }

  close(reason = 'the VIM ended the session', code: CloseCode = CloseCode.normal): void {
    if (!this.ended) this.link.close(code, reason)
  }

  /** Settles the command this ack answers; an ack for no pending command (a late one) is ignored. */
  settle(ack: AckMessage): void {
    const command = this.pending.get(ack.commandId)
    if (!command) return
    this.pending.delete(ack.commandId)
    this.clock.clearTimeout(command.timer)
    if (ack.ok) command.resolve(ack)
    else {
      const what = `"${command.type}" (${ack.commandId})`
      command.reject(new CommandError('failed', ack.commandId, `${this.label} refused ${what}: ${ack.error}`))
    }
  }

  /** Marks the session over and fails every command still waiting for its ack. */
  end(end: SessionEnd): void {
    if (this.ended) return
    this.ended = end
    for (const [commandId, command] of this.pending) {
      this.clock.clearTimeout(command.timer)
      const what = `"${command.type}" (${commandId})`
      command.reject(
        new CommandError(
          'closed',
          commandId,
          `the session of ${this.label} ended before it acknowledged ${what}: ${end.reason}`,
        ),
      )
    }
    this.pending.clear()
  }
}
