// The WebSocket close codes of the agent link: why a session ended, so that the agent knows whether to
// retry soon, retry slowly, or tell a person to fix something. The hub closes with these; the agent reads them.

export const CloseCode = {
  /** The session ended on purpose (agent shutting down, VIM removed the VM). */
  normal: 1000,
  /** The VIM is shutting down or restarting; reconnect. */
  goingAway: 1001,
  /** Set by `ws` itself when a frame exceeds `maxPayload` (MAX_MESSAGE_BYTES). */
  frameTooLarge: 1009,
  /** The other side failed unexpectedly. */
  internalError: 1011,
  /** A message was not valid JSON or did not match the schema, or came out of order. */
  malformed: 4400,
  /** The hello's join-token proof or key signature did not match (or no hello came after the challenge). */
  authFailed: 4401,
  /** Another agent's key is pinned for this VM name; a person must forget it in the VIM first. */
  nameClaimed: 4403,
  /** No hello (hub side) or no welcome (agent side) arrived in time. */
  handshakeTimeout: 4408,
  /** A newer session of the same VM (same pinned key) replaced this one. */
  duplicateAgent: 4409,
  /** A message exceeded MAX_MESSAGE_BYTES. */
  tooLarge: 4413,
  /** The VIM will not send public traffic where this agent's load balancer would be (see agentLbTarget). */
  addressRefused: 4422,
  /** The message's protocol version `v` is not one this side speaks. */
  unsupportedVersion: 4426,
  /** Messages came faster than the hub accepts (e.g. reports far above 1 Hz). */
  tooFrequent: 4429,
  /** The cluster holds as many VMs as it keeps (membership.maxVms); a new name must wait. */
  clusterFull: 4503,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/**
 * What the agent does after each close code:
 * - `retry`: reconnect with the normal backoff (the VIM went away; it will be back).
 * - `slow`: reconnect with the long backoff (retrying fast would repeat the same failure).
 * - `rejected`: the VIM refuses this agent until a person changes something; retry with the long
 *   backoff meanwhile, and show why.
 */
export type CloseAction = 'retry' | 'slow' | 'rejected'

export interface CloseCodeInfo {
  readonly name: keyof typeof CloseCode
  readonly meaning: string
  readonly action: CloseAction
}

/** The documented table, one row per code. Codes not listed (1006 and friends) mean `retry`. */
export const closeCodeTable: Readonly<Record<CloseCode, CloseCodeInfo>> = {
  1000: { name: 'normal', meaning: 'the session ended normally', action: 'retry' },
  1001: { name: 'goingAway', meaning: 'the VIM is shutting down or restarting', action: 'retry' },
  1009: { name: 'frameTooLarge', meaning: 'a message was too large for the WebSocket', action: 'slow' },
  1011: { name: 'internalError', meaning: 'the VIM hit an internal error', action: 'retry' },
  4400: { name: 'malformed', meaning: 'a message was malformed or out of order', action: 'slow' },
  4401: {
    name: 'authFailed',
    meaning: 'the join token proof or the key signature was wrong or missing',
    action: 'rejected',
  },
  4403: {
    name: 'nameClaimed',
    meaning: "another agent's key is pinned for this VM name; forget it in the VIM to admit this one",
    action: 'rejected',
  },
  4408: { name: 'handshakeTimeout', meaning: 'the handshake did not finish in time', action: 'retry' },
  4409: {
    name: 'duplicateAgent',
    meaning: 'a newer session of this VM (same agent key) replaced this one',
    action: 'rejected',
  },
  4413: { name: 'tooLarge', meaning: 'a message exceeded the size limit', action: 'slow' },
  4422: {
    name: 'addressRefused',
    meaning: "the VIM will not send traffic to this agent's load balancer address",
    action: 'rejected',
  },
  4426: { name: 'unsupportedVersion', meaning: 'the protocol versions do not match', action: 'rejected' },
  4429: { name: 'tooFrequent', meaning: 'messages or new VMs came too often', action: 'slow' },
  4503: { name: 'clusterFull', meaning: 'the cluster holds as many VMs as it keeps', action: 'slow' },
}

export function closeCodeInfo(code: number): CloseCodeInfo | undefined {
  return Object.hasOwn(closeCodeTable, code) ? closeCodeTable[code as CloseCode] : undefined
}

/** A WebSocket close reason may hold at most 123 bytes of UTF-8; longer ones make `ws` throw. */
export const MAX_CLOSE_REASON_BYTES = 123

/** Cuts a reason to what a close frame can carry, on a character boundary. */
export function closeReasonText(reason: string): string {
  const encoder = new TextEncoder()
  if (encoder.encode(reason).length <= MAX_CLOSE_REASON_BYTES) return reason
  let cut = ''
  let bytes = 0
  for (const char of reason) {
    const size = encoder.encode(char).length
    if (bytes + size > MAX_CLOSE_REASON_BYTES - 3) break
    cut += char
    bytes += size
  }
  return `${cut}...`
}
