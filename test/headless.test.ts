// Headless mode as a user meets it: `npm run serve`, the UI line, the token, the API and the stream.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  type HeadlessProcess,
  NO_CLUSTER,
  runToExit,
  startHeadless,
  testEnv,
} from './support/headless-process'

type ErrorBody = { error: { code: string; message: string } }

describe('npm run serve with ACS_TOKEN', () => {
  let vim: HeadlessProcess

  beforeAll(async () => {
    vim = await startHeadless(['--ui-port', '0', ...NO_CLUSTER], testEnv({ ACS_TOKEN: 'secret-token' }))
  })
  afterAll(() => vim?.stop())

  it('prints the UI line with the token, bound to loopback', () => {
    expect(vim.uiUrl.hostname).toBe('127.0.0.1')
    expect(vim.token).toBe('secret-token')
  })

  it('serves the renderer at / with a restrictive CSP', async () => {
    const response = await fetch(`${vim.baseUrl}/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/text\/html/)
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await response.text()).toContain('<div id="root">')
  })

  it('answers GET /api/v1/cluster with the token and 401 JSON without it', async () => {
    const withToken = await fetch(`${vim.baseUrl}/api/v1/cluster`, {
      headers: { Authorization: 'Bearer secret-token' },
    })
    expect(withToken.status).toBe(200)
    expect(Array.isArray(((await withToken.json()) as { vms: unknown }).vms)).toBe(true)

    for (const headers of [
      {},
      { Authorization: 'Bearer wrong' },
      { Authorization: 'secret-token' },
    ] as Record<string, string>[]) {
      const refused = await fetch(`${vim.baseUrl}/api/v1/cluster`, { headers })
      expect(refused.status).toBe(401)
      expect(((await refused.json()) as ErrorBody).error.code).toBe('unauthorized')
    }
  })

  it('keeps GET /api/v1/health public and answers unknown routes with JSON 404', async () => {
    const health = await fetch(`${vim.baseUrl}/api/v1/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ ok: true })

    const missing = await fetch(`${vim.baseUrl}/api/v1/nothing`, {
      headers: { Authorization: 'Bearer secret-token' },
    })
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as ErrorBody).error.message).toContain('/api/v1/nothing')
  })

  it('streams the cluster snapshot over the WebSocket once the token is proven', async () => {
    const ws = new WebSocket(`${vim.baseUrl.replace('http', 'ws')}/api/v1/stream`)
    const messages: { type: string; name?: string; data?: { vms: unknown[] } }[] = []
    const snapshot = new Promise((resolve, reject) => {
      ws.on('message', (data) => {
        messages.push(JSON.parse(data.toString()))
        if (messages.some((m) => m.name === 'cluster:snapshot')) resolve(undefined)
      })
      ws.on('close', (code) => reject(new Error(`closed ${code}`)))
    })
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: 'secret-token' })))
    await snapshot
    expect(messages[0]).toEqual({ type: 'ready' })
    expect(messages[1]?.data?.vms).toEqual([])
    ws.close()
  })

  it('closes the stream with 4401 on a wrong token', async () => {
    const ws = new WebSocket(`${vim.baseUrl.replace('http', 'ws')}/api/v1/stream`)
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: 'guess' })))
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      ws.on('close', (closeCode, closeReason) => resolve([closeCode, closeReason.toString()])),
    )
    expect(code).toBe(4401)
    expect(reason).toBe('wrong API token')
  })
})

describe('npm run serve without ACS_TOKEN', () => {
  it('generates a token once, keeps it in the data dir with mode 0600, and reuses it', async () => {
    const env = testEnv()
    const first = await startHeadless(['--ui-port', '0', ...NO_CLUSTER], env)
    const tokenFile = join(env.ACS_DATA_DIR, 'api-token')
    try {
      expect(first.token).toMatch(/^[A-Za-z0-9_-]{40,}$/)
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600)
    } finally {
      await first.stop({ keepData: true })
    }
    const second = await startHeadless(['--ui-port', '0', ...NO_CLUSTER], env)
    await second.stop()
    expect(second.token).toBe(first.token)
  })
})

describe('bad input', () => {
  it('refuses an unknown flag with one clear line and exit code 2', async () => {
    const result = await runToExit('npm', ['run', '--silent', 'serve', '--', '--bogus'], testEnv())
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toMatch(/^acs: Unknown option '--bogus'.*--help/)
  })

  it('says which port is taken and what to do', async () => {
    const busy = await startHeadless(['--ui-port', '0', ...NO_CLUSTER], testEnv({ ACS_TOKEN: 't' }))
    try {
      const result = await runToExit(
        'npm',
        ['run', '--silent', 'serve', '--', '--ui-port', busy.uiUrl.port, ...NO_CLUSTER],
        testEnv(),
      )
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`Port ${busy.uiUrl.port} on 127.0.0.1 is in use`)
    } finally {
      await busy.stop()
    }
  })
})

describe('npm start without a display', () => {
  it('says so in one line and falls back to headless mode with the UI line', async () => {
    const vim = await startHeadless(['--ui-port', '0', ...NO_CLUSTER], testEnv({ ACS_TOKEN: 't' }), 'start')
    try {
      expect(vim.output()).toMatch(
        /No display \(DISPLAY and WAYLAND_DISPLAY are unset\): starting headless mode/,
      )
      const response = await fetch(`${vim.baseUrl}/api/v1/cluster`, {
        headers: { Authorization: 'Bearer t' },
      })
      expect(response.status).toBe(200)
    } finally {
      await vim.stop()
    }
  })
})
