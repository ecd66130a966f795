// The pure parts of the Docker runtime: how an exit reads, how a Docker address is understood, what an
// unreachable engine says, and how an inspected container becomes a replica handle.
import type Docker from 'dockerode'
import { describe, expect, it } from 'vitest'
import { connectDocker, unreachableMessage } from './docker-connection'
import { exitReason } from './docker-exits'
import { cpuLimit, DockerRuntime, handleFromInspect } from './docker-runtime'

describe('exitReason', () => {
  it.each([
    [137, true, 'oom'],
    [137, false, 'killed'],
    [143, false, 'terminated'],
    [0, false, 'exited'],
    [1, false, 'crashed'],
    [null, false, 'crashed'],
  ])('exit %s (OOM killed: %s) reads %s', (code, oom, reason) => {
    expect(exitReason(code, oom)).toBe(reason)
  })
})

describe('connectDocker', () => {
  it.each([
    ['unix:///var/run/docker.sock', { socketPath: '/var/run/docker.sock' }, 'unix:///var/run/docker.sock'],
    ['/run/lab-2/docker.sock', { socketPath: '/run/lab-2/docker.sock' }, 'unix:///run/lab-2/docker.sock'],
    ['tcp://127.0.0.1:2375', { host: '127.0.0.1', port: 2375, protocol: 'http' }, 'tcp://127.0.0.1:2375'],
  ])('understands %s', (host, modem, address) => {
    const connection = connectDocker(host)
    expect(connection.address).toBe(address)
    expect(connection.docker.modem).toMatchObject(modem)
  })

  it('refuses an address it cannot use, with examples', () => {
    expect(() => connectDocker('ssh://lab-2')).toThrow('unix:///var/run/docker.sock or tcp://host:2375')
  })
})

describe('unreachableMessage', () => {
  it.each([
    ['ENOENT', 'is dockerd running?'],
    ['ECONNREFUSED', 'is dockerd running? (ECONNREFUSED)'],
    ['EACCES', "'docker' group"],
  ])('%s gives advice', (code, advice) => {
    const message = unreachableMessage('unix:///var/run/docker.sock', Object.assign(new Error('x'), { code }))
    expect(message).toContain('Docker is not reachable at unix:///var/run/docker.sock: ')
    expect(message).toContain(advice)
  })
})

describe('handleFromInspect', () => {
  const base = {
    Id: 'abc',
    Name: '/acs-lab-1-3f2a',
    Created: '2026-01-01T00:00:00Z',
    State: { Running: true, StartedAt: '2026-01-01T00:00:01Z' },
    Config: { Labels: { 'acs.port': '8080' } },
    HostConfig: { NetworkMode: 'bridge', NanoCpus: 250_000_000, Memory: 64 * 1024 * 1024 },
    NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }] } },
  }
  const inspect = (patch: object) => ({ ...base, ...patch }) as unknown as Docker.ContainerInspectInfo

  it('reads the published loopback port on the bridge network', () => {
    expect(handleFromInspect(inspect({}))).toEqual({
      id: 'abc',
      name: 'acs-lab-1-3f2a',
      host: '127.0.0.1',
      port: 32768,
      cpus: 0.25,
      memoryBytes: 64 * 1024 * 1024,
      startedAt: Date.parse('2026-01-01T00:00:01Z'),
      running: true,
    })
  })

  it('reads the assigned port from the label on the host network', () => {
    const host = inspect({
      Config: { Labels: { 'acs.port': '41234' } },
      HostConfig: { ...base.HostConfig, NetworkMode: 'host' },
      NetworkSettings: { Ports: {} },
    })
    expect(handleFromInspect(host)?.port).toBe(41234)
  })

  it('gives nothing when Docker has no port for it', () => {
    expect(handleFromInspect(inspect({ NetworkSettings: { Ports: {} } }))).toBeUndefined()
  })
})

describe('DockerRuntime.prepare', () => {
  it('explains an unreachable engine', async () => {
    const runtime = new DockerRuntime({
      vmName: 'lab-1',
      cluster: 'c0ffee01',
      serverSource: '',
      dockerHost: '/nonexistent/docker.sock',
    })
    await expect(runtime.prepare()).rejects.toThrow(
      'Docker is not reachable at unix:///nonexistent/docker.sock: the socket does not exist: is dockerd running?',
    )
    await runtime.close()
  })
})

describe('cpuLimit', () => {
  it("uses Docker's NanoCpus unless a period is asked for", () => {
    expect(cpuLimit(0.25)).toEqual({ NanoCpus: 250_000_000 })
  })

  it('sets a CFS quota over a shorter period', () => {
    expect(cpuLimit(0.1, 10)).toEqual({ CpuPeriod: 10_000, CpuQuota: 1_000 })
  })

  it("refuses a quota below the kernel's 1 ms", () => {
    expect(() => cpuLimit(0.1, 5)).toThrow("0.5 ms per period, below the kernel's 1 ms minimum")
  })

  it('reads the allotment back from a quota and period', () => {
    const info = {
      Id: 'abc',
      Name: '/acs-lab-1-3f2a',
      Created: '2026-01-01T00:00:00Z',
      State: { Running: true, StartedAt: '2026-01-01T00:00:01Z' },
      Config: { Labels: { 'acs.port': '8080' } },
      HostConfig: { NetworkMode: 'bridge', NanoCpus: 0, ...cpuLimit(0.2, 5), Memory: 64 * 1024 * 1024 },
      NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }] } },
    } as unknown as Docker.ContainerInspectInfo
    expect(handleFromInspect(info)?.cpus).toBeCloseTo(0.2)
  })
})
