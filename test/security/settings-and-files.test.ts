// Settings and files on disk as a user (or a careless copy) leaves them: nonsense settings refused by name,
// a stored file with one bad field keeps the rest, loose modes fixed at start, a damaged secret.key kept
// and reported, key paths that are not key files refused fast. A real headless VIM throughout.
import { execFileSync } from 'node:child_process'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HeadlessProcess, NO_CLUSTER, startHeadless, testEnv } from '../support/headless-process'

type ErrorBody = { error: { code: string; message: string } }
type ClusterEvent = { kind: string; message: string }
type Vm = { name: string; login?: { secretStored: boolean; secretProblem?: string } }

const call = (vim: HeadlessProcess, method: string, path: string, body?: unknown) =>
  fetch(`${vim.baseUrl}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${vim.token}`, 'Content-Type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })

const json = async <T>(response: Response): Promise<T> => (await response.json()) as T
const modeOf = (path: string) => statSync(path).mode & 0o777

describe('settings through the control API', () => {
  let vim: HeadlessProcess
  beforeAll(async () => {
    vim = await startHeadless(['--ui-port', '0', ...NO_CLUSTER])
  })
  afterAll(() => vim?.stop())

  it('refuses intervalSeconds 1e300 with the field and its bound, and keeps the autoscaler running', async () => {
    const refused = await call(vim, 'PUT', '/policy', { scaling: { policy: { intervalSeconds: 1e300 } } })
    expect(refused.status).toBe(400)
    expect((await json<ErrorBody>(refused)).error.message).toContain(
      'scaling.policy.intervalSeconds: intervalSeconds must be at most 3,600 seconds',
    )
    const policy = await json<{ scaling: { policy: { intervalSeconds: number } } }>(
      await call(vim, 'GET', '/policy'),
    )
    expect(policy.scaling.policy.intervalSeconds).toBe(1)
  })

  it('refuses unknown keys by name, at every level', async () => {
    const nested = await call(vim, 'PUT', '/policy', { scaling: { policy: { targetUtilisation: 0.5 } } })
    expect(nested.status).toBe(400)
    expect((await json<ErrorBody>(nested)).error.message).toContain(
      'scaling.policy: unknown setting targetUtilisation',
    )
    const top = await call(vim, 'PUT', '/policy', { balancer: 'random', theme: 'dark' })
    expect(top.status).toBe(400)
    expect((await json<ErrorBody>(top)).error.message).toContain('unknown setting theme')
    const policy = await json<{ balancer: string }>(await call(vim, 'GET', '/policy'))
    expect(policy.balancer).toBe('least-outstanding')
  })

  it('refuses a keyPath that is a FIFO or a 1 MiB file at once, with a clear error', async () => {
    const fifo = join(vim.dataDir, 'not-a-key')
    execFileSync('mkfifo', [fifo])
    const big = join(vim.dataDir, 'big-key')
    writeFileSync(big, Buffer.alloc(1024 * 1024, 65))
    const host = { provider: 'ssh', address: '192.0.2.10', user: 'acs', auth: 'key' }

    const started = Date.now()
    const fromFifo = await call(vim, 'POST', '/vms', { ...host, name: 'fifo-host', keyPath: fifo })
    expect(fromFifo.status).toBe(400)
    expect((await json<ErrorBody>(fromFifo)).error.message).toBe(
      `The SSH key ${fifo} is not a regular file (a pipe, a socket or a device): choose a private key file`,
    )
    const fromBig = await call(vim, 'POST', '/vms', { ...host, name: 'big-host', keyPath: big })
    expect(fromBig.status).toBe(400)
    expect((await json<ErrorBody>(fromBig)).error.message).toMatch(/^The SSH key .+ is larger than 64 KiB/)
    expect(Date.now() - started).toBeLessThan(5_000)

    const vms = await json<Vm[]>(await call(vim, 'GET', '/vms'))
    expect(vms.map((vm) => vm.name)).not.toContain('fifo-host')
    expect((await call(vim, 'GET', '/cluster')).status).toBe(200)
  })
})

describe('files in the data directory across a restart', () => {
  const env = testEnv()
  const dir = env.ACS_DATA_DIR
  let vim: HeadlessProcess | undefined
  afterAll(() => vim?.stop())

  it('keeps good settings, fixes loose modes with a warning, and reports a damaged secret.key without replacing it', async () => {
    vim = await startHeadless(['--ui-port', '0', ...NO_CLUSTER], env)
    // A remembered password, sealed with secret.key.
    const added = await call(vim, 'POST', '/vms', {
      provider: 'ssh',
      name: 'kept-host',
      address: '192.0.2.11',
      user: 'acs',
      auth: 'password',
      password: 'hunter2',
      remember: true,
    })
    expect(added.status).toBe(200)
    expect((await json<Vm>(added)).login?.secretStored).toBe(true)
    await vim.stop({ keepData: true })

    // What a careless copy, a restore and a hand edit leave behind.
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({
        scaling: { policy: { intervalSeconds: 1e300, maxReplicas: 7 }, maxVms: 3 },
        balancer: 'round-robin',
      }),
    )
    chmodSync(dir, 0o755)
    for (const name of ['join-token', 'api-token', 'secret.key']) chmodSync(join(dir, name), 0o644)
    const damaged = Buffer.alloc(17, 1)
    writeFileSync(join(dir, 'secret.key'), damaged)

    vim = await startHeadless(['--ui-port', '0', ...NO_CLUSTER], env)

    const settings = await json<{
      balancer: string
      scaling: { maxVms: number; policy: { intervalSeconds: number; maxReplicas: number } }
    }>(await call(vim, 'GET', '/policy'))
    expect(settings.balancer).toBe('round-robin')
    expect(settings.scaling.maxVms).toBe(3)
    expect(settings.scaling.policy.maxReplicas).toBe(7)
    expect(settings.scaling.policy.intervalSeconds).toBe(1)

    const events = await json<ClusterEvent[]>(await call(vim, 'GET', '/events'))
    const messages = events.map((event) => event.message)
    expect(messages).toContain(
      'settings.json: scaling.policy.intervalSeconds was 1e+300 (intervalSeconds must be at most 3,600 seconds); the default 1 applies',
    )
    expect(vim.output()).toContain('settings.json: scaling.policy.intervalSeconds was 1e+300')

    expect(modeOf(dir)).toBe(0o700)
    for (const name of ['join-token', 'api-token', 'secret.key']) {
      expect(modeOf(join(dir, name))).toBe(0o600)
      const warning = `The secret file ${join(dir, name)} had mode 0644, readable by other users; it is now 0600`
      expect(messages).toContain(warning)
      expect(vim.output()).toContain(warning)
    }
    expect(messages).toContain(
      `The data directory ${dir} had mode 0755, readable by other users; it is now 0700`,
    )

    const problem = `secret.key is damaged (17 bytes, expected 32): kept passwords cannot be read. Restore ${join(dir, 'secret.key')} from a backup, or remove it to start over — the kept passwords are then lost.`
    expect(messages).toContain(problem)
    expect(readFileSync(join(dir, 'secret.key'))).toEqual(damaged)
    const host = (await json<Vm[]>(await call(vim, 'GET', '/vms'))).find((vm) => vm.name === 'kept-host')
    expect(host?.login).toMatchObject({ secretStored: false, secretProblem: problem })
    expect((await call(vim, 'GET', '/cluster')).status).toBe(200)
  })
})
