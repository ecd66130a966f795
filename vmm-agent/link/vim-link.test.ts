// The agent's link against a real `ws` server acting as a minimal VIM: handshake, rejection, reconnect
// with backoff, heartbeat, protocol violations, and TLS with certificate pinning.
import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type WebSocket, WebSocketServer } from 'ws'
import { DEFAULT_POLICY } from '../../src/shared/policy/scaling-policy'
import { generateAgentKey, verifyIdentity } from '../../src/shared/protocol/agent-identity'
import { certificateFingerprint, createNonce, verifyProof } from '../../src/shared/protocol/auth'
import {
  type AgentMessage,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  parseAgentMessage,
} from '../../src/shared/protocol/messages'
import { explainClose } from './link-outcomes'
import { type AgentIntroduction, type LinkState, VimLink, type VimLinkOptions } from './vim-link'

const token = 'abcdef.0123456789abcdef'
const identity = generateAgentKey()

const introduction: AgentIntroduction = {
  agentId: 'lab-1',
  vmName: 'lab-1',
  agentVersion: '0.1.0',
  runtime: 'process',
  capacity: { containers: 4, cpus: 2, memoryBytes: 4 * 1024 ** 3 },
  cpusPerContainer: 0.5,
  memoryPerContainerBytes: 256 * 1024 ** 2,
  lbHost: '127.0.0.1',
  lbPort: 18080,
}

// --- A minimal VIM ---------------------------------------------------------------------------------

interface VimBehaviour {
  /** What to do with a hello whose proof checked out (default: welcome). */
  afterHello?: (socket: WebSocket) => void
  /** Skip the challenge (to test the agent's handshake timeout). */
  silent?: boolean
  autoPong?: boolean
}

interface FakeVim {
  url: string
  port: number
  /** HTTP upgrade requests seen: zero means the client never even sent its request. */
  upgrades: number
  /** Every raw frame the agent sent. */
  frames: string[]
  received: AgentMessage[]
  closes: { code: number; reason: string }[]
  sockets: Set<WebSocket>
  stop(): Promise<void>
}

let sessionCounter = 0

async function startVim(
  options: { port?: number; tls?: { key: string; cert: string } } & VimBehaviour = {},
): Promise<FakeVim> {
  const server: Server = options.tls ? createHttpsServer(options.tls) : createHttpServer()
  const wss = new WebSocketServer({
    server,
    maxPayload: MAX_MESSAGE_BYTES,
    autoPong: options.autoPong ?? true,
  })
  const vim: FakeVim = {
    url: '',
    port: 0,
    upgrades: 0,
    frames: [],
    received: [],
    closes: [],
    sockets: new Set(),
    stop: async () => {
      for (const socket of vim.sockets) socket.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  server.on('upgrade', () => {
    vim.upgrades++
  })
  wss.on('connection', (socket) => {
    vim.sockets.add(socket)
    socket.on('close', (code, reason) => {
      vim.sockets.delete(socket)
      vim.closes.push({ code, reason: reason.toString() })
    })
    if (options.silent) return
    const nonce = createNonce()
    socket.send(encodeMessage({ type: 'challenge', nonce }))
    socket.on('message', (data) => {
      vim.frames.push(data.toString())
      const parsed = parseAgentMessage(data as Buffer)
      if (!parsed.ok) {
        socket.close(parsed.closeCode, parsed.reason)
        return
      }
      vim.received.push(parsed.message)
      if (parsed.message.type !== 'hello') return
      const { auth, agentId, vmName, identity: claimed } = parsed.message
      if (auth.nonce !== nonce || !verifyProof(token, nonce, agentId, auth.hmac)) {
        socket.close(4401, 'join token proof does not match')
        return
      }
      if (
        !verifyIdentity(claimed.publicKey, claimed.signature, { nonce, vmName, agentId, hmac: auth.hmac })
      ) {
        socket.close(4401, "the agent key's signature does not match")
        return
      }
      if (options.afterHello) options.afterHello(socket)
      else {
        sessionCounter++
        socket.send(
          encodeMessage({
            type: 'welcome',
            sessionId: `s-${sessionCounter}`,
            policy: DEFAULT_POLICY,
            target: 2,
          }),
        )
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  vim.port = (server.address() as AddressInfo).port
  vim.url = `${options.tls ? 'wss' : 'ws'}://127.0.0.1:${vim.port}/agent`
  return vim
}

// --- Harness -----------------------------------------------------------------------------------------

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function link(options: Partial<VimLinkOptions> & { url: string }) {
  const states: LinkState[] = []
  const vimLink = new VimLink({ token, identity, hello: introduction, warn: () => {}, ...options })
  vimLink.onStateChange((state) => states.push(state))
  cleanups.push(() => vimLink.close())
  return { link: vimLink, states }
}

function vim(options?: Parameters<typeof startVim>[0]): Promise<FakeVim> {
  return startVim(options).then((started) => {
    cleanups.push(() => started.stop())
    return started
  })
}

const eventually = { timeout: 5000, interval: 10 }

async function stateOf(vimLink: VimLink, status: LinkState['status']): Promise<LinkState> {
  await vi.waitFor(() => expect(vimLink.state.status).toBe(status), eventually)
  return vimLink.state
}

// --- Tests -------------------------------------------------------------------------------------------

describe('VimLink handshake', () => {
  it('answers the challenge with a proof, and is connected after welcome', async () => {
    const server = await vim()
    const { link: agent, states } = link({ url: server.url })
    const welcomes: unknown[] = []
    agent.onMessage('welcome', (welcome) => welcomes.push(welcome))
    expect(agent.peerAddress).toBeUndefined()
    agent.start()

    const state = await stateOf(agent, 'connected')
    // Where the VIM answered from: its front proxy's requests are trusted to name the client.
    expect(agent.peerAddress).toBe('127.0.0.1')
    expect(state).toEqual({ status: 'connected', sessionId: expect.stringMatching(/^s-\d+$/) })
    expect(states.map((s) => s.status)).toEqual(['connecting', 'connected'])
    expect(welcomes).toEqual([
      { type: 'welcome', v: 2, sessionId: expect.any(String), policy: DEFAULT_POLICY, target: 2 },
    ])

    const hello = server.received[0]
    expect(hello).toMatchObject({ type: 'hello', v: 2, ...introduction })
    expect(hello).toMatchObject({ identity: { publicKey: identity.publicKey } })
    // The token never crosses the wire; only its proof does.
    expect(server.frames.join('')).not.toContain(token)
  })

  it('carries reports, commands and acks once connected', async () => {
    const server = await vim()
    const { link: agent } = link({ url: server.url })
    const targets: number[] = []
    agent.onMessage('setTarget', (command) => {
      targets.push(command.replicas)
      agent.send({ type: 'ack', commandId: command.commandId, ok: true })
    })
    agent.start()
    await stateOf(agent, 'connected')

    const report = {
      type: 'report' as const,
      seq: 1,
      at: Date.now(),
      vm: { cpuPercent: 10, memoryBytes: 1000, replicas: 0, readyReplicas: 0 },
      containers: [],
      recommendation: { replicas: 1, reason: 'minimum' },
      target: 1,
      mode: 'following' as const,
    }
    expect(agent.send(report)).toEqual({ status: 'sent' })
    const [socket] = server.sockets
    socket!.send(encodeMessage({ type: 'setTarget', commandId: 'cmd-1', replicas: 3 }))
    socket!.send(encodeMessage({ type: 'ping', at: 42 }))

    await vi.waitFor(() => {
      expect(server.received.map((m) => m.type)).toEqual(['hello', 'report', 'ack', 'pong'])
    }, eventually)
    expect(targets).toEqual([3])
    expect(server.received[2]).toEqual({ type: 'ack', v: 2, commandId: 'cmd-1', ok: true })
    expect(server.received[3]).toEqual({ type: 'pong', v: 2, at: 42 })
  })

  it('queues events while disconnected, drops reports, and refuses what it must not send', async () => {
    const server = await vim()
    const { link: agent } = link({ url: server.url })
    expect(agent.send({ type: 'event', kind: 'image-built', message: 'built', at: 1 })).toEqual({
      status: 'queued',
    })
    expect(agent.send({ type: 'ack', commandId: 'c', ok: true })).toEqual({
      status: 'dropped',
      reason: 'not connected to the VIM',
    })
    expect(
      agent.send({
        type: 'hello',
        ...introduction,
        auth: { nonce: 'x', hmac: 'y' },
        identity: { publicKey: identity.publicKey, signature: 'z' },
      }),
    ).toMatchObject({
      status: 'invalid',
    })
    expect(agent.send({ type: 'event', kind: 'error', message: '', at: 1 })).toMatchObject({
      status: 'invalid',
    })

    agent.start()
    await stateOf(agent, 'connected')
    await vi.waitFor(() => expect(server.received.map((m) => m.type)).toEqual(['hello', 'event']), eventually)
  })

  it('tells how many events it had to drop while the VIM was away', async () => {
    const server = await vim()
    const { link: agent } = link({ url: server.url, eventQueueSize: 2 })
    for (const n of [1, 2, 3, 4]) agent.send({ type: 'event', kind: 'warning', message: `e${n}`, at: n })
    agent.start()
    await vi.waitFor(() => expect(server.received).toHaveLength(4), eventually)
    expect(server.received.slice(1).map((m) => (m.type === 'event' ? m.message : m.type))).toEqual([
      '2 agent event(s) were dropped while the VIM was unreachable',
      'e3',
      'e4',
    ])
  })

  it('is rejected, with the reason, when the VIM refuses the token, and keeps retrying slowly', async () => {
    const server = await vim()
    const { link: agent } = link({ url: server.url, token: 'abcdef.wrongwrongwrong0' })
    agent.start()
    const state = await stateOf(agent, 'rejected')
    expect(state).toEqual({
      status: 'rejected',
      reason: 'the VIM rejected the join token: check --token: join token proof does not match',
      retryInMs: expect.any(Number),
    })
    expect(state.status === 'rejected' && state.retryInMs).toBeGreaterThanOrEqual(10_000)
    expect(server.closes).toEqual([{ code: 4401, reason: 'join token proof does not match' }])
  })

  it('times out a VIM that never sends its challenge', async () => {
    const server = await vim({ silent: true })
    const { link: agent } = link({ url: server.url, handshakeTimeoutMs: 150 })
    agent.start()
    const state = await stateOf(agent, 'disconnected')
    expect(state).toMatchObject({ reason: 'the VIM did not finish the handshake within 0.15 s' })
    await vi.waitFor(() => expect(server.closes[0]?.code).toBe(4408), eventually)
  })

  it('closes with 4400 when the VIM sends garbage, and says so', async () => {
    const server = await vim({ afterHello: (socket) => socket.send('{"type":"welcome","v":2}') })
    const { link: agent } = link({ url: server.url })
    agent.start()
    const state = await stateOf(agent, 'disconnected')
    expect(state).toMatchObject({
      reason: expect.stringMatching(
        /^the VIM sent a message this agent cannot read: invalid "welcome" message: sessionId/,
      ),
    })
    await vi.waitFor(() => expect(server.closes[0]?.code).toBe(4400), eventually)
  })

  it('refuses a command that comes before welcome', async () => {
    const server = await vim({
      afterHello: (socket) => socket.send(encodeMessage({ type: 'setTarget', commandId: 'c', replicas: 9 })),
    })
    const { link: agent } = link({ url: server.url })
    const targets: number[] = []
    agent.onMessage('setTarget', (m) => targets.push(m.replicas))
    agent.start()
    expect(await stateOf(agent, 'disconnected')).toMatchObject({
      reason: 'the VIM sent "setTarget" out of order (while awaiting-welcome)',
    })
    expect(targets).toEqual([])
  })
})

describe('VimLink reconnecting', () => {
  it('reconnects after the VIM restarts, backing off exponentially while it is down', async () => {
    const first = await startVim()
    const { link: agent, states } = link({
      url: first.url,
      backoff: { baseMs: 40, capMs: 160 },
      random: () => 1,
    })
    agent.start()
    const before = await stateOf(agent, 'connected')
    await first.stop()

    // While the VIM is down: refused connections, each wait twice the last, up to the cap.
    await vi.waitFor(
      () => expect(states.filter((s) => s.status === 'disconnected').length).toBeGreaterThanOrEqual(4),
      eventually,
    )
    const second = await vim({ port: first.port })
    const after = await stateOf(agent, 'connected')
    expect(after).not.toEqual(before)

    const waits = states.flatMap((s) => (s.status === 'disconnected' ? [s] : []))
    expect(waits[0]?.reason).toMatch(/^the connection to the VIM was lost/)
    expect(waits[1]?.reason).toBe(`cannot reach the VIM at 127.0.0.1:${first.port}: connection refused`)
    expect(waits.slice(0, 4).map((s) => s.retryInMs)).toEqual([40, 80, 160, 160])
    expect(second.received[0]?.type).toBe('hello')
  })

  it('uses full jitter: the wait is random() × the current ceiling', async () => {
    const { link: agent } = link({ url: 'ws://127.0.0.1:1/agent', random: () => 0.25 })
    agent.start()
    expect(await stateOf(agent, 'disconnected')).toMatchObject({ retryInMs: 125 })
  })

  it('waits on the injected clock, so that tests can drive time', async () => {
    const pending: { ms: number; callback: () => void }[] = []
    const clock = {
      now: () => Date.now(),
      setTimeout: (callback: () => void, ms: number) => {
        const timer = { ms, callback }
        pending.push(timer)
        return timer
      },
      clearTimeout: (handle: unknown) => {
        pending.splice(pending.indexOf(handle as (typeof pending)[number]) >>> 0, 1)
      },
    }
    const { link: agent, states } = link({ url: 'ws://127.0.0.1:1/agent', clock, random: () => 1 })
    agent.start()
    const state = await stateOf(agent, 'disconnected')
    expect(pending.map((t) => t.ms)).toEqual([500])
    expect(state).toMatchObject({ retryInMs: 500 })
    // Nothing happens until the clock says so.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(states.map((s) => s.status)).toEqual(['connecting', 'disconnected'])
    pending.shift()!.callback()
    await vi.waitFor(() => expect(pending.map((t) => t.ms)).toEqual([1000]), eventually)
    expect(states.map((s) => s.status)).toEqual(['connecting', 'disconnected', 'connecting', 'disconnected'])
  })

  it('notices a VIM that stops answering, within the heartbeat timeout', async () => {
    const server = await vim({ autoPong: false })
    const { link: agent } = link({ url: server.url, heartbeatIntervalMs: 50, heartbeatTimeoutMs: 250 })
    agent.start()
    await stateOf(agent, 'connected')
    const started = Date.now()
    const state = await stateOf(agent, 'disconnected')
    expect(state).toMatchObject({ reason: expect.stringMatching(/^no answer from the VIM for 0\.\d s$/) })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('stays connected while the VIM answers pings', async () => {
    const server = await vim()
    const { link: agent, states } = link({
      url: server.url,
      heartbeatIntervalMs: 30,
      heartbeatTimeoutMs: 150,
    })
    agent.start()
    await stateOf(agent, 'connected')
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(states.map((s) => s.status)).toEqual(['connecting', 'connected'])
  })

  it('stops for good on close()', async () => {
    const server = await vim()
    const { link: agent } = link({ url: server.url })
    agent.start()
    await stateOf(agent, 'connected')
    await agent.close()
    expect(agent.state).toEqual({
      status: 'disconnected',
      reason: 'the link was closed by the agent',
      retryInMs: null,
    })
    await vi.waitFor(
      () => expect(server.closes).toEqual([{ code: 1000, reason: 'agent shutting down' }]),
      eventually,
    )
    agent.start()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(server.received.filter((m) => m.type === 'hello')).toHaveLength(1)
  })
})

describe('VimLink configuration', () => {
  it.each<[string, Partial<VimLinkOptions>, RegExp]>([
    ['a bad URL', { url: 'not a url' }, /is not a URL; expected ws:\/\/host:port/],
    ['an http URL', { url: 'http://vim:9000' }, /must start with ws:\/\/ or wss:\/\/, not http:/],
    ['an empty token', { token: '' }, /the join token is empty: pass --token/],
    ['a bad fingerprint', { url: 'wss://vim:1', caFingerprint: 'AB:CD' }, /is not a SHA-256 fingerprint/],
    ['a fingerprint without TLS', { caFingerprint: 'ab'.repeat(32) }, /the VIM URL must start with wss:\/\//],
    ['an invalid hello', { hello: { ...introduction, lbPort: 0 } }, /the agent's hello is invalid: lbPort/],
  ])('refuses %s at construction', (_, options, message) => {
    expect(
      () => new VimLink({ url: 'ws://vim:1', token, identity, hello: introduction, ...options }),
    ).toThrow(message)
  })

  it.each([
    [4401, 'rejected', 'the VIM rejected the join token: check --token: x'],
    [
      4403,
      'rejected',
      "the VIM trusts another agent's key for this VM name; forget that key in the VIM (VMs page) to admit this agent: x",
    ],
    [
      4409,
      'rejected',
      'a newer session of this VM with the same key replaced this one; is this agent running twice?: x',
    ],
    [
      4426,
      'rejected',
      'the VIM speaks another protocol version (this agent speaks 2); update the older side: x',
    ],
    [4413, 'slow', 'the VIM refused a message from this agent: x'],
    [4429, 'slow', 'the VIM asked this agent to slow down: x'],
    [1001, 'retry', 'the VIM closed the link: x'],
    [1006, 'retry', 'the connection to the VIM was lost (code 1006, x)'],
  ])('explains close %i (%s)', (code, action, reason) => {
    expect(explainClose(code, 'x', true)).toEqual({ action, reason })
  })
})

// --- TLS ---------------------------------------------------------------------------------------------

const hasOpenssl = spawnSync('openssl', ['version']).status === 0

describe.skipIf(!hasOpenssl)(
  'VimLink over TLS with a pinned certificate (openssl makes the test certificate)',
  () => {
    let dir = ''
    let tls = { key: '', cert: '' }
    let fingerprint = ''

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'acs-link-tls-'))
      await promisify(execFile)('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=vim.lab.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ])
      tls = {
        key: await readFile(join(dir, 'key.pem'), 'utf8'),
        cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
      }
      fingerprint = certificateFingerprint(tls.cert)
    })
    afterAll(() => rm(dir, { recursive: true, force: true }))

    it('connects to a self-signed VIM whose fingerprint matches', async () => {
      const server = await vim({ tls })
      const { link: agent } = link({ url: server.url, caFingerprint: fingerprint })
      agent.start()
      await stateOf(agent, 'connected')
      expect(server.received[0]?.type).toBe('hello')
    })

    it('accepts the fingerprint as openssl prints it', async () => {
      const server = await vim({ tls })
      const printed = `sha256 Fingerprint=${fingerprint.slice('SHA256:'.length)}`
      const { link: agent } = link({ url: server.url, caFingerprint: printed })
      agent.start()
      await stateOf(agent, 'connected')
    })

    it('refuses a VIM with another certificate before sending anything, not even the upgrade request', async () => {
      const server = await vim({ tls })
      const wrong = `SHA256:${'00:'.repeat(31)}00`
      const { link: agent } = link({ url: server.url, caFingerprint: wrong })
      agent.start()
      const state = await stateOf(agent, 'rejected')
      expect(state).toMatchObject({
        reason: `the VIM's certificate fingerprint ${fingerprint} does not match --ca-fingerprint ${wrong}; refusing it`,
      })
      expect(server.upgrades).toBe(0)
      expect(server.frames).toEqual([])
    })

    it('refuses a self-signed VIM without a fingerprint, and says what to pass', async () => {
      const server = await vim({ tls })
      const { link: agent } = link({ url: server.url })
      agent.start()
      const state = await stateOf(agent, 'rejected')
      expect(state).toMatchObject({
        reason: expect.stringMatching(/not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\); pass --ca-fingerprint/),
      })
      expect(server.upgrades).toBe(0)
    })
  },
)
