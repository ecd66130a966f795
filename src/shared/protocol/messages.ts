// The agent ⇄ VIM WebSocket protocol: every message both tiers exchange, defined once, and the parsers
// that turn untrusted frames into typed messages or a clear reason (they never throw).
//
// Handshake: VIM sends `challenge` → agent sends `hello` with the join-token proof → VIM sends `welcome`.
// After that the agent reports at 1 Hz and acks every command. See close-codes.ts for how sessions end.
import { z } from 'zod'
import { ContainerState } from '../domain/cluster'
import { describeIssues, errorMessage } from '../issues'
import { ScalingPolicy } from '../policy/scaling-policy'
import { CloseCode } from './close-codes'

/** Bumped on any change an older peer would misread; both sides refuse other versions (close 4426). */
export const PROTOCOL_VERSION = 2

/** Largest frame either side accepts. A report of 64 containers is about 20 KiB; this leaves room. */
export const MAX_MESSAGE_BYTES = 256 * 1024

/** Upper bound on containers in one report: far above any VM's capacity, well inside MAX_MESSAGE_BYTES. */
export const MAX_CONTAINERS_PER_REPORT = 256

// --- Building blocks -------------------------------------------------------------------------------

/** Machine identifiers (agent, session, command, container ids): no spaces, no newlines. */
const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" or "-"')

/** Names a person reads (VM, container): printable, no control characters. */
const Name = z
  .string()
  .min(1)
  .max(253)
  .regex(/^\P{Cc}+$/u, 'must not contain control characters')

/** Free text for a person (reasons, event messages). Bounded so that one field cannot fill a frame. */
const Text = z.string().max(2000)

/** Milliseconds since the epoch. */
const EpochMs = z.number().nonnegative()

const Count = z.number().int().nonnegative()
const Bytes = z.number().int().nonnegative()
const Percent = z.number().nonnegative()

/** A server nonce as `createNonce()` makes it: base64url, long enough to never repeat. */
export const Nonce = z.string().regex(/^[A-Za-z0-9_-]{22,128}$/, 'must be 22 to 128 base64url characters')

/** HMAC-SHA256 as 64 lowercase hex digits. */
const Hmac = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')

export const AgentRuntimeKind = z.enum(['docker', 'process'])
export type AgentRuntimeKind = z.infer<typeof AgentRuntimeKind>

/** `standalone`: the agent follows its own recommendation (no VIM); `following`: the VIM's target. */
export const AgentMode = z.enum(['standalone', 'following'])
export type AgentMode = z.infer<typeof AgentMode>

const version = z.literal(PROTOCOL_VERSION)

// --- Agent → VIM -----------------------------------------------------------------------------------

/** Commands an agent may or may not know, named in its hello's `features`. */
export const AGENT_FEATURES = ['logs'] as const
export type AgentFeature = (typeof AGENT_FEATURES)[number]

/** Most log lines in one answer, and the longest line: an answer stays well under MAX_MESSAGE_BYTES. */
export const MAX_LOG_LINES = 200
export const MAX_LOG_LINE_CHARS = 1000

/** One line of a container's output (stdout, stderr) or of the agent's own log. */
export const LogLine = z.object({
  at: EpochMs,
  stream: z.enum(['stdout', 'stderr', 'agent']),
  text: z.string().max(MAX_LOG_LINE_CHARS),
})
export type LogLine = z.infer<typeof LogLine>

export const HelloMessage = z.object({
  type: z.literal('hello'),
  v: version,
  agentId: Id,
  vmName: Name,
  agentVersion: z.string().min(1).max(64),
  runtime: AgentRuntimeKind,
  capacity: z.object({
    /** Most containers this VM runs at once. */
    containers: Count.max(MAX_CONTAINERS_PER_REPORT),
    cpus: z.number().positive(),
    memoryBytes: Bytes,
  }),
  /** The limits every container gets: `cpus` cores (e.g. 0.5) and memory. */
  cpusPerContainer: z.number().positive(),
  memoryPerContainerBytes: Bytes.positive(),
  /** Where the VIM's front proxy reaches this VM's load balancer. */
  lbHost: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[^\s/?#@]+$/, 'must be a host name or address'),
  lbPort: z.number().int().min(1).max(65535),
  /** Containers it runs now (serving or starting), so a restarted VIM keeps them instead of resetting. */
  replicas: Count.optional(),
  /** Proof of the join token for the challenge's nonce; see auth.ts. The nonce is echoed back. */
  auth: z.object({ nonce: Nonce, hmac: Hmac }),
  /**
   * The agent's own key and its signature over (nonce, vmName, agentId, hmac); see agent-identity.ts.
   * The VIM pins the key of the first agent under a VM name and refuses others (close 4403).
   */
  identity: z.object({
    publicKey: z.string().regex(/^[A-Za-z0-9+/]{40,200}={0,2}$/, 'must be base64 of an Ed25519 SPKI key'),
    signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be a base64 Ed25519 signature'),
  }),
  /**
   * What this agent understands beyond protocol 2's first messages, e.g. `logs` (readLogs). A VIM sends
   * only what the agent names here; a VIM from before this field drops it unread.
   */
  features: z.array(z.enum(AGENT_FEATURES)).max(16).optional(),
})
export type HelloMessage = z.infer<typeof HelloMessage>

/**
 * The lifecycle states an agent reports. An agent says a container fails its health checks with
 * `healthy: false` and `unhealthyReason`, never with the VIM's own `unhealthy` state, so that a VIM from
 * before health checks still reads every report.
 */
export const ReportedContainerState = ContainerState.exclude(['unhealthy'])

export const ContainerReport = z.object({
  id: Id,
  name: Name,
  state: ReportedContainerState,
  /** CPU use as a percentage of this container's own CPU limit (100 = its whole allotment). */
  cpuPercent: Percent,
  memoryBytes: Bytes,
  /** Requests the agent's proxy has sent to it and not yet seen answered. */
  inFlight: Count,
  /** Requests per second over the last report interval. */
  requestRate: z.number().nonnegative(),
  /** Latency percentiles over the last interval; null when it served no request in that interval. */
  latencyMsP50: z.number().nonnegative().nullable(),
  latencyMsP95: z.number().nonnegative().nullable(),
  /** Ready and passing its health checks: false while starting, draining, or failing its /healthz. */
  healthy: z.boolean(),
  /**
   * Why a ready container fails its health checks ("GET /healthz timed out after 1 s"); absent when it
   * passes. Optional, so that a VIM from before it ignores the field and an agent from before omits it.
   */
  unhealthyReason: Text.optional(),
  startedAt: EpochMs,
  /** When it first passed its health check; absent while it warms up. */
  readyAt: EpochMs.optional(),
})
export type ContainerReport = z.infer<typeof ContainerReport>

export const ReportMessage = z.object({
  type: z.literal('report'),
  v: version,
  /** Increases by one per report within an agent process; lets the VIM see gaps and restarts. */
  seq: Count,
  at: EpochMs,
  vm: z.object({
    /** CPU use of all containers as a percentage of the VM's capacity.cpus (100 = every core busy). */
    cpuPercent: Percent,
    memoryBytes: Bytes,
    replicas: Count,
    readyReplicas: Count,
  }),
  containers: z.array(ContainerReport).max(MAX_CONTAINERS_PER_REPORT),
  /** The agent's own replica recommendation from its measurements, with the policy's reason. */
  recommendation: z.object({ replicas: Count, reason: Text }),
  /** The replica count the agent is currently converging to. */
  target: Count,
  mode: AgentMode,
})
export type ReportMessage = z.infer<typeof ReportMessage>

export const AgentEventKind = z.enum([
  'container-started',
  'container-ready',
  'container-crashed',
  'container-removed',
  'image-built',
  'scaling-decision',
  'mode-changed',
  'warning',
  'error',
])
export type AgentEventKind = z.infer<typeof AgentEventKind>

export const EventMessage = z.object({
  type: z.literal('event'),
  v: version,
  kind: AgentEventKind,
  /** For a person: what happened and, for errors, what to do. */
  message: Text.min(1),
  at: EpochMs,
  containerId: Id.optional(),
})
export type EventMessage = z.infer<typeof EventMessage>

export const AckMessage = z
  .object({
    type: z.literal('ack'),
    v: version,
    commandId: Id,
    ok: z.boolean(),
    /** Why the command failed; required when `ok` is false. */
    error: Text.optional(),
    /** A readLogs answer: the newest lines asked for, oldest first. */
    logs: z.array(LogLine).max(MAX_LOG_LINES).optional(),
  })
  .refine((ack) => ack.ok || (ack.error !== undefined && ack.error.length > 0), {
    message: 'a failed ack must say why',
    path: ['error'],
  })
export type AckMessage = z.infer<typeof AckMessage>

/** Either side may ping; the other answers pong with the same `at`, which measures the round trip. */
export const PingMessage = z.object({ type: z.literal('ping'), v: version, at: EpochMs })
export type PingMessage = z.infer<typeof PingMessage>
export const PongMessage = z.object({ type: z.literal('pong'), v: version, at: EpochMs })
export type PongMessage = z.infer<typeof PongMessage>

// --- VIM → agent -----------------------------------------------------------------------------------

/** Sent first on every connection; its nonce is single-use (the hub's replay protection). */
export const ChallengeMessage = z.object({ type: z.literal('challenge'), v: version, nonce: Nonce })
export type ChallengeMessage = z.infer<typeof ChallengeMessage>

export const WelcomeMessage = z.object({
  type: z.literal('welcome'),
  v: version,
  sessionId: Id,
  /** The policy the agent uses when it must decide alone (fields left out take the policy's defaults). */
  policy: ScalingPolicy,
  /** The replicas the VIM wants on this VM right now. */
  target: Count,
})
export type WelcomeMessage = z.infer<typeof WelcomeMessage>

export const SetTargetMessage = z.object({
  type: z.literal('setTarget'),
  v: version,
  commandId: Id,
  replicas: Count,
  /** Why the VIM chose it, for the agent's log. */
  reason: Text.optional(),
})
export type SetTargetMessage = z.infer<typeof SetTargetMessage>

export const SetPolicyMessage = z.object({
  type: z.literal('setPolicy'),
  v: version,
  commandId: Id,
  policy: ScalingPolicy,
})
export type SetPolicyMessage = z.infer<typeof SetPolicyMessage>

/**
 * The last `tail` lines of a container's output (`containerId`), or of the agent's own log (no
 * `containerId`), newer than `sinceMs` when given. Sent only to agents whose hello names `logs`; asked
 * while someone watches, never streamed unasked.
 */
export const ReadLogsMessage = z.object({
  type: z.literal('readLogs'),
  v: version,
  commandId: Id,
  containerId: Id.optional(),
  tail: z.number().int().min(1).max(MAX_LOG_LINES),
  sinceMs: EpochMs.optional(),
})
export type ReadLogsMessage = z.infer<typeof ReadLogsMessage>

// There is no `drain` command: a lower `setTarget` drains (the agent picks the least busy replicas, takes
// them out of its balancer and lets in-flight requests finish), and the VIM takes a VM out of its own
// rotation before it sends target 0. Protocol 2 listed one that no VIM ever sent; see docs/PROTOCOL.md.

// --- Unions and parsing ----------------------------------------------------------------------------

export const AgentMessage = z.discriminatedUnion('type', [
  HelloMessage,
  ReportMessage,
  EventMessage,
  AckMessage,
  PingMessage,
  PongMessage,
])
export type AgentMessage = z.infer<typeof AgentMessage>
export type AgentMessageType = AgentMessage['type']

export const VimMessage = z.discriminatedUnion('type', [
  ChallengeMessage,
  WelcomeMessage,
  SetTargetMessage,
  SetPolicyMessage,
  ReadLogsMessage,
  PingMessage,
  PongMessage,
])
export type VimMessage = z.infer<typeof VimMessage>
export type VimMessageType = VimMessage['type']

// Per-type schemas, so that a bad message is reported against its own type's fields.
const agentSchemas = {
  hello: HelloMessage,
  report: ReportMessage,
  event: EventMessage,
  ack: AckMessage,
  ping: PingMessage,
  pong: PongMessage,
} as const satisfies Record<AgentMessageType, z.ZodType>

const vimSchemas = {
  challenge: ChallengeMessage,
  welcome: WelcomeMessage,
  setTarget: SetTargetMessage,
  setPolicy: SetPolicyMessage,
  readLogs: ReadLogsMessage,
  ping: PingMessage,
  pong: PongMessage,
} as const satisfies Record<VimMessageType, z.ZodType>

/** A message of one type, e.g. `MessageOf<VimMessage, 'setTarget'>`. */
export type MessageOf<M extends { type: string }, T extends M['type']> = Extract<M, { type: T }>

/** A message without its version stamp: what callers hand to a sender, which adds `v`. */
export type Unversioned<M> = M extends unknown ? Omit<M, 'v'> : never

/** The parser's verdict. `closeCode` is what to close the session with when the frame is refused. */
export type ParseResult<M> = { ok: true; message: M } | { ok: false; reason: string; closeCode: CloseCode }

/** A frame as `ws` or a browser hands it over: text, bytes, or fragments of bytes. */
export type RawFrame = string | Uint8Array | ArrayBuffer | readonly Uint8Array[]

export function parseAgentMessage(raw: RawFrame, maxBytes = MAX_MESSAGE_BYTES): ParseResult<AgentMessage> {
  return parseWith(agentSchemas, raw, maxBytes, 'agent') as ParseResult<AgentMessage>
}

export function parseVimMessage(raw: RawFrame, maxBytes = MAX_MESSAGE_BYTES): ParseResult<VimMessage> {
  return parseWith(vimSchemas, raw, maxBytes, 'VIM') as ParseResult<VimMessage>
}

/** The wire form of a message; adds the protocol version when the caller left it out. */
export function encodeMessage(message: Unversioned<AgentMessage | VimMessage>): string {
  return JSON.stringify({ ...message, v: PROTOCOL_VERSION })
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const utf8Encoder = new TextEncoder()

function fail(
  reason: string,
  closeCode: CloseCode = CloseCode.malformed,
): { ok: false; reason: string; closeCode: CloseCode } {
  return { ok: false, reason, closeCode }
}

function parseWith(
  schemas: Record<string, z.ZodType>,
  raw: RawFrame,
  maxBytes: number,
  sender: 'agent' | 'VIM',
): ParseResult<unknown> {
  try {
    const text = frameText(raw, maxBytes)
    if (typeof text !== 'string') return text
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (error) {
      return fail(`message is not valid JSON (${shorten(errorMessage(error), 80)})`)
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      return fail('message must be a JSON object with "type" and "v" fields')
    }
    const record = data as Record<string, unknown>
    if (!('v' in record)) return fail('message has no protocol version "v"')
    if (record.v !== PROTOCOL_VERSION) {
      return fail(
        `protocol version ${shorten(JSON.stringify(record.v) ?? String(record.v), 20)} is not supported (this side speaks ${PROTOCOL_VERSION})`,
        CloseCode.unsupportedVersion,
      )
    }
    if (typeof record.type !== 'string') return fail('message has no "type" string')
    const schema = Object.hasOwn(schemas, record.type) ? schemas[record.type] : undefined
    if (schema === undefined) {
      return fail(
        `unknown ${sender} message type ${shorten(JSON.stringify(record.type), 40)} (expected one of ${Object.keys(schemas).join(', ')})`,
      )
    }
    const result = schema.safeParse(data)
    if (!result.success)
      return fail(`invalid "${record.type}" message: ${describeFirstIssues(result.error.issues)}`)
    return { ok: true, message: result.data }
  } catch (error) {
    // Nothing above should throw; this is the last guard so that garbage never crashes a session.
    return fail(`message could not be read (${shorten(errorMessage(error), 80)})`)
  }
}

/** The frame as text, or the reason it is refused (too large, not UTF-8). */
function frameText(raw: RawFrame, maxBytes: number): string | ParseResult<never> {
  const tooLarge = (bytes: number | string) =>
    fail(`message is ${bytes} bytes, over the ${maxBytes}-byte limit`, CloseCode.tooLarge)
  if (typeof raw === 'string') {
    // UTF-8 never takes fewer bytes than UTF-16 code units, and at most 3 per unit.
    if (raw.length > maxBytes) return tooLarge(`at least ${raw.length}`)
    if (raw.length * 3 > maxBytes) {
      const bytes = utf8Encoder.encode(raw).length
      if (bytes > maxBytes) return tooLarge(bytes)
    }
    return raw
  }
  const total = frameSize(raw)
  if (total > maxBytes) return tooLarge(total)
  const bytes = joinBytes(raw, total)
  try {
    return utf8.decode(bytes)
  } catch {
    return fail('message is not valid UTF-8 text')
  }
}

function frameSize(raw: Uint8Array | ArrayBuffer | readonly Uint8Array[]): number {
  if (raw instanceof Uint8Array) return raw.length
  if (raw instanceof ArrayBuffer) return raw.byteLength
  return raw.reduce((sum, part) => sum + part.length, 0)
}

function joinBytes(raw: Uint8Array | ArrayBuffer | readonly Uint8Array[], total: number): Uint8Array {
  if (raw instanceof Uint8Array) return raw
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw)
  const joined = new Uint8Array(total)
  let offset = 0
  for (const part of raw) {
    joined.set(part, offset)
    offset += part.length
  }
  return joined
}

/** The first few issues, enough for a person to find the bad field. */
function describeFirstIssues(issues: readonly z.core.$ZodIssue[]): string {
  return shorten(describeIssues(issues, 3), 400)
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`
}
