// The control API's edge against a real headless VIM: which Host and Origin it answers, malformed
// paths, the limit on failed authentication, and the warning when it listens beyond loopback.
import { networkInterfaces } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type HeadlessProcess, NO_CLUSTER, startHeadless, testEnv } from '../support/headless-process'
import { type RawRequest, rawRequest } from '../support/raw-http'

/** A raw HTTP request, so that Host and the source address are what the test says (fetch hides both). */
const send = (port: number, path: string, options: Omit<RawRequest, 'host'> = {}) =>
  rawRequest(port, path, options)

type StreamOutcome = { refused: number; body: string } | { closed: number; reason: string } | { ready: true }

/** Opens the UI stream, sends `token` as the auth message, and says how it ended. */
function openStream(
  port: number,
  options: { headers?: Record<string, string>; token?: string; from?: string },
): Promise<StreamOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`, {
      headers: options.headers,
      localAddress: options.from,
    })
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ refused: res.statusCode ?? 0, body }))
    })
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: options.token ?? '' })))
    ws.on('message', (data) => {
      if (JSON.parse(data.toString()).type === 'ready') {
        resolve({ ready: true })
        ws.close()
      }
    })
    ws.on('close', (code, reason) => resolve({ closed: code, reason: reason.toString() }))
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error)
    })
  })
}

const STACK_LINE = /^\s+at .+[:(]\d+/m

describe('control API edge (loopback bind)', () => {
  let vim: HeadlessProcess
  let port: number
  const auth = () => ({ Authorization: `Bearer ${vim.token}` })

  beforeAll(async () => {
    vim = await startHeadless(
      ['--ui-port', '0', ...NO_CLUSTER, '--allowed-host', 'vim.lab.example'],
      testEnv({ ACS_ALLOWED_HOSTS: 'acs.internal.example' }),
    )
    port = Number(vim.uiUrl.port)
  })
  afterAll(() => vim?.stop())

  it('refuses a foreign Host with 421 and says how to allow it, before auth and for the UI too', async () => {
    for (const path of ['/api/v1/cluster', '/', '/api/v1/health']) {
      const reply = await send(port, path, {
        headers: { Host: `rebind.attacker.example:${port}`, ...auth() },
      })
      expect(reply.status).toBe(421)
      const { error } = JSON.parse(reply.body)
      expect(error.message).toContain('rebind.attacker.example')
      expect(error.message).toContain('--allowed-host')
    }
  })

  it('answers the bound address, localhost, [::1] and the configured names', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      `vim.lab.example:${port}`,
      'acs.internal.example',
    ]) {
      const reply = await send(port, '/api/v1/cluster', { headers: { Host: host, ...auth() } })
      expect({ host, status: reply.status }).toEqual({ host, status: 200 })
    }
  })

  it('refuses the stream under a foreign Host or from a foreign Origin; its own UI and plain clients get in', async () => {
    const foreignHost = await openStream(port, { headers: { Host: `rebind.attacker.example:${port}` } })
    expect(foreignHost).toMatchObject({ refused: 421 })

    for (const origin of [`http://attacker.example:${port}`, 'http://127.0.0.1:1', 'null']) {
      const foreign = await openStream(port, { headers: { Origin: origin }, token: vim.token })
      expect(foreign).toMatchObject({ refused: 403 })
      expect((foreign as { body: string }).body).toContain('only this VIM')
    }
    expect(
      await openStream(port, { headers: { Origin: `http://127.0.0.1:${port}` }, token: vim.token }),
    ).toEqual({
      ready: true,
    })
    expect(await openStream(port, { token: vim.token })).toEqual({ ready: true })
  })

  it('refuses a state-changing request from a foreign page, even with the token', async () => {
    const reply = await send(port, '/api/v1/traffic/stop', {
      method: 'POST',
      headers: { Origin: 'http://attacker.example', ...auth() },
    })
    expect(reply.status).toBe(403)
  })

  it('answers a malformed percent-encoding with 400 JSON after auth (401 without), never a stack trace', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/vms/%E0%A4%A/deploy'],
      ['POST', '/api/v1/vms/%zz/start'],
      ['DELETE', '/api/v1/vms/%E0%A4%A'],
    ] as const) {
      const anonymous = await send(port, path, { method })
      expect(anonymous.status).toBe(401)
      expect(anonymous.body).not.toContain('percent')
      const reply = await send(port, path, { method, headers: auth() })
      expect({ path, status: reply.status }).toEqual({ path, status: 400 })
      expect(JSON.parse(reply.body).error.message).toContain('malformed percent-encoding')
      expect(reply.body).not.toMatch(STACK_LINE)
    }
    for (const path of ['/%', '/assets/%E0%A4%A.js']) {
      const reply = await send(port, path)
      expect({ path, status: reply.status }).toEqual({ path, status: 400 })
      expect(reply.body).not.toMatch(STACK_LINE)
    }
    expect(vim.output()).not.toMatch(STACK_LINE)
    expect(vim.output()).not.toContain('URIError')
  })

  it('answers the 11th wrong token from one address with 429 and Retry-After; others still get in', async () => {
    const attacker = '127.0.0.2'
    const guess = (i: number) => ({ Authorization: `Bearer guess-${i}` })
    for (let i = 1; i <= 10; i++) {
      expect((await send(port, '/api/v1/cluster', { headers: guess(i), from: attacker })).status).toBe(401)
    }
    const limited = await send(port, '/api/v1/cluster', { headers: guess(11), from: attacker })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60)
    expect(JSON.parse(limited.body).error.message).toMatch(/try again in \d+ s/)
    // Even the right token: otherwise guessing could go on, with the 429 hiding only the misses.
    expect((await send(port, '/api/v1/cluster', { headers: auth(), from: attacker })).status).toBe(429)
    expect((await send(port, '/metrics', { headers: auth(), from: attacker })).status).toBe(429)
    expect(await openStream(port, { token: vim.token, from: attacker })).toMatchObject({ closed: 4429 })

    expect((await send(port, '/api/v1/cluster', { headers: auth(), from: '127.0.0.3' })).status).toBe(200)
    expect(await openStream(port, { token: vim.token, from: '127.0.0.3' })).toEqual({ ready: true })
    expect((await send(port, '/api/v1/health', { from: attacker })).status).toBe(200)
  })

  it('does not lock out a page that repeats one stale token', async () => {
    const stale = { Authorization: 'Bearer stale-token-from-an-old-link' }
    for (let i = 1; i <= 15; i++) {
      expect((await send(port, '/api/v1/cluster', { headers: stale, from: '127.0.0.5' })).status).toBe(401)
    }
    expect((await send(port, '/api/v1/cluster', { headers: auth(), from: '127.0.0.5' })).status).toBe(200)
  })

  it('closes a stream whose first message is not an auth object, and keeps serving', async () => {
    for (const first of ['null', '42', '"auth"', '[]', 'not json']) {
      const outcome = await new Promise<{ code: number }>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`, { localAddress: '127.0.0.6' })
        ws.on('open', () => ws.send(first))
        ws.on('close', (code) => resolve({ code }))
        ws.on('error', reject)
      })
      expect({ first, code: outcome.code }).toEqual({ first, code: first === 'not json' ? 4400 : 4401 })
    }
    expect((await send(port, '/api/v1/cluster', { headers: auth() })).status).toBe(200)
  })

  it('counts wrong tokens on the stream too', async () => {
    const attacker = '127.0.0.4'
    for (let i = 1; i <= 10; i++) {
      expect(await openStream(port, { token: `guess-${i}`, from: attacker })).toMatchObject({ closed: 4401 })
    }
    expect(await openStream(port, { token: 'guess-11', from: attacker })).toMatchObject({ closed: 4429 })
    expect((await send(port, '/api/v1/cluster', { headers: auth(), from: attacker })).status).toBe(429)
  })
})

describe('control API on every interface', () => {
  let vim: HeadlessProcess

  beforeAll(async () => {
    vim = await startHeadless(['--host', '0.0.0.0', '--ui-port', '0', ...NO_CLUSTER])
  })
  afterAll(() => vim?.stop())

  it('warns on stderr and in the event log that the cluster is reachable from the network', async () => {
    const port = Number(vim.uiUrl.port)
    // stderr and stdout are separate pipes: the warning, written first, may arrive just after the UI line.
    await expect.poll(() => vim.output(), { timeout: 5000 }).toContain('reachable from the network')
    expect(vim.output()).toMatch(
      /warn .*reachable from the network at every address of this machine \(0\.0\.0\.0\)/,
    )
    expect(vim.output()).toContain('anyone who can reach them and holds the API token controls the cluster')
    const events = await send(port, '/api/v1/events', { headers: { Authorization: `Bearer ${vim.token}` } })
    expect(JSON.parse(events.body).map((e: { message: string }) => e.message)).toContainEqual(
      expect.stringContaining('reachable from the network'),
    )
  })

  it('offers agents hub URLs of this machine’s network addresses, never loopback', async () => {
    const port = Number(vim.uiUrl.port)
    const reply = await send(port, '/api/v1/hub', { headers: { Authorization: `Bearer ${vim.token}` } })
    const hub = JSON.parse(reply.body) as { url: string; joinUrls: string[] }
    const lanAddresses = Object.values(networkInterfaces())
      .flatMap((entries) => entries ?? [])
      .filter((entry) => entry.family === 'IPv4' && !entry.internal)
      .map((entry) => entry.address)
    expect(hub.joinUrls.map((url) => new URL(url).hostname).sort()).toEqual(lanAddresses.sort())
    expect(hub.url).toMatch(/^wss:\/\/127\.0\.0\.1:/)
  })
})

describe('control API on loopback', () => {
  it('prints no exposure warning', async () => {
    const vim = await startHeadless(['--ui-port', '0', ...NO_CLUSTER])
    try {
      // The line after the point where the warning would be, on the same stream (stderr).
      await expect.poll(() => vim.output(), { timeout: 5000 }).toContain('data directory')
      expect(vim.output()).not.toContain('reachable from the network')
    } finally {
      await vim.stop()
    }
  })
})
