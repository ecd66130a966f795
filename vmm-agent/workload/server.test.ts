// The workload server in-process: routes, the X-Served-By header, the CPU cost of a request, session
// validation and duty cycle, and the graceful close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../../src/shared/testing/poll'
import { type RunningWorkload, readWorkloadConfig, startWorkloadServer } from './server'

const servedBy = 'lab-1/acs-lab-1-test'
let workload: RunningWorkload
let base: string

beforeAll(async () => {
  workload = await startWorkloadServer({ port: 0, host: '127.0.0.1', servedBy, cpuMs: 15, cpus: 0.5 })
  base = `http://127.0.0.1:${workload.port}`
})

afterAll(async () => {
  await workload.close()
})

describe('readWorkloadConfig', () => {
  it('has the documented defaults', () => {
    expect(readWorkloadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      servedBy: 'unknown',
      cpuMs: 20,
      cpus: 1,
    })
  })

  it('reads the environment the runtime sets', () => {
    const env = { PORT: '9000', SERVED_BY: servedBy, CPU_MS: '5', CPUS: '0.25', HOST: '127.0.0.1' }
    expect(readWorkloadConfig(env)).toEqual({ port: 9000, host: '127.0.0.1', servedBy, cpuMs: 5, cpus: 0.25 })
  })

  it.each([
    ['PORT', 'http'],
    ['CPU_MS', '-1'],
    ['CPUS', '0'],
  ])('rejects %s=%s with the variable name', (name, value) => {
    expect(() => readWorkloadConfig({ [name]: value })).toThrow(name)
  })
})

describe('workload server', () => {
  it('GET / spends the configured CPU and names who served it', async () => {
    const res = await fetch(`${base}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-served-by')).toBe(servedBy)
    const body = (await res.json()) as { servedBy: string; cpuMs: number }
    expect(body.servedBy).toBe(servedBy)
    expect(body.cpuMs).toBeGreaterThanOrEqual(15)
  })

  it('answers /healthz, 404 on unknown paths and 405 on other methods, always with X-Served-By', async () => {
    const health = await fetch(`${base}/healthz`)
    expect(health.status).toBe(200)
    expect(health.headers.get('x-served-by')).toBe(servedBy)
    const missing = await fetch(`${base}/nope`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('x-served-by')).toBe(servedBy)
    const post = await fetch(`${base}/`, { method: 'POST', body: 'x' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
  })

  it.each([
    '',
    'seconds',
    'seconds=',
    'seconds=abc',
    'seconds=0',
    'seconds=-1',
    'seconds=601',
    'seconds=1e2',
  ])('/session?%s is a clear 400', async (query) => {
    const res = await fetch(`${base}/session?${query}`)
    expect(res.status).toBe(400)
    expect(res.headers.get('x-served-by')).toBe(servedBy)
    expect(((await res.json()) as { error: string }).error).toContain('seconds must be')
  })

  it('a session lasts its seconds, holds a quarter core at CPUS=0.5, and leaves room for /healthz', async () => {
    const started = Date.now()
    const session = fetch(`${base}/session?seconds=0.6`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const healthStarted = Date.now()
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    // Sessions yield every ≤ 40 ms of CPU; the bound is loose for a loaded test machine.
    expect(Date.now() - healthStarted).toBeLessThan(400)
    const res = await session
    const body = (await res.json()) as { session: { seconds: number; cpuMs: number; interrupted: boolean } }
    const elapsed = Date.now() - started
    expect(res.headers.get('x-served-by')).toBe(servedBy)
    expect(elapsed).toBeGreaterThanOrEqual(600)
    expect(elapsed).toBeLessThan(1500)
    // Half of 0.5 cores over 0.6 s is 150 ms of CPU (less if the machine is busy).
    expect(body.session.cpuMs).toBeGreaterThan(75)
    expect(body.session.cpuMs).toBeLessThan(200)
    expect(body.session.interrupted).toBe(false)
  })

  it('a session sends its head at once and a newline while it lasts, then JSON that parses', async () => {
    const chatty = await startWorkloadServer(
      { port: 0, host: '127.0.0.1', servedBy, cpuMs: 1, cpus: 0.2 },
      { sessionHeartbeatMs: 100 },
    )
    const started = Date.now()
    const res = await fetch(`http://127.0.0.1:${chatty.port}/session?seconds=0.5`)
    // The head arrives long before the session ends: a proxy's response-head timeout never fires.
    expect(Date.now() - started).toBeLessThan(300)
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toMatch(/^\n{3,5}\{/)
    expect(JSON.parse(text)).toMatchObject({ servedBy, session: { interrupted: false } })
    await chatty.close()
  })

  it('close() ends running sessions early with an answer and stops accepting', async () => {
    const other = await startWorkloadServer({ port: 0, host: '127.0.0.1', servedBy, cpuMs: 1, cpus: 0.2 })
    const url = `http://127.0.0.1:${other.port}`
    const session = fetch(`${url}/session?seconds=30`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = Date.now()
    await other.close()
    expect(Date.now() - started).toBeLessThan(500)
    const body = (await (await session).json()) as { session: { interrupted: boolean } }
    expect(body.session.interrupted).toBe(true)
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
  })
})

describe('the workload’s access log', () => {
  it('says each second what it served, health checks apart, and each session that starts', async () => {
    const lines: string[] = []
    const logged = await startWorkloadServer(
      { port: 0, host: '127.0.0.1', servedBy: 'lab-1/acs-log', cpuMs: 1, cpus: 0.5 },
      { log: (line) => lines.push(line) },
    )
    try {
      const base = `http://127.0.0.1:${logged.port}`
      for (const path of ['/', '/', '/healthz', '/nope']) await (await fetch(`${base}${path}`)).text()
      await (await fetch(`${base}/session?seconds=0.05`)).text()
      // The requests may straddle a second: together the lines count all four, and never a health check.
      const served = () =>
        lines.reduce((sum, l) => sum + Number(/^served (\d+) request/.exec(l)?.[1] ?? 0), 0)
      await until('the access lines', () => served() === 4, 3000)
      expect(lines).toContain('session of 0.05 s started')
      for (const line of lines.filter((l) => l.startsWith('served')))
        expect(line).toMatch(
          /^served \d+ requests? in 1 s: GET \/\S* ×\d+(, GET \/\S* ×\d+)*; \d+ sessions? running, [01] health checks?$/,
        )
      expect(lines.join('\n')).toMatch(/GET \/nope ×1/)
    } finally {
      await logged.close()
    }
  })
})
