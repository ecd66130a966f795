// The protocol schemas: every message survives the wire, garbage is refused with a reason a person can
// act on, and no input, however mangled, makes a parser throw.
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../balancer/seeded-random'
import { DEFAULT_POLICY, HPA_DEFAULT_POLICY } from '../policy/scaling-policy'
import { closeCodeInfo } from './close-codes'
import {
  type AgentMessage,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  type ParseResult,
  PROTOCOL_VERSION,
  parseAgentMessage,
  parseVimMessage,
  type ReportMessage,
  type VimMessage,
} from './messages'

const nonce = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c'

function container(i: number): ReportMessage['containers'][number] {
  return {
    id: `${'0123456789abcdef'.repeat(4).slice(0, 60)}${String(i).padStart(4, '0')}`,
    name: `acs-lab-1-replica-${i}`,
    state: i % 5 === 0 ? 'starting' : 'ready',
    cpuPercent: 57.25 + i,
    memoryBytes: 123_456_789 + i,
    inFlight: i % 7,
    requestRate: 12.5,
    latencyMsP50: i % 5 === 0 ? null : 18.2,
    latencyMsP95: i % 5 === 0 ? null : 95.7,
    healthy: i % 5 !== 0,
    startedAt: 1_767_000_000_000 + i,
    ...(i % 5 === 0 ? {} : { readyAt: 1_767_000_001_500 + i }),
  }
}

function report(containers: number): ReportMessage {
  return {
    type: 'report',
    v: PROTOCOL_VERSION,
    seq: 41,
    at: 1_767_000_123_456,
    vm: {
      cpuPercent: 63.5,
      memoryBytes: 2_000_000_000,
      replicas: containers,
      readyReplicas: Math.max(0, containers - 1),
    },
    containers: Array.from({ length: containers }, (_, i) => container(i)),
    recommendation: { replicas: 4, reason: 'average CPU 63% of limit over target 50%: 3 → 4' },
    target: 3,
    mode: 'following',
  }
}

const agentSamples: AgentMessage[] = [
  {
    type: 'hello',
    v: 2,
    agentId: 'lab-1',
    vmName: 'Lab VM 1',
    agentVersion: '0.1.0',
    runtime: 'docker',
    capacity: { containers: 8, cpus: 4, memoryBytes: 8 * 1024 ** 3 },
    cpusPerContainer: 0.5,
    memoryPerContainerBytes: 256 * 1024 ** 2,
    lbHost: '10.200.0.2',
    lbPort: 8080,
    auth: { nonce, hmac: 'a'.repeat(64) },
    identity: { publicKey: `MCowBQYDK2VwAyEA${'A'.repeat(43)}=`, signature: `${'B'.repeat(86)}==` },
  },
  report(3),
  report(0),
  {
    type: 'event',
    v: 2,
    kind: 'container-crashed',
    message: 'replica 2 exited with code 137 (out of memory); restarting it',
    at: 1_767_000_000_000,
    containerId: 'abc123',
  },
  { type: 'event', v: 2, kind: 'image-built', message: 'workload image built in 4.2 s', at: 1 },
  { type: 'ack', v: 2, commandId: 'cmd-7', ok: true },
  { type: 'ack', v: 2, commandId: 'cmd-8', ok: false, error: 'capacity is 8 containers; cannot run 12' },
  { type: 'ping', v: 2, at: 5 },
  { type: 'pong', v: 2, at: 5 },
  {
    type: 'ack',
    v: 2,
    commandId: 'cmd-9',
    ok: true,
    logs: [{ at: 1, stream: 'stderr', text: 'warning: slow' }],
  },
]

const vimSamples: VimMessage[] = [
  { type: 'challenge', v: 2, nonce },
  { type: 'welcome', v: 2, sessionId: 's-1', policy: DEFAULT_POLICY, target: 2 },
  { type: 'setTarget', v: 2, commandId: 'cmd-1', replicas: 5, reason: 'spread 10 replicas over 2 VMs' },
  { type: 'setTarget', v: 2, commandId: 'cmd-2', replicas: 0 },
  { type: 'setPolicy', v: 2, commandId: 'cmd-3', policy: HPA_DEFAULT_POLICY },
  { type: 'ping', v: 2, at: 9 },
  { type: 'pong', v: 2, at: 9 },
  { type: 'readLogs', v: 2, commandId: 'cmd-10', containerId: 'abc123', tail: 50, sinceMs: 1000 },
]

function refused<M>(result: ParseResult<M>): { reason: string; closeCode: number } {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.message)}`)
  return result
}

describe('protocol messages', () => {
  it.each(agentSamples.map((m) => [m.type, m] as const))('agent %s survives the wire', (_, message) => {
    expect(parseAgentMessage(JSON.stringify(message))).toEqual({ ok: true, message })
  })

  it.each(vimSamples.map((m) => [m.type, m] as const))('VIM %s survives the wire', (_, message) => {
    expect(parseVimMessage(JSON.stringify(message))).toEqual({ ok: true, message })
  })

  it('encodeMessage stamps the protocol version', () => {
    const text = encodeMessage({ type: 'setTarget', commandId: 'c', replicas: 2 })
    expect(JSON.parse(text)).toEqual({ type: 'setTarget', commandId: 'c', replicas: 2, v: PROTOCOL_VERSION })
    expect(parseVimMessage(text).ok).toBe(true)
  })

  it('reads frames as ws hands them over: Buffer, ArrayBuffer, fragments', () => {
    const text = JSON.stringify(vimSamples[2])
    const bytes = Buffer.from(text)
    expect(parseVimMessage(bytes).ok).toBe(true)
    expect(parseVimMessage(new Uint8Array(bytes).buffer).ok).toBe(true)
    expect(parseVimMessage([bytes.subarray(0, 10), bytes.subarray(10)]).ok).toBe(true)
  })

  it('fits a report of 64 containers with room to spare', () => {
    const text = JSON.stringify(report(64))
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_MESSAGE_BYTES / 4)
    expect(parseAgentMessage(text).ok).toBe(true)
  })

  it('drops fields it does not know, so that additions do not break older peers', () => {
    const result = parseVimMessage(JSON.stringify({ ...vimSamples[2], extra: 'from a newer VIM' }))
    expect(result).toEqual({ ok: true, message: vimSamples[2] })
  })

  it.each<[string, string | Uint8Array, RegExp, number]>([
    ['invalid JSON', '{"type": "report",', /^message is not valid JSON \(/, 4400],
    ['a JSON array', '[1,2]', /must be a JSON object/, 4400],
    ['a JSON string', '"hello"', /must be a JSON object/, 4400],
    ['null', 'null', /must be a JSON object/, 4400],
    ['no version', '{"type":"ping","at":1}', /no protocol version "v"/, 4400],
    [
      'an older version (an agent from before agent keys)',
      '{"type":"ping","v":1,"at":1}',
      /protocol version 1 is not supported \(this side speaks 2\)/,
      4426,
    ],
    ['a string version', '{"type":"ping","v":"1","at":1}', /protocol version "1" is not supported/, 4426],
    ['no type', '{"v":2}', /no "type" string/, 4400],
    [
      'an unknown type',
      '{"type":"reboot","v":2}',
      /unknown agent message type "reboot" \(expected one of hello, report/,
      4400,
    ],
    [
      'a VIM-only type',
      `{"type":"challenge","v":2,"nonce":"${nonce}"}`,
      /unknown agent message type "challenge"/,
      4400,
    ],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/, 4400],
    [
      'a failed ack without a reason',
      '{"type":"ack","v":2,"commandId":"c","ok":false}',
      /error: a failed ack must say why/,
      4400,
    ],
    [
      'a logs answer with too many lines (a hostile agent flooding the VIM)',
      JSON.stringify({
        type: 'ack',
        v: 2,
        commandId: 'c',
        ok: true,
        logs: Array.from({ length: 201 }, (_, i) => ({ at: i, stream: 'stdout', text: 'x' })),
      }),
      /logs: Too big: expected array to have <=200 items/,
      4400,
    ],
    [
      'a logs line over the length bound',
      JSON.stringify({
        type: 'ack',
        v: 2,
        commandId: 'c',
        ok: true,
        logs: [{ at: 1, stream: 'stdout', text: 'x'.repeat(1001) }],
      }),
      /logs\[0\]\.text: Too big/,
      4400,
    ],
    [
      'a bad event kind',
      '{"type":"event","v":2,"kind":"reboot","message":"x","at":1}',
      /kind: Invalid option/,
      4400,
    ],
  ])('refuses %s with a clear reason', (_, raw, reason, closeCode) => {
    const result = refused(parseAgentMessage(raw))
    expect(result.reason).toMatch(reason)
    expect(result.closeCode).toBe(closeCode)
  })

  it('carries the scaling policy with its own schema: defaults fill what the sender left out', () => {
    const result = parseVimMessage(
      '{"type":"welcome","v":2,"sessionId":"s","policy":{"maxReplicas":4},"target":1}',
    )
    expect(result).toMatchObject({ ok: true, message: { policy: { ...DEFAULT_POLICY, maxReplicas: 4 } } })
    const bad = refused(
      parseVimMessage('{"type":"setPolicy","v":2,"commandId":"c","policy":{"minReplicas":0}}'),
    )
    expect(bad.reason).toMatch(
      /^invalid "setPolicy" message: policy\.minReplicas: minReplicas must be at least 1/,
    )
  })

  it('names the bad field and its path', () => {
    const bad = report(3) as unknown as { containers: Record<string, unknown>[] }
    bad.containers[1]!.cpuPercent = 'high'
    const result = refused(parseAgentMessage(JSON.stringify(bad)))
    expect(result.reason).toBe(
      'invalid "report" message: containers[1].cpuPercent: Invalid input: expected number, received string',
    )
  })

  it('lists at most three issues', () => {
    const result = refused(parseAgentMessage('{"type":"hello","v":2}'))
    expect(result.reason).toMatch(
      /^invalid "hello" message: agentId: .*; vmName: .*; agentVersion: .* \(and \d+ more\)$/,
    )
  })

  it.each([
    ['a negative replica count', { type: 'setTarget', v: 2, commandId: 'c', replicas: -1 }],
    ['a fractional replica count', { type: 'setTarget', v: 2, commandId: 'c', replicas: 1.5 }],
    ['a command id with a newline', { type: 'setTarget', v: 2, commandId: 'a\nb', replicas: 1 }],
    ['the drain command, which the protocol no longer has', { type: 'drain', v: 2, commandId: 'c' }],
    ['a short nonce', { type: 'challenge', v: 2, nonce: 'abc' }],
    ['a policy that is not an object', { type: 'welcome', v: 2, sessionId: 's', policy: [1], target: 1 }],
    ['an impossible policy', { type: 'setPolicy', v: 2, commandId: 'c', policy: { minReplicas: 0 } }],
  ])('refuses %s', (_, message) => {
    expect(refused(parseVimMessage(JSON.stringify(message))).closeCode).toBe(4400)
  })

  it('refuses oversized frames before reading them', () => {
    const big = JSON.stringify({ type: 'event', v: 2, kind: 'error', message: 'x'.repeat(300_000), at: 1 })
    expect(refused(parseAgentMessage(big))).toEqual({
      ok: false,
      reason: `message is at least ${big.length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`,
      closeCode: 4413,
    })
    expect(refused(parseAgentMessage(Buffer.from(big))).reason).toBe(
      `message is ${big.length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`,
    )
    // Multi-byte characters count as the bytes they take on the wire, not as characters.
    const wide = JSON.stringify({ type: 'ping', v: 2, at: 1, pad: '€'.repeat(40) })
    expect(refused(parseAgentMessage(wide, 100)).reason).toMatch(/^message is 1\d\d bytes, over the 100-byte/)
    expect(parseAgentMessage(JSON.stringify(agentSamples[7]), 100).ok).toBe(true)
  })

  it('keeps reasons short even for huge garbage', () => {
    const result = refused(parseAgentMessage(`{"type":"${'x'.repeat(10_000)}","v":2}`))
    expect(result.reason.length).toBeLessThan(200)
  })
})

// --- Fuzzing -----------------------------------------------------------------------------------------

function fuzzer(seed: number) {
  const random = mulberry32(seed)
  const int = (n: number) => Math.floor(random() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!
  const weird: unknown[] = [
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    -1e-308,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    '\n',
    '\u0000',
    '💥',
    'x'.repeat(3000),
    [],
    {},
    { __proto__: { polluted: true } },
    [null],
    { v: 2 },
  ]
  const value = (depth: number): unknown => {
    if (depth > 3 || random() < 0.5) return pick(weird)
    if (random() < 0.5) return Array.from({ length: int(4) }, () => value(depth + 1))
    return Object.fromEntries(
      Array.from({ length: int(4) }, () => [pick(['type', 'v', 'at', 'x', 'nonce']), value(depth + 1)]),
    )
  }
  const mutate = (node: unknown, depth: number): unknown => {
    if (typeof node !== 'object' || node === null || depth > 6) return random() < 0.3 ? value(0) : node
    const copy: Record<string, unknown> | unknown[] = Array.isArray(node) ? [...node] : { ...node }
    const keys = Object.keys(copy)
    if (keys.length === 0) return copy
    const key = pick(keys)
    const roll = random()
    const target = copy as Record<string, unknown>
    if (roll < 0.25) delete target[key]
    else if (roll < 0.6) target[key] = value(0)
    else target[key] = mutate(target[key], depth + 1)
    if (random() < 0.1) target[pick(['extra', '__proto__', 'constructor', 'v', 'type'])] = value(0)
    return copy
  }
  const text = (samples: readonly unknown[]): string | Uint8Array => {
    const roll = random()
    if (roll < 0.1) return Uint8Array.from({ length: int(64) }, () => int(256))
    if (roll < 0.2) return Array.from({ length: int(80) }, () => String.fromCharCode(int(0x3000))).join('')
    const json = JSON.stringify(random() < 0.15 ? value(0) : mutate(pick(samples), 0)) ?? 'undefined'
    if (roll < 0.35) {
      // Byte-level damage: cut, or flip a character.
      const at = int(json.length)
      return random() < 0.5
        ? json.slice(0, at)
        : json.slice(0, at) + String.fromCharCode(int(128)) + json.slice(at + 1)
    }
    return json
  }
  return { text }
}

describe('protocol parsing under fuzzing', () => {
  const check = (result: ParseResult<unknown>) => {
    expect(typeof result.ok).toBe('boolean')
    if (!result.ok) {
      expect(result.reason.length).toBeGreaterThan(0)
      expect(closeCodeInfo(result.closeCode)).toBeDefined()
    }
  }

  it.each([1, 2, 3])('never throws and always explains itself (seed %i)', (seed) => {
    const fuzz = fuzzer(seed)
    let accepted = 0
    for (let i = 0; i < 2000; i++) {
      const agentFrame = fuzz.text(agentSamples)
      const vimFrame = fuzz.text(vimSamples)
      const agent = parseAgentMessage(agentFrame)
      const vim = parseVimMessage(vimFrame)
      check(agent)
      check(vim)
      // What is accepted must be exactly a valid message: re-encoding it parses to the same thing.
      if (agent.ok) {
        accepted++
        expect(parseAgentMessage(JSON.stringify(agent.message))).toEqual(agent)
      }
      if (vim.ok) expect(parseVimMessage(JSON.stringify(vim.message))).toEqual(vim)
    }
    // Some mutations leave a valid message (e.g. an extra field); the fuzzer must not be all garbage.
    expect(accepted).toBeGreaterThan(0)
  })
})
