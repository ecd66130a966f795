// The hub against real sockets on 127.0.0.1: the join handshake, every way a connection is refused,
// rate limits, duplicate agents, commands and their acks, and shutdown.
import { request } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ClientOptions } from 'ws'
import { DEFAULT_POLICY } from '../../shared/policy/scaling-policy'
import { generateAgentKey } from '../../shared/protocol/agent-identity'
import { MAX_MESSAGE_BYTES } from '../../shared/protocol/messages'
import { AgentHub, type AgentHubOptions, CommandError } from './agent-hub'
import { AgentKeys } from './agent-keys'
import {
  introduction,
  RawAgent,
  report,
  signedHello,
  startTestHub,
  type TestHub,
  TOKEN,
  testKeyFor,
} from './hub-test-kit'

const eventually = { timeout: 3000, interval: 10 }
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function hub(options: Partial<AgentHubOptions> = {}): Promise<TestHub> {
  const started = await startTestHub(options)
  cleanups.push(() => started.hub.close())
  return started
}

async function agent(url: string, options: ClientOptions = {}): Promise<RawAgent> {
  const connected = await RawAgent.connect(url, options)
  cleanups.push(() => connected.close())
  return connected
}

describe('AgentHub handshake', () => {
  it('welcomes an agent that proves the join token, and lists its session', async () => {
    const seen: { agentId: string; remoteAddress: string }[] = []
    const test = await hub({
      welcome: (hello, remoteAddress) => {
        seen.push({ agentId: hello.agentId, remoteAddress })
        return { policy: DEFAULT_POLICY, target: 3 }
      },
    })
    expect(test.address.url).toBe(`ws://127.0.0.1:${test.address.port}`)
    const lab = await agent(test.url)
    const challenge = await lab.next('challenge')
    expect(challenge.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const welcome = await lab.join()
    expect(welcome).toEqual({
      type: 'welcome',
      v: 2,
      sessionId: expect.stringMatching(/^s-[0-9a-f-]{36}$/),
      policy: DEFAULT_POLICY,
      target: 3,
    })
    expect(seen).toEqual([{ agentId: 'lab-1', remoteAddress: '127.0.0.1' }])
    const [session] = test.hub.sessions()
    expect(session).toMatchObject({
      sessionId: welcome.sessionId,
      agentId: 'lab-1',
      vmName: 'lab-1',
      remoteAddress: '127.0.0.1',
      publicKey: testKeyFor('lab-1').publicKey,
      keyFingerprint: testKeyFor('lab-1').fingerprint,
      ended: undefined,
    })
    expect(session?.hello.capacity.containers).toBe(4)
    expect(test.connected).toEqual([session])
    expect(test.hub.session('lab-1')).toBe(session)
    expect(test.logs).toEqual([
      {
        level: 'info',
        message: `hub: trusting agent key ${testKeyFor('lab-1').fingerprint} for lab-1 (first use)`,
      },
      {
        level: 'info',
        message: `hub: agent lab-1 (VM lab-1 at 127.0.0.1) connected as session ${welcome.sessionId}`,
      },
    ])
  })

  it('reads the token at every hello, so that it can be rotated', async () => {
    let token = 'first.token.value'
    const test = await hub({ token: () => token })
    await (await agent(test.url)).join(introduction('a'), 'first.token.value')
    token = 'second.token.value'
    const stale = await agent(test.url)
    stale.send(await stale.helloFor('first.token.value', introduction('b')))
    expect((await stale.closed).code).toBe(4401)
  })

  it('refuses a wrong token with 4401, one log line and a rejected event', async () => {
    const test = await hub()
    const lab = await agent(test.url)
    lab.send(await lab.helloFor('abcdef.wrongwrongwrong0'))
    expect(await lab.closed).toEqual({ code: 4401, reason: 'join token proof does not match' })
    expect(test.hub.sessions()).toEqual([])
    expect(test.rejected).toEqual([
      { remoteAddress: '127.0.0.1', rejection: { code: 4401, reason: 'join token proof does not match' } },
    ])
    expect(test.logs).toEqual([
      {
        level: 'warn',
        message: 'hub: refused connection from 127.0.0.1: join token proof does not match (close 4401)',
      },
    ])
  })

  it('refuses a proof replayed on another connection, whose challenge differs', async () => {
    const test = await hub()
    const first = await agent(test.url)
    const hello = await first.helloFor()
    first.send(hello)
    await first.next('welcome')
    first.close()

    const replay = await agent(test.url)
    await replay.next('challenge')
    replay.send(hello)
    expect(await replay.closed).toEqual({
      code: 4401,
      reason: "the hello answers another connection's challenge (a replayed proof)",
    })
  })

  it('accepts one hello per challenge: a second hello on the same connection is refused', async () => {
    const test = await hub()
    const lab = await agent(test.url)
    const hello = await lab.helloFor()
    lab.send(hello)
    await lab.next('welcome')
    lab.send(hello)
    expect(await lab.closed).toEqual({ code: 4400, reason: 'a second hello on an authenticated session' })
    await vi.waitFor(() => expect(test.disconnected.map((d) => d.end.code)).toEqual([4400]), eventually)
  })

  it('times out a connection that sends no hello', async () => {
    const test = await hub({ handshakeTimeoutMs: 150 })
    const lab = await agent(test.url)
    const started = Date.now()
    expect(await lab.closed).toEqual({ code: 4408, reason: 'no hello within 0.15 s of the challenge' })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(test.rejected[0]?.rejection.code).toBe(4408)
  })

  it('times out an agent whose welcome the VIM cannot prepare in time', async () => {
    const test = await hub({ handshakeTimeoutMs: 150, welcome: () => new Promise(() => {}) })
    const lab = await agent(test.url)
    lab.send(await lab.helloFor())
    expect(await lab.closed).toEqual({
      code: 4408,
      reason: 'the VIM did not prepare the welcome within 0.15 s',
    })
  })

  it.each([
    [
      'throws',
      () => Promise.reject(new Error('store offline')),
      'the VIM could not admit the agent: store offline',
    ],
    [
      'returns an invalid policy',
      () => ({ policy: { ...DEFAULT_POLICY, minReplicas: 0 }, target: 1 }),
      expect.stringMatching(/^the VIM's welcome is invalid: policy\.minReplicas/),
    ],
  ])('closes with 1011 when the welcome callback %s', async (_, welcome, reason) => {
    const test = await hub({ welcome: welcome as AgentHubOptions['welcome'] })
    const lab = await agent(test.url)
    lab.send(await lab.helloFor())
    expect(await lab.closed).toEqual({ code: 1011, reason })
    expect(test.hub.sessions()).toEqual([])
  })
})

describe('AgentHub refusing bad input', () => {
  const hello = { type: 'hello', v: 2 }
  it.each<[string, boolean, unknown, number, string | RegExp]>([
    ['a report before hello', false, report(), 4401, '"report" before a valid hello: authenticate first'],
    [
      'a ping message before hello',
      false,
      { type: 'ping', v: 2, at: 1 },
      4401,
      /^"ping" before a valid hello/,
    ],
    ['text that is not JSON', false, 'hello?', 4400, /^message is not valid JSON/],
    ['a JSON array', true, '[1,2]', 4400, 'message must be a JSON object with "type" and "v" fields'],
    ['an unknown type', true, { type: 'shutdown', v: 2 }, 4400, /^unknown agent message type "shutdown"/],
    ['another protocol version', false, { ...hello, v: 1 }, 4426, /^protocol version 1 is not supported/],
    ['an invalid hello', false, { ...hello, agentId: 'x' }, 4400, /^invalid "hello" message: vmName/],
    ['a report with a bad field', true, { ...report(), seq: -1 }, 4400, /^invalid "report" message: seq/],
    [
      'binary that is not UTF-8',
      true,
      Buffer.from([0xff, 0xfe, 0x7b]),
      4400,
      'message is not valid UTF-8 text',
    ],
  ])(
    'closes on %s (after auth: %s) with %i and the reason',
    async (_, authenticate, message, code, reason) => {
      const test = await hub()
      const lab = await agent(test.url)
      if (authenticate) await lab.join()
      else await lab.next('challenge')
      lab.send(message)
      const closed = await lab.closed
      expect(closed.code).toBe(code)
      expect(closed.reason).toEqual(typeof reason === 'string' ? reason : expect.stringMatching(reason))
      await vi.waitFor(() => expect(test.logs.filter((l) => l.level === 'warn')).toHaveLength(1), eventually)
      expect(authenticate ? test.disconnected : test.rejected).toHaveLength(1)
    },
  )

  it('keeps log lines to one line when a reason quotes what the peer sent', async () => {
    const test = await hub()
    const lab = await agent(test.url)
    await lab.next('challenge')
    lab.send('x\n2030-01-01T00:00:00.000Z info  forged line\u202e')
    expect((await lab.closed).code).toBe(4400)
    await vi.waitFor(() => expect(test.logs).toHaveLength(1), eventually)
    expect(test.logs[0]?.message).toMatch(
      /^hub: refused connection from 127\.0\.0\.1: message is not valid JSON/,
    )
    expect(test.logs[0]?.message).not.toMatch(/[\n\u202e]/)
    expect(test.rejected[0]?.rejection.reason).not.toMatch(/\n/)
  })

  it('closes with 1009 on a frame over the size limit, before reading it whole', async () => {
    const test = await hub()
    const lab = await agent(test.url)
    await lab.join()
    lab.send('x'.repeat(MAX_MESSAGE_BYTES + 1))
    expect((await lab.closed).code).toBe(1009)
    await vi.waitFor(() => expect(test.disconnected.map((d) => d.end)).toHaveLength(1), eventually)
    expect(test.disconnected[0]?.end).toEqual({
      code: 1009,
      reason: 'a message exceeded the size limit',
      by: 'hub',
    })
  })

  it('closes with 4429 when messages come faster than the limit', async () => {
    const test = await hub({ burst: 50, ratePerSecond: 20 })
    const lab = await agent(test.url)
    await lab.join()
    for (let i = 0; i < 60; i++) lab.send({ type: 'ping', v: 2, at: i })
    expect(await lab.closed).toEqual({
      code: 4429,
      reason: 'more than 50 messages at once or 20 per second sustained',
    })
    // Everything under the limit was served before the cut.
    expect(lab.received.filter((m) => m.type === 'pong')).toHaveLength(49)
  })

  it("accepts the burst of an agent's event backlog right after welcome", async () => {
    const test = await hub()
    const events: string[] = []
    test.hub.on('event', (_, event) => events.push(event.message))
    const lab = await agent(test.url)
    await lab.join()
    for (let i = 0; i < 101; i++) lab.send({ type: 'event', v: 2, kind: 'warning', message: `e${i}`, at: i })
    lab.send(report())
    await vi.waitFor(() => expect(events).toHaveLength(101), eventually)
    expect(lab.isOpen).toBe(true)
  })

  it('refuses upgrades beyond the limit of connections still authenticating', async () => {
    const test = await hub({ maxPendingHandshakes: 2 })
    await agent(test.url)
    await agent(test.url)
    await expect(RawAgent.connect(test.url)).rejects.toThrow(/Unexpected server response: 503/)
    expect(test.rejected.map((r) => r.rejection.code)).toEqual([503])
  })

  it('answers a plain HTTP request with 426 and what the port is for', async () => {
    const test = await hub()
    const answer = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      request(`http://127.0.0.1:${test.address.port}/`, (response) => {
        let body = ''
        response.on('data', (chunk) => {
          body += chunk
        })
        response.on('end', () => resolve({ status: response.statusCode, body }))
      })
        .on('error', reject)
        .end()
    })
    expect(answer.status).toBe(426)
    expect(answer.body).toMatch(/agent hub/)
  })
})

describe('AgentHub sessions', () => {
  it('delivers reports, events and acks, and answers ping messages', async () => {
    const test = await hub()
    const seen: string[] = []
    test.hub.on('report', (session, message) => seen.push(`report ${session.agentId} ${message.seq}`))
    test.hub.on('event', (_, message) => seen.push(`event ${message.kind}`))
    test.hub.on('ack', (_, message) => seen.push(`ack ${message.commandId}`))
    const lab = await agent(test.url)
    await lab.join()
    lab.send(report(7))
    lab.send({ type: 'event', v: 2, kind: 'container-started', message: 'c1 started', at: 1 })
    lab.send({ type: 'ack', v: 2, commandId: 'unknown-1', ok: true })
    lab.send({ type: 'ping', v: 2, at: 42 })
    await vi.waitFor(() => expect(seen).toHaveLength(3), eventually)
    expect(seen).toEqual(['report lab-1 7', 'event container-started', 'ack unknown-1'])
    expect(await lab.next('pong')).toEqual({ type: 'pong', v: 2, at: 42 })
    expect(test.hub.session('lab-1')!.lastMessageAt).toBeGreaterThan(0)
  })

  it('resolves a command on its ack and rejects it on a refusal', async () => {
    const test = await hub()
    const lab = await agent(test.url)
    await lab.join()
    const session = test.hub.session('lab-1')!
    const done = session.command('setTarget', { replicas: 3, reason: 'scale up' })
    const command = await lab.next('setTarget')
    expect(command).toEqual({
      type: 'setTarget',
      v: 2,
      commandId: expect.stringMatching(/^cmd-\d+$/),
      replicas: 3,
      reason: 'scale up',
    })
    lab.send({ type: 'ack', v: 2, commandId: command.commandId, ok: true })
    await expect(done).resolves.toEqual({ type: 'ack', v: 2, commandId: command.commandId, ok: true })

    const refused = session.command('setPolicy', { policy: DEFAULT_POLICY })
    const policy = await lab.next('setPolicy')
    lab.send({ type: 'ack', v: 2, commandId: policy.commandId, ok: false, error: 'policy locked' })
    await expect(refused).rejects.toThrow(
      `agent lab-1 (VM lab-1 at 127.0.0.1) refused "setPolicy" (${policy.commandId}): policy locked`,
    )
  })

  it('fails a command that is not acked in time, or is invalid', async () => {
    const test = await hub({ commandTimeoutMs: 100 })
    const lab = await agent(test.url)
    await lab.join()
    const session = test.hub.session('lab-1')!
    const error = await session.command('setTarget', { replicas: 1 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandError)
    expect(error).toMatchObject({
      kind: 'timeout',
      message: expect.stringMatching(
        /^agent lab-1 \(VM lab-1 at 127\.0\.0\.1\) did not acknowledge "setTarget" \(cmd-\d+\) within 0\.1 s$/,
      ),
    })
    await expect(session.command('setTarget', { replicas: -1 })).rejects.toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/invalid "setTarget" message: replicas/),
    })
    expect(session.send({ type: 'welcome', sessionId: 'x', policy: DEFAULT_POLICY, target: 1 })).toEqual({
      status: 'invalid',
      reason: 'the hub sends "welcome" itself',
    })
  })

  it('replaces the live session of a VM whose agent connects again with the same key', async () => {
    const test = await hub()
    const old = await agent(test.url)
    await old.join()
    const oldSession = test.hub.session('lab-1')!
    const pending = oldSession.command('setTarget', { replicas: 2 }).catch((e: unknown) => e)

    const order: string[] = []
    test.hub.on('disconnected', (s) => order.push(`disconnected ${s.sessionId}`))
    test.hub.on('connected', (s) => order.push(`connected ${s.sessionId}`))
    const restarted = await agent(test.url)
    const welcome = await restarted.join()

    expect(await old.closed).toEqual({
      code: 4409,
      reason: 'replaced by a newer session of lab-1 (same agent key) from 127.0.0.1',
    })
    expect(order).toEqual([`disconnected ${oldSession.sessionId}`, `connected ${welcome.sessionId}`])
    expect(test.hub.sessions().map((s) => s.sessionId)).toEqual([welcome.sessionId])
    expect(oldSession.ended).toMatchObject({ code: 4409, by: 'hub' })
    expect(await pending).toMatchObject({ kind: 'closed' })
    expect(restarted.isOpen).toBe(true)
    // Same address: an agent restart, not a copied key file, so no warning.
    expect(test.logs.filter((l) => l.level === 'warn')).toEqual([])
  })

  it('does not let a hello with the wrong proof displace the live agent of that VM', async () => {
    const test = await hub()
    const lab = await agent(test.url)
    await lab.join()
    const impostor = await agent(test.url)
    impostor.send(await impostor.helloFor('abcdef.wrongwrongwrong0'))
    expect((await impostor.closed).code).toBe(4401)
    expect(lab.isOpen).toBe(true)
    expect(test.hub.sessions().map((s) => s.agentId)).toEqual(['lab-1'])
  })

  it('refuses another key under a live VM name with 4403, names the claim, and leaves the VM alone', async () => {
    const test = await hub()
    const lab = await agent(test.url)
    await lab.join()
    const real = test.hub.session('lab-1')!
    const impostor = await agent(test.url)
    impostor.send(
      await impostor.helloFor(TOKEN, introduction('intruder', { vmName: 'lab-1' }), generateAgentKey()),
    )
    const pinned = testKeyFor('lab-1').fingerprint
    expect(await impostor.closed).toEqual({
      code: 4403,
      reason: `lab-1 is claimed by another agent (key ${pinned.slice(0, 30)}…); forget its key in the VIM to let this one in`,
    })
    expect(test.rejected).toEqual([
      {
        remoteAddress: '127.0.0.1',
        rejection: {
          code: 4403,
          reason: expect.stringMatching(/^lab-1 is claimed by another agent/),
          vmName: 'lab-1',
        },
      },
    ])
    expect(lab.isOpen).toBe(true)
    expect(test.hub.sessions()).toEqual([real])
    expect(real.ended).toBeUndefined()
    expect(test.disconnected).toEqual([])
  })

  it('refuses another key under a pinned name whose agent is away', async () => {
    const keys = new AgentKeys()
    const test = await hub({ agentKeys: keys })
    keys.pin('lab-9', generateAgentKey().publicKey, 'lab')
    const impostor = await agent(test.url)
    impostor.send(await impostor.helloFor(TOKEN, introduction('lab-9'), generateAgentKey()))
    expect((await impostor.closed).code).toBe(4403)
    expect(test.connected).toEqual([])
  })

  it('admits a new key once the old one is forgotten', async () => {
    const keys = new AgentKeys()
    const test = await hub({ agentKeys: keys })
    keys.pin('lab-9', generateAgentKey().publicKey, 'lab')
    keys.forget('lab-9')
    const replacement = generateAgentKey()
    await (await agent(test.url)).join(introduction('lab-9'), TOKEN, replacement)
    expect(test.hub.session('lab-9')?.keyFingerprint).toBe(replacement.fingerprint)
    expect(keys.get('lab-9')).toMatchObject({ how: 'first-use', fingerprint: replacement.fingerprint })
  })

  it.each([
    [
      'signed by another key',
      (hello: ReturnType<typeof signedHello>) => ({
        ...hello,
        identity: { ...hello.identity, publicKey: generateAgentKey().publicKey },
      }),
    ],
    [
      'signed for another VM name',
      (hello: ReturnType<typeof signedHello>) => ({ ...hello, vmName: 'lab-2' }),
    ],
  ])('refuses a hello %s with 4401', async (_, tamper) => {
    const test = await hub()
    const lab = await agent(test.url)
    const { nonce } = await lab.next('challenge')
    lab.send(tamper(signedHello(introduction('lab-1'), nonce)))
    expect(await lab.closed).toEqual({ code: 4401, reason: "the agent key's signature does not match" })
    expect(test.connected).toEqual([])
  })

  it('warns when one VM connects with its key from two addresses', async () => {
    const test = await hub()
    await (await agent(test.url)).join()
    // Linux answers the whole of 127/8 on loopback, so a second source address is at hand.
    const other = await agent(test.url, { localAddress: '127.0.0.2' })
    await other.join()
    expect(test.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'hub: lab-1 connected from 127.0.0.2 with its agent key while live at 127.0.0.1; if these are two machines, a key file was copied: give each VM its own',
    ])
  })

  it('reports an agent that closes the connection itself, once', async () => {
    const test = await hub()
    const lab = await agent(test.url)
    await lab.join()
    lab.socket.close(1000, 'agent shutting down')
    await vi.waitFor(() => expect(test.disconnected).toHaveLength(1), eventually)
    expect(test.disconnected[0]?.end).toEqual({ code: 1000, reason: 'agent shutting down', by: 'agent' })
    expect(test.hub.sessions()).toEqual([])
    expect(test.logs.at(-1)).toEqual({
      level: 'info',
      message: expect.stringMatching(/closed the connection: agent shutting down \(close 1000\)$/),
    })
  })

  it('lets the VIM end a session', async () => {
    const test = await hub()
    const lab = await agent(test.url)
    await lab.join()
    test.hub.session('lab-1')!.close('the VM was removed')
    expect(await lab.closed).toEqual({ code: 1000, reason: 'the VM was removed' })
  })

  it('keeps going when a listener throws', async () => {
    const test = await hub()
    test.hub.on('connected', () => {
      throw new Error('listener bug')
    })
    const lab = await agent(test.url)
    await lab.join()
    lab.send(report())
    expect(lab.isOpen).toBe(true)
    expect(test.logs).toContainEqual({
      level: 'warn',
      message: 'hub: a "connected" listener threw: listener bug',
    })
  })

  it('closes every session with 1001 on close(), failing pending commands', async () => {
    const test = await hub()
    const lab = await agent(test.url)
    await lab.join()
    const pending = test.hub
      .session('lab-1')!
      .command('setTarget', { replicas: 2 })
      .catch((e: unknown) => e)
    await test.hub.close()
    expect(await lab.closed).toEqual({ code: 1001, reason: 'the VIM is shutting down' })
    expect(await pending).toMatchObject({ kind: 'closed' })
    expect(test.hub.sessions()).toEqual([])
    await expect(RawAgent.connect(test.url)).rejects.toThrow(/ECONNREFUSED/)
  })
})

describe('AgentHub configuration', () => {
  const base = {
    port: 0,
    token: TOKEN,
    tls: false as const,
    welcome: () => ({ policy: DEFAULT_POLICY, target: 1 }),
  }

  it.each<[string, Partial<AgentHubOptions>, RegExp]>([
    ['an empty token', { token: '' }, /non-empty join token/],
    ['a bad port', { port: 70000 }, /port must be a whole number from 0 to 65535/],
    ['a zero heartbeat', { deadAfterMs: 0 }, /deadAfterMs must be above 0/],
  ])('refuses %s', (_, options, message) => {
    expect(() => new AgentHub({ ...base, ...options })).toThrow(message)
  })

  it('says clearly when the port is taken', async () => {
    const test = await hub()
    const second = new AgentHub({
      ...base,
      host: '127.0.0.1',
      port: test.address.port,
      logger: { info() {}, warn() {} },
    })
    await expect(second.start()).rejects.toThrow(
      `the agent hub cannot listen on 127.0.0.1:${test.address.port}: listen EADDRINUSE: address already in use 127.0.0.1:${test.address.port} (is another VIM running? choose another --hub-port)`,
    )
  })

  it('refuses an unusable certificate at start', async () => {
    const broken = new AgentHub({ ...base, tls: { cert: 'nope', key: 'nope' } })
    await expect(broken.start()).rejects.toThrow(/^the hub's TLS certificate or key is unusable/)
  })
})
