// The hub with the agent's real link (vmm-agent/link): over wss:// with the certificate pinned, refused
// with a wrong pin or token, commands acked end to end, and reconnection after a VIM restart.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type LinkState, VimLink, type VimLinkOptions } from '../../../vmm-agent/link/vim-link'
import { DEFAULT_POLICY } from '../../shared/policy/scaling-policy'
import type { AgentHubOptions } from './agent-hub'
import { type HubCertificate, loadOrCreateHubCertificate } from './certificate'
import { introduction, reportFields, startTestHub, type TestHub, TOKEN, testKeyFor } from './hub-test-kit'

const eventually = { timeout: 5000, interval: 10 }
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function hub(options: Partial<AgentHubOptions> = {}): Promise<TestHub> {
  const started = await startTestHub(options)
  cleanups.push(() => started.hub.close())
  return started
}

function link(options: Partial<VimLinkOptions> & { url: string }): VimLink {
  const agent = new VimLink({
    token: TOKEN,
    identity: testKeyFor('vm-a'),
    hello: introduction('vm-a'),
    warn: () => {},
    ...options,
  })
  cleanups.push(() => agent.close())
  agent.start()
  return agent
}

async function stateOf(agent: VimLink, status: LinkState['status']): Promise<LinkState> {
  await vi.waitFor(() => expect(agent.state.status).toBe(status), eventually)
  return agent.state
}

describe('AgentHub over TLS with the VimLink pinning its certificate', () => {
  let dir = ''
  let certificate: HubCertificate
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'acs-hub-tls-'))
    certificate = await loadOrCreateHubCertificate(dir, { logger: { info() {}, warn() {} } })
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('serves wss:// and welcomes an agent that pins the right fingerprint', async () => {
    const test = await hub({ tls: { cert: certificate.cert, key: certificate.key } })
    expect(test.address).toEqual({
      port: expect.any(Number),
      url: `wss://127.0.0.1:${test.address.port}`,
      fingerprint: certificate.fingerprint,
    })
    const agent = link({ url: test.url, caFingerprint: certificate.fingerprint })
    const targets: number[] = []
    agent.onMessage('welcome', (welcome) => targets.push(welcome.target))
    await stateOf(agent, 'connected')
    expect(targets).toEqual([2])
    expect(test.hub.sessions().map((s) => s.agentId)).toEqual(['vm-a'])
  })

  it('is refused by an agent that pins another fingerprint, before it says anything', async () => {
    const test = await hub({ tls: { cert: certificate.cert, key: certificate.key } })
    const wrong = `SHA256:${'AB:'.repeat(31)}AB`
    const agent = link({ url: test.url, caFingerprint: wrong })
    expect(await stateOf(agent, 'rejected')).toMatchObject({
      reason: `the VIM's certificate fingerprint ${certificate.fingerprint} does not match --ca-fingerprint ${wrong}; refusing it`,
    })
    expect(test.hub.sessions()).toEqual([])
    // The agent never upgraded, so the hub never saw a WebSocket (nothing to log or report).
    expect(test.rejected).toEqual([])
  })
})

describe('AgentHub end to end with the VimLink', () => {
  it('sends setTarget, and resolves the command when the agent acks it', async () => {
    const test = await hub()
    const agent = link({ url: test.url })
    const targets: number[] = []
    agent.onMessage('setTarget', (command) => {
      targets.push(command.replicas)
      agent.send({ type: 'ack', commandId: command.commandId, ok: true })
    })
    await stateOf(agent, 'connected')
    const session = test.hub.session('vm-a')!
    await expect(session.command('setTarget', { replicas: 3, reason: 'load' })).resolves.toMatchObject({
      ok: true,
    })
    expect(targets).toEqual([3])

    const reports: number[] = []
    test.hub.on('report', (_, message) => reports.push(message.seq))
    expect(agent.send(reportFields(5))).toEqual({ status: 'sent' })
    await vi.waitFor(() => expect(reports).toEqual([5]), eventually)

    await agent.close()
    await vi.waitFor(() => expect(test.disconnected).toHaveLength(1), eventually)
    expect(test.disconnected[0]?.end).toEqual({ code: 1000, reason: 'agent shutting down', by: 'agent' })
  })

  it('is rejected with a wrong token, and the agent says what to fix', async () => {
    const test = await hub()
    const agent = link({ url: test.url, token: 'abcdef.wrongwrongwrong0' })
    expect(await stateOf(agent, 'rejected')).toMatchObject({
      reason: 'the VIM rejected the join token: check --token: join token proof does not match',
    })
    expect(test.rejected.map((r) => r.rejection.code)).toEqual([4401])
  })

  it('sees the agent come back after the VIM restarts on the same port', async () => {
    const first = await startTestHub()
    const agent = link({ url: first.url, backoff: { baseMs: 40, capMs: 160 } })
    await stateOf(agent, 'connected')
    await first.hub.close()
    expect(agent.state).toMatchObject({
      status: 'disconnected',
      reason: expect.stringMatching(/shutting down/),
    })

    const second = await hub({
      port: first.address.port,
      welcome: () => ({ policy: DEFAULT_POLICY, target: 4 }),
    })
    await stateOf(agent, 'connected')
    expect(second.hub.sessions().map((s) => s.agentId)).toEqual(['vm-a'])
  })
})
