// The agent identity boundary from an attacker's side: a real headless VIM with a lab of one VM, and an
// impostor that holds the join token (read from the data dir, as anyone who can read it would) joining
// the real hub over wss:// under the lab VM's name with a key of its own.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { introduction, RawAgent, signedHello } from '../../src/main/hub/hub-test-kit'
import type { ClusterSnapshot, VmInfo } from '../../src/shared/domain/cluster'
import type { ClusterEvent } from '../../src/shared/domain/events'
import { generateAgentKey } from '../../src/shared/protocol/agent-identity'
import { waitFor } from '../support/agent-process'
import {
  freePort,
  type HeadlessProcess,
  NO_CLUSTER,
  runToExit,
  startHeadless,
  testEnv,
} from '../support/headless-process'

const TOKEN = 'agent-identity-test-token'

async function api<T>(vim: HeadlessProcess, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${vim.baseUrl}/api/v1${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${TOKEN}`, ...init.headers },
  })
  const body = await response.json()
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`)
  return body as T
}

async function servedBy(url: string, requests: number): Promise<string[]> {
  const vms: string[] = []
  for (let i = 0; i < requests; i++) {
    const response = await fetch(url)
    await response.arrayBuffer()
    vms.push(`${response.status} ${response.headers.get('x-served-by')?.split('/')[0] ?? '?'}`)
  }
  return vms
}

describe('agent identity: one key per VM name, pinned by the VIM', () => {
  let vim: HeadlessProcess
  let hubUrl: string
  let joinToken: string
  let labVm: VmInfo
  let proxyUrl: string
  const sockets: RawAgent[] = []

  /** An agent of the attacker's: the real join token, a hello signed with a key of its own. */
  const connect = async () => {
    // The attacker does not need the certificate: it is the VIM that must trust the agent, not the reverse.
    const agent = await RawAgent.connect(hubUrl, { rejectUnauthorized: false })
    sockets.push(agent)
    return agent
  }

  beforeAll(async () => {
    const hubPort = await freePort()
    vim = await startHeadless(
      [
        '--lab',
        '1',
        '--runtime',
        'process',
        '--ui-port',
        '0',
        '--proxy-port',
        '0',
        '--hub-port',
        String(hubPort),
      ],
      testEnv({ ACS_TOKEN: TOKEN }),
    )
    hubUrl = `wss://127.0.0.1:${hubPort}`
    joinToken = readFileSync(join(vim.dataDir, 'join-token'), 'utf8').trim()
    const ready = await waitFor(
      'the lab VM ready with a container',
      async () => {
        const s = await api<ClusterSnapshot>(vim, '/cluster')
        const vm = s.vms[0]
        return s.vms.length === 1 && vm?.status === 'ready' && vm.containers.some((c) => c.state === 'ready')
          ? s
          : undefined
      },
      60_000,
    )
    labVm = ready.vms[0] as VmInfo
    proxyUrl = ready.proxyUrl as string
  }, 90_000)

  afterAll(async () => {
    for (const socket of sockets) socket.close()
    await vim?.stop()
  })

  it("shows the lab VM's key, made and pinned by the VIM before its agent started", () => {
    expect(labVm.agentKey).toMatchObject({ how: 'lab', fingerprint: expect.stringMatching(/^SHA256:/) })
  })

  it('refuses an impostor under the lab VM name with 4403, logs the claim, and leaves the real VM serving', async () => {
    const name = labVm.name
    const impostor = await connect()
    const { nonce } = await impostor.next('challenge', 10_000)
    // It even points public traffic at its own port: it must never get there.
    const fields = introduction('impostor-1', { vmName: name, lbHost: '127.0.0.1', lbPort: await freePort() })
    impostor.send(signedHello(fields, nonce, joinToken, generateAgentKey()))
    const closed = await impostor.closed
    expect(closed.code).toBe(4403)
    expect(closed.reason).toMatch(new RegExp(`^${name} is claimed by another agent \\(key SHA256:`))

    const events = await api<ClusterEvent[]>(vim, `/events?vmId=${name}`)
    expect(events.map((e) => e.message)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^Refused an agent from 127\\.0\\.0\\.1: ${name} is claimed by another agent .*forget its key in the VIM`,
        ),
      ),
    )
    const after = await api<ClusterSnapshot>(vim, '/cluster')
    expect(after.vms).toHaveLength(1)
    expect(after.vms[0]).toMatchObject({
      name,
      status: 'ready',
      address: labVm.address,
      agentKey: labVm.agentKey,
    })
    expect(new Set(await servedBy(`${proxyUrl}/`, 10))).toEqual(new Set([`200 ${name}`]))
  })

  it('refuses a hello whose key signature does not match with 4401', async () => {
    const impostor = await connect()
    const { nonce } = await impostor.next('challenge', 10_000)
    const hello = signedHello(
      introduction('impostor-2', { vmName: 'new-vm' }),
      nonce,
      joinToken,
      generateAgentKey(),
    )
    impostor.send({ ...hello, identity: { ...hello.identity, publicKey: generateAgentKey().publicKey } })
    expect(await impostor.closed).toEqual({ code: 4401, reason: "the agent key's signature does not match" })
    expect((await api<ClusterSnapshot>(vim, '/cluster')).vms.map((vm) => vm.name)).toEqual([labVm.name])
  })

  it('after "forget" through the API, pins the next agent to join under that name', async () => {
    const name = labVm.name
    const forgotten = await api<{ ok: true; forgotten: string | null }>(vim, `/vms/${name}/agent-key`, {
      method: 'DELETE',
    })
    expect(forgotten).toEqual({ ok: true, forgotten: labVm.agentKey?.fingerprint })
    const events = await api<ClusterEvent[]>(vim, `/events?vmId=${name}`)
    expect(events.map((e) => e.message)).toContainEqual(
      `${name}: agent key ${labVm.agentKey?.fingerprint} forgotten; the next agent to join under this name is trusted`,
    )

    const next = await connect()
    const key = generateAgentKey()
    const { nonce } = await next.next('challenge', 10_000)
    next.send(signedHello(introduction('replacement-1', { vmName: name }), nonce, joinToken, key))
    await next.next('welcome', 10_000)
    const pinned = await waitFor(
      'the new key pinned',
      async () => {
        const vm = (await api<ClusterSnapshot>(vim, '/cluster')).vms.find((v) => v.name === name)
        return vm?.agentKey?.fingerprint === key.fingerprint ? vm.agentKey : undefined
      },
      10_000,
    )
    expect(pinned.how).toBe('first-use')
    expect(JSON.parse(readFileSync(join(vim.dataDir, 'agent-keys.json'), 'utf8'))).toMatchObject({
      pins: [{ vmName: name, publicKey: key.publicKey, how: 'first-use' }],
    })
  })
})

describe('agent key pins on disk', () => {
  it('refuses to start on a damaged agent-keys.json, naming it, and leaves it as it was', async () => {
    const env = testEnv({ ACS_TOKEN: TOKEN })
    const file = join(env.ACS_DATA_DIR, 'agent-keys.json')
    writeFileSync(file, '{"version":1,"pins":[', { mode: 0o600 })
    try {
      const result = await runToExit(
        'npm',
        ['run', '--silent', 'serve', '--', '--ui-port', '0', ...NO_CLUSTER],
        env,
      )
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`acs: the agent key pins ${file} cannot be read`)
      expect(result.stderr).toContain('restore the file, or move it aside')
      expect(readFileSync(file, 'utf8')).toBe('{"version":1,"pins":[')
    } finally {
      rmSync(env.ACS_DATA_DIR, { recursive: true, force: true })
    }
  }, 60_000)
})
