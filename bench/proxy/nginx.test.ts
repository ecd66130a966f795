// The generated nginx.conf: what it must say for a fair comparison, what it refuses, and (where nginx is
// installed) that nginx itself accepts it.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findNginx, nginxConfig } from './nginx'

const base = {
  prefix: '/tmp/acs-nginx-x',
  listenPort: 18080,
  upstreamPorts: [18081, 18082],
  workerProcesses: 1,
}

describe('nginxConfig', () => {
  it('runs one foreground worker whose files all stay in its own folder', () => {
    const config = nginxConfig(base)
    expect(config).toContain('daemon off;')
    expect(config).toContain('worker_processes 1;')
    expect(config).toContain('pid /tmp/acs-nginx-x/nginx.pid;')
    expect(config).toContain('error_log /tmp/acs-nginx-x/error.log warn;')
    for (const path of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
      expect(config).toContain(`${path}_temp_path /tmp/acs-nginx-x/${path};`)
    }
    expect(config).toContain('access_log off;')
  })

  it('balances two loopback backends with least_conn over kept-alive HTTP/1.1 connections', () => {
    const config = nginxConfig(base)
    expect(config).toMatch(
      /upstream backends \{\n\s+least_conn;\n\s+server 127\.0\.0\.1:18081;\n\s+server 127\.0\.0\.1:18082;\n\s+keepalive 64;\n\s+\}/,
    )
    expect(config).toContain('listen 127.0.0.1:18080;')
    expect(config).toContain('proxy_pass http://backends;')
    expect(config).toContain('proxy_http_version 1.1;')
    expect(config).toContain('proxy_set_header Connection "";')
  })

  it('takes worker_processes auto and a keepalive pool size', () => {
    const config = nginxConfig({ ...base, workerProcesses: 'auto', keepalive: 8 })
    expect(config).toContain('worker_processes auto;')
    expect(config).toContain('keepalive 8;')
  })

  it.each([
    [{ upstreamPorts: [] }, 'at least one upstream'],
    [{ listenPort: 0 }, 'not a TCP port: 0'],
    [{ upstreamPorts: [18081, 70000] }, 'not a TCP port: 70000'],
    [{ workerProcesses: 0 }, "worker_processes must be 'auto' or a whole number ≥ 1, not 0"],
  ])('refuses %o', (override, message) => {
    expect(() => nginxConfig({ ...base, ...override })).toThrow(message)
  })

  const nginx = findNginx()
  it.skipIf(!nginx)('is accepted by `nginx -t` (when nginx is installed)', async () => {
    const prefix = await mkdtemp(join(tmpdir(), 'acs-nginx-test-'))
    try {
      const file = join(prefix, 'nginx.conf')
      await writeFile(file, nginxConfig({ ...base, prefix }))
      const result = spawnSync(nginx!, ['-t', '-p', prefix, '-c', file, '-e', join(prefix, 'error.log')], {
        encoding: 'utf8',
        timeout: 10_000,
      })
      expect(result.stderr).toContain('test is successful')
      expect(result.status).toBe(0)
    } finally {
      await rm(prefix, { recursive: true, force: true })
    }
  })
})
