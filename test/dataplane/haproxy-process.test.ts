// HAProxy as its owner runs it: started with a generated configuration, answering through its Runtime
// API, restarted (with its servers) when its worker dies, and gone once stopped. Real HAProxy, a real
// HTTP backend on a free port.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_BALANCER_SETTINGS } from '../../src/shared/balancer/balancer-settings'
import { errorResponse, haproxyConfig } from '../../src/shared/haproxy/haproxy-config'
import {
  findHaproxy,
  freePort,
  HaproxyProcess,
  runtimeCommand,
} from '../../src/shared/haproxy/haproxy-process'
import { waitFor } from '../../src/shared/testing/poll'

const binary = findHaproxy()

const workerPid = async (socket: string) =>
  /^Pid: (\d+)/m.exec(await runtimeCommand(socket, 'show info'))?.[1]
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe.runIf(binary !== undefined)('the HAProxy process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-haproxy-process-'))
  let backend: Server | undefined
  let haproxy: HaproxyProcess | undefined

  afterAll(async () => {
    await haproxy?.stop(1_000)
    backend?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves through its configuration, comes back when its worker is killed, and stops with its owner', async () => {
    backend = createServer((_req, res) => {
      res.writeHead(200, { 'X-Served-By': 'vm-a/c1' })
      res.end('ok')
    })
    await new Promise<void>((resolve) => backend?.listen(0, '127.0.0.1', resolve))
    const backendPort = (backend.address() as AddressInfo).port
    const port = await freePort('127.0.0.1')
    const socket = join(dir, 'runtime.sock')
    const errorFiles = { 502: join(dir, '502.http'), 503: join(dir, '503.http'), 504: join(dir, '504.http') }
    for (const status of [502, 503, 504] as const)
      writeFileSync(errorFiles[status], errorResponse(status, 'x', false))
    writeFileSync(join(dir, 'trusted.acl'), '')
    const config = haproxyConfig({
      role: 'front',
      bind: { host: '127.0.0.1', port },
      socketPath: socket,
      trustedPeersPath: join(dir, 'trusted.acl'),
      errorFiles,
      algorithm: 'least-outstanding',
      healthPath: '/healthz',
      health: DEFAULT_BALANCER_SETTINGS.health,
      timeouts: DEFAULT_BALANCER_SETTINGS.timeouts,
      queue: DEFAULT_BALANCER_SETTINGS.queue,
      servers: [{ id: 'vm-a', host: '127.0.0.1', port: backendPort, weight: 1 }],
    })
    const lines: string[] = []
    let restarted = 0
    haproxy = new HaproxyProcess({
      binary: binary as string,
      configPath: join(dir, 'haproxy.cfg'),
      pidPath: join(dir, 'haproxy.pid'),
      socketPath: socket,
      onOutput: (line) => lines.push(line),
      onRestarted: () => restarted++,
    })
    await haproxy.start(config)
    const first = await fetch(`http://127.0.0.1:${port}/`)
    expect(first.status).toBe(200)
    expect(first.headers.get('x-served-by')).toBe('vm-a/c1')

    const worker = Number(await workerPid(socket))
    process.kill(worker, 'SIGKILL')
    await waitFor('HAProxy back with a new worker', async () => (restarted > 0 ? true : undefined), 10_000)
    expect(Number(await workerPid(socket))).not.toBe(worker)
    expect((await fetch(`http://127.0.0.1:${port}/`)).headers.get('x-served-by')).toBe('vm-a/c1')
    expect(lines.join('\n')).toMatch(/HAProxy exited .*; restarting in \d+ ms/)

    const master = haproxy.pid as number
    await haproxy.stop(1_000)
    expect(alive(master)).toBe(false)
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow()
  }, 30_000)
})
