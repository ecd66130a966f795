// The generated haproxy.cfg: what it must say for a fair comparison, what it refuses, and (where HAProxy
// is installed) that HAProxy itself accepts it.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findHaproxy, haproxyConfig } from './haproxy'

const base = { listenPort: 18080, upstreamPorts: [18081, 18082], threads: 1 }

describe('haproxyConfig', () => {
  it('balances two loopback backends with leastconn on one thread, reusing server connections', () => {
    const config = haproxyConfig(base)
    expect(config).toContain('  nbthread 1\n')
    expect(config).toContain('  bind 127.0.0.1:18080\n')
    expect(config).toMatch(
      /balance leastconn\n\s+http-reuse always\n\s+server backend-1 127\.0\.0\.1:18081\n\s+server backend-2 127\.0\.0\.1:18082\n/,
    )
    expect(config).toContain('option forwardfor')
  })

  it.each([
    [{ upstreamPorts: [] }, 'at least one upstream'],
    [{ listenPort: 0 }, 'not a TCP port: 0'],
    [{ threads: 0 }, 'nbthread must be a whole number ≥ 1, not 0'],
  ])('refuses %o', (override, message) => {
    expect(() => haproxyConfig({ ...base, ...override })).toThrow(message)
  })

  const haproxy = findHaproxy()
  it.skipIf(!haproxy)('is accepted by `haproxy -c` (when HAProxy is installed)', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'acs-haproxy-test-'))
    try {
      const file = join(folder, 'haproxy.cfg')
      await writeFile(file, haproxyConfig(base))
      const result = spawnSync(haproxy!, ['-c', '-f', file], { encoding: 'utf8', timeout: 10_000 })
      expect(result.status, result.stdout + result.stderr).toBe(0)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})
