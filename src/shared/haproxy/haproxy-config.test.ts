import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_BALANCER_SETTINGS } from '../balancer/balancer-settings'
import {
  balanceLines,
  errorResponse,
  type HaproxyPlaneSpec,
  haproxyConfig,
  serverAddress,
  serverName,
} from './haproxy-config'
import { findHaproxy } from './haproxy-process'

const spec = (overrides: Partial<HaproxyPlaneSpec> = {}): HaproxyPlaneSpec => ({
  role: 'front',
  bind: { host: '127.0.0.1', port: 18080 },
  socketPath: '/tmp/acs/runtime.sock',
  trustedPeersPath: '/tmp/acs/trusted-peers.acl',
  errorFiles: { 502: '/tmp/acs/502.http', 503: '/tmp/acs/503.http', 504: '/tmp/acs/504.http' },
  algorithm: 'least-outstanding',
  healthPath: '/_agent/healthz',
  health: DEFAULT_BALANCER_SETTINGS.health,
  timeouts: DEFAULT_BALANCER_SETTINGS.timeouts,
  queue: DEFAULT_BALANCER_SETTINGS.queue,
  servers: [{ id: 'lab-1', host: '127.0.0.1', port: 40001, weight: 2 }],
  ...overrides,
})

describe('balanceLines', () => {
  it.each([
    ['least-outstanding', ['balance leastconn']],
    ['round-robin', ['balance roundrobin']],
    ['weighted', ['balance roundrobin']],
    ['random', ['balance random(1)']],
    ['consistent-hash', ['balance source', 'hash-type consistent']],
  ] as const)('maps %s', (algorithm, lines) => {
    expect(balanceLines(algorithm)).toEqual(lines)
  })
})

describe('haproxyConfig', () => {
  it('probes, times out and retries as the embedded plane does', () => {
    const text = haproxyConfig(spec())
    expect(text).toContain('option httpchk GET /_agent/healthz')
    expect(text).toContain('timeout connect 5000ms')
    expect(text).toContain('timeout check 1000ms')
    expect(text).toContain('retry-on conn-failure empty-response 503')
    expect(text).not.toContain('response-timeout')
    expect(text).toContain('option forwardfor')
    expect(text).toContain('server lab-1 127.0.0.1:40001 weight 2 maxconn 32 check inter 2000 fall 2 rise 2')
  })

  it('refuses /_agent paths on the front and routes them to the pages on an agent', () => {
    expect(haproxyConfig(spec())).toMatch(/http-request deny deny_status 404 if .*_agent/)
    const agent = haproxyConfig(
      spec({ role: 'agent', healthPath: '/healthz', agentPages: { host: '127.0.0.1', port: 4000 } }),
    )
    expect(agent).not.toContain('deny_status 404')
    expect(agent).toContain('use_backend agent_pages if { path,lower -m beg /_agent }')
    expect(agent).toContain('server pages 127.0.0.1:4000')
  })

  it('leaves the checks out when health checks are off', () => {
    const text = haproxyConfig(spec({ health: { ...DEFAULT_BALANCER_SETTINGS.health, enabled: false } }))
    expect(text).not.toContain(' check inter')
  })

  it('refuses names, hosts and paths that could be read as configuration', () => {
    expect(() => serverName('lab-1 backup')).toThrow(/cannot name an HAProxy server/)
    expect(() => serverName('a\nglobal')).toThrow()
    expect(() => serverAddress('evil host', 80)).toThrow(/not a host name/)
    expect(() => serverAddress('127.0.0.1', 0)).toThrow(/not a TCP port/)
    expect(serverAddress('::1', 80)).toBe('[::1]:80')
    expect(() => haproxyConfig(spec({ healthPath: '/x y' }))).toThrow(/health check path/)
    expect(() => haproxyConfig(spec({ socketPath: '/tmp/a b.sock' }))).toThrow(/not a path/)
  })

  it('writes raw error pages with the JSON body and, on an agent, the "not served here" marker', () => {
    const page = errorResponse(503, 'No container is ready', true)
    expect(page).toMatch(/^HTTP\/1.1 503 Service Unavailable\r\n/)
    expect(page).toContain('x-acs-unserved: no-backend')
    expect(page).toContain('Retry-After: 1')
    expect(page.split('\r\n\r\n')[1]).toBe(
      JSON.stringify({ error: { code: 'unavailable', message: 'No container is ready' } }),
    )
  })

  const binary = findHaproxy()
  it.skipIf(binary === undefined)(
    'is a configuration HAProxy accepts, for every algorithm and both roles',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'acs-haproxy-config-'))
      try {
        const files = { 502: join(dir, '502.http'), 503: join(dir, '503.http'), 504: join(dir, '504.http') }
        for (const [code, path] of Object.entries(files))
          writeFileSync(path, errorResponse(Number(code) as 503, 'x', false))
        writeFileSync(join(dir, 'trusted.acl'), '10.0.0.0/8\n')
        for (const algorithm of ['least-outstanding', 'round-robin', 'random', 'consistent-hash'] as const) {
          for (const role of ['front', 'agent'] as const) {
            const text = haproxyConfig(
              spec({
                role,
                algorithm,
                socketPath: join(dir, 'runtime.sock'),
                trustedPeersPath: join(dir, 'trusted.acl'),
                errorFiles: files,
                ...(role === 'agent' ? { agentPages: { host: '127.0.0.1', port: 4000 } } : {}),
              }),
            )
            writeFileSync(join(dir, 'haproxy.cfg'), text)
            const check = spawnSync(binary as string, ['-c', '-q', '-f', join(dir, 'haproxy.cfg')], {
              encoding: 'utf8',
            })
            expect(`${check.status} ${check.stderr}${check.stdout}`.trim()).toBe('0')
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )
})
