// The whole flow on three lab hosts (network namespaces with their own sshd and Docker Engine, no
// internet): the VIM in headless mode adds them through the API, deploys the agent over SSH, sends
// traffic through its front proxy to all three, scales them under a bounded load, and uninstalls cleanly.
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import type { DeployProgress, DeployState } from '../../src/shared/domain/provision'
import { waitFor } from '../support/agent-process'
import { type HeadlessProcess, startHeadless, testEnv } from '../support/headless-process'
import { type Lab, labAvailable, startLab } from '../support/lab-hosts'
import { shouldRun } from '../support/services'

const lab = labAvailable()
const run = shouldRun('ssh', lab.ok, lab.ok ? '' : lab.reason)

describe.runIf(run)('a cluster of three SSH hosts deployed from the VIM', () => {
  let hosts: Lab
  let vim: HeadlessProcess

  const api = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
    const response = await fetch(`${vim.baseUrl}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: { Authorization: `Bearer ${vim.token}`, 'Content-Type': 'application/json' },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    })
    const body = (await response.json()) as T
    if (!response.ok)
      throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`)
    return body
  }
  const cluster = () => api<ClusterSnapshot>('/cluster')
  const finished = (id: string, timeoutMs: number) =>
    waitFor(
      `${id}'s operation to finish`,
      async () => {
        const { progress } = await api<DeployState>(`/vms/${id}/deploy`)
        return progress && progress.state !== 'running' ? progress : undefined
      },
      timeoutMs,
    )
  const describeFailure = (progress: DeployProgress, log: DeployState['log']) =>
    `${progress.vmId} ${progress.operation} ${progress.state}: ${progress.error}\n${log
      .slice(-40)
      .map((line) => `${line.step}> ${line.text}`)
      .join('\n')}`

  beforeAll(async () => {
    hosts = await startLab({ hosts: 3 })
    // Bound to the lab's gateway: the address the hosts reach the hub and the front proxy at.
    vim = await startHeadless(
      ['--lab', '0', '--host', hosts.gateway, '--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'],
      testEnv({ ACS_TOKEN: 'ssh-cluster-token' }),
    )
  }, 120_000)
  afterAll(async () => {
    await vim?.stop()
    await hosts?.stop()
  }, 120_000)

  it('adds the three hosts and deploys an agent to each over SSH', async () => {
    for (const host of hosts.hosts) {
      const vm = await api<{ name: string; provider: string }>('/vms', {
        method: 'POST',
        body: {
          provider: 'ssh',
          name: host.name,
          address: host.address,
          user: hosts.users.admin.user,
          auth: 'key',
          keyPath: hosts.users.admin.keyFile,
          capacity: 3,
        },
      })
      expect(vm).toMatchObject({ name: host.name, provider: 'ssh' })
    }
    // All three at once, as a user clicking "Deploy agent" on each row would.
    for (const host of hosts.hosts) await api(`/vms/${host.name}/deploy`, { method: 'POST', body: {} })
    for (const host of hosts.hosts) {
      const progress = await finished(host.name, 240_000)
      const { log } = await api<DeployState>(`/vms/${host.name}/deploy`)
      expect(progress.state, describeFailure(progress, log)).toBe('succeeded')
      // Node is hidden on lab hosts, so the VIM uploaded its own (no step reached the internet).
      expect(log.some((line) => /node/i.test(line.step) && /upload/i.test(line.text))).toBe(true)
    }
    const snapshot = await waitFor(
      'three ready VMs, each with a container',
      async () => {
        const now = await cluster()
        const ready = now.vms.filter(
          (vm) => vm.agent && vm.containers.some((c) => c.state === 'ready') && vm.provider === 'ssh',
        )
        return ready.length === 3 ? now : undefined
      },
      120_000,
    )
    expect(snapshot.vms.map((vm) => vm.name).sort()).toEqual(hosts.hosts.map((h) => h.name).sort())
    // Each agent joined with the key its deploy installed, trusted before the agent started.
    for (const vm of snapshot.vms) expect(vm.agentKey).toMatchObject({ how: 'deployed' })
    // Each agent runs its containers in its own host's Docker Engine.
    for (const host of hosts.hosts) expect(managedContainers(host.dockerSocket).length).toBeGreaterThan(0)
  }, 600_000)

  it('serves traffic through the front proxy from all three hosts', async () => {
    const { proxyUrl } = await cluster()
    const servedBy = new Set<string>()
    await waitFor(
      'responses from all three hosts',
      async () => {
        const response = await fetch(`${proxyUrl}/`)
        await response.arrayBuffer()
        const header = response.headers.get('x-served-by') ?? ''
        const host = hosts.hosts.find((h) => header.includes(h.name))
        if (response.ok && host) servedBy.add(host.name)
        return servedBy.size === 3 ? true : undefined
      },
      30_000,
    )
    expect([...servedBy].sort()).toEqual(hosts.hosts.map((h) => h.name).sort())
  }, 60_000)

  it('grows replicas across hosts under a bounded load', async () => {
    const before = (await cluster()).vms.reduce((n, vm) => n + vm.containers.length, 0)
    await api('/traffic', {
      method: 'POST',
      body: {
        pattern: { kind: 'steady', rate: 4 },
        durationSeconds: 45,
        path: '/session?seconds=3',
        maxRequests: 400,
      },
    })
    const grown = await waitFor(
      'more replicas on more than one host',
      async () => {
        const now = await cluster()
        const total = now.vms.reduce((n, vm) => n + vm.containers.length, 0)
        const hostsGrown = now.vms.filter((vm) => vm.containers.length > 1).length
        return total > before && hostsGrown >= 2 ? now : undefined
      },
      90_000,
    )
    expect(grown.vms.reduce((n, vm) => n + vm.containers.length, 0)).toBeGreaterThan(before)
    await api('/traffic/stop', { method: 'POST', body: {} })
  }, 120_000)

  it('uninstalls every agent and leaves no unit, file or managed container behind', async () => {
    for (const host of hosts.hosts)
      await api(`/vms/${host.name}/uninstall`, { method: 'POST', body: { removeContainers: true } })
    for (const host of hosts.hosts) {
      const progress = await finished(host.name, 120_000)
      const { log } = await api<DeployState>(`/vms/${host.name}/deploy`)
      expect(progress, describeFailure(progress, log)).toMatchObject({
        operation: 'uninstall',
        state: 'succeeded',
      })
      expect(managedContainers(host.dockerSocket)).toEqual([])
      expect(
        onHost(hosts, host.address, ['sh', '-c', 'ls -A /opt/auto-cloud-scaler 2>/dev/null; true']),
      ).toBe('')
      expect(onHost(hosts, host.address, ['sudo', '-n', 'sh', '-c', AGENTS_HERE])).toBe('')
    }
  }, 300_000)
})

/**
 * Agent processes on this host: lab hosts share one process table, so only those in the host's own mount
 * namespace count ('[.]' keeps pgrep from matching this very command line).
 */
const AGENTS_HERE =
  'for p in $(pgrep -f "vmm-agent[.]mjs|agent-supervisor[.]sh"); do ' +
  '[ "$(readlink /proc/$p/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ] && echo "$p"; done; true'

/** The agent's containers in one lab host's Docker Engine (ids), through its socket in the root namespace. */
function managedContainers(socket: string | undefined): string[] {
  if (!socket) throw new Error('the lab host has no Docker Engine')
  const out = execFileSync('docker', ['-H', `unix://${socket}`, 'ps', '-aq', '--filter', 'label=acs.vm'], {
    encoding: 'utf8',
  })
  return out.split('\n').filter(Boolean)
}

/** Runs a command on a lab host as its admin user, over the lab's own SSH key. */
function onHost(lab: Lab, address: string, argv: string[]): string {
  return execFileSync(
    'ssh',
    [
      '-i',
      lab.users.admin.keyFile,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-o',
      'BatchMode=yes',
      `${lab.users.admin.user}@${address}`,
      '--',
      ...argv.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`),
    ],
    { encoding: 'utf8' },
  ).trim()
}
