import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { utils } from 'ssh2'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { DeployFeedEvent } from '../api/event-feed'
import { DeployService, type DeployTarget } from './deploy-service'
import { KnownHosts } from './known-hosts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A TCP server that accepts and then says nothing, as a host whose SSH handshake never completes. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => sockets.add(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  )
  return (server.address() as { port: number }).port
}

function service(targets: Record<string, DeployTarget>, connectTimeoutMs = 2_000) {
  const dataDir = mkdtempSync(join(tmpdir(), 'acs-deploy-service-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const deployer = new DeployService({
    dataDir,
    agentBundle: '/nonexistent/vmm-agent.mjs',
    agentVersion: 'test',
    hub: () => ({
      port: 7070,
      boundHost: '0.0.0.0',
      fingerprint: 'SHA256:x',
      joinToken: 'join-token-1234',
      clusterId: 'c0ffee01',
    }),
    agentDefaults: () => ({ cpusPerContainer: 0.5, memoryPerContainer: '256m' }),
    resolveTarget: (id) => targets[id],
    waitForAgent: async () => {},
    pinAgentKey: () => {},
    connectTimeoutMs,
  })
  cleanups.push(() => deployer.close())
  const events: DeployFeedEvent[] = []
  deployer.subscribe((event) => events.push(event))
  return { deployer, events, dataDir }
}

const keyDir = mkdtempSync(join(tmpdir(), 'acs-deploy-key-'))
afterAll(() => rmSync(keyDir, { recursive: true, force: true }))
const keyPath = join(keyDir, 'id_ed25519')
writeFileSync(keyPath, utils.generateKeyPairSync('ed25519').private, { mode: 0o600 })

const target = (port: number, auth: 'key' | 'password' = 'key'): DeployTarget => ({
  vmName: 'vm-1',
  login: { address: '127.0.0.1', port, user: 'acs', auth, ...(auth === 'key' && { keyPath }) },
})

async function finished(deployer: DeployService, id: string) {
  for (let i = 0; i < 200; i++) {
    const state = deployer.state(id)
    if (state.progress && state.progress.state !== 'running') return state
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`${id} did not finish`)
}

describe('DeployService', () => {
  it('answers not_found for a VM it cannot reach over SSH, and has no state for it', async () => {
    const { deployer } = service({})
    await expect(deployer.start({ id: 'nope', installDocker: false })).rejects.toMatchObject({
      code: 'not_found',
    })
    await expect(deployer.forgetHostKey('nope')).rejects.toMatchObject({ code: 'not_found' })
    expect(deployer.state('nope')).toEqual({ progress: null, log: [] })
  })

  it('asks for the password of a password login before it starts', async () => {
    const { deployer } = service({ 'vm-1': target(22, 'password') })
    await expect(deployer.start({ id: 'vm-1', installDocker: false })).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'SSH login as acs@127.0.0.1 needs a password: enter it and deploy again',
    })
  })

  it('fails at connect with what to check when nothing listens, reporting every change', async () => {
    const port = await silentServer()
    cleanups.splice(0).forEach((cleanup) => void cleanup()) // closed again: now nothing listens there
    const { deployer, events } = service({ 'vm-1': target(port) })
    const started = await deployer.start({ id: 'vm-1', installDocker: false })
    expect(started).toMatchObject({ vmId: 'vm-1', operation: 'deploy', state: 'running', error: null })
    expect(started.steps.map((s) => s.id)).toEqual([
      'connect',
      'probe',
      'docker',
      'node',
      'upload',
      'config',
      'service',
      'hello',
    ])
    const state = await finished(deployer, 'vm-1')
    expect(state.progress).toMatchObject({
      state: 'failed',
      error: `127.0.0.1:${port} refused the connection: check that sshd runs there and listens on port ${port}`,
    })
    const progress = events.filter((e) => e.name === 'deploy:progress')
    expect(progress.at(-1)?.data).toEqual(state.progress)
    await new Promise((resolve) => setTimeout(resolve, 250))
    const logs = events.flatMap((e) => (e.name === 'deploy:log' ? e.data : []))
    expect(logs.map((l) => l.text)).toEqual(state.log.map((l) => l.text))
  })

  it('runs one operation per VM: a second start is a conflict; close() cancels the running one', async () => {
    const port = await silentServer()
    const { deployer } = service({ 'vm-1': target(port) }, 30_000)
    await deployer.start({ id: 'vm-1', installDocker: false })
    await expect(deployer.uninstall({ id: 'vm-1', removeContainers: true })).rejects.toMatchObject({
      code: 'conflict',
      message: 'vm-1: a deploy is already running; wait for it to finish',
    })
    await deployer.close()
    expect(deployer.state('vm-1').progress).toMatchObject({
      state: 'failed',
      error: 'Cancelled: the VIM is shutting down',
    })
    await expect(deployer.start({ id: 'vm-1', installDocker: false })).rejects.toMatchObject({
      code: 'unavailable',
    })
  })

  it('times out a host that accepts but never speaks SSH', async () => {
    const port = await silentServer()
    const { deployer } = service({ 'vm-1': target(port) }, 500)
    await deployer.start({ id: 'vm-1', installDocker: false })
    const state = await finished(deployer, 'vm-1')
    expect(state.progress?.error).toBe(
      `127.0.0.1:${port} accepted the connection but did not complete the SSH handshake within 1 s: is it an SSH server?`,
    )
  })

  it('forgets a trusted host key and reports its fingerprint', async () => {
    const { deployer, dataDir } = service({ 'vm-1': target(22) })
    new KnownHosts(dataDir).trust('127.0.0.1', 22, { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:old' })
    expect(deployer.hostKeyFingerprint('127.0.0.1', 22)).toBe('SHA256:old')
    expect(await deployer.forgetHostKey('vm-1')).toBe('SHA256:old')
    expect(await deployer.forgetHostKey('vm-1')).toBeNull()
    expect(deployer.hostKeyFingerprint('127.0.0.1', 22)).toBeNull()
  })
})
