// The happy path on real lab hosts (each with its own sshd and Docker Engine, no Node, no internet, no
// systemd): deploy as a sudo user, so that the VIM uploads its own Node; the agent connects to a real hub
// and runs a container in that host's engine; a redeploy uploads nothing; uninstall leaves nothing
// behind. Then the same without sudo, into the user's home directory.
import { execFileSync } from 'node:child_process'
import { chmodSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentKeys } from '../../src/main/hub/agent-keys'
import { waitFor } from '../support/agent-process'
import { connectLabHost, type Lab, type LabHost, labAvailable, startLab } from '../support/lab-hosts'
import { shouldRun } from '../support/services'
import { type DeployBench, deployBench, explain } from '../support/ssh-deploy'

const lab = labAvailable()
const run = shouldRun('ssh', lab.ok, lab.ok ? '' : lab.reason)

/** The agent's containers in the host's own engine, through its socket as the machine sees it. */
function managedContainers(host: LabHost): string[] {
  const out = execFileSync(
    'docker',
    ['-H', `unix://${host.dockerSocket}`, 'ps', '-aq', '--filter', 'label=acs.managed-by=vmm-agent'],
    { encoding: 'utf8' },
  )
  return out.split('\n').filter(Boolean)
}

describe.runIf(run)('deploying the agent to a lab host over SSH', () => {
  let hosts: Lab
  let bench: DeployBench
  let host: LabHost
  const vm = 'deploy-h1'

  beforeAll(async () => {
    hosts = await startLab({ hosts: 2 })
    host = hosts.hosts[0] as LabHost
    bench = await deployBench(hosts)
    bench.target(vm, host, hosts.users.admin)
  }, 120_000)
  afterAll(async () => {
    await bench?.close()
    await hosts?.stop()
  }, 120_000)

  it('deploys with the VIM’s own Node; the agent says hello and runs a container in the host’s engine', async () => {
    const started = Date.now()
    const first = await bench.service.start({ id: vm, installDocker: false })
    expect(first).toMatchObject({ vmId: vm, operation: 'deploy', state: 'running' })
    const state = await bench.finished(vm)
    expect(state.progress?.state, explain(state)).toBe('succeeded')
    const steps = Object.fromEntries(state.progress?.steps.map((s) => [s.id, s]) ?? [])
    expect(steps.connect?.detail).toContain('(trusted on first use)')
    expect(steps.node?.detail).toMatch(/Node.js is not installed: the VIM's Node v\d+.* will be uploaded/)
    expect(steps.upload?.detail).toMatch(/uploaded vmm-agent\.mjs, node, agent-supervisor\.sh, version/)
    expect(steps.config?.detail).toContain(`hub wss://${hosts.gateway}:`)
    expect(steps.service?.detail).toMatch(/started under the supervisor \(pid \d+\) as root/)
    // Upload progress is in the log, a few lines per file, and the join token never is.
    const progressLines = state.log.filter((l) => l.step === 'upload' && /^node: .*%\)/.test(l.text))
    expect(progressLines.length).toBeGreaterThan(0)
    expect(progressLines.length).toBeLessThanOrEqual(4)
    expect(JSON.stringify(state)).not.toContain('test-join-token')
    console.info(`deploy with Node upload: ${((Date.now() - started) / 1000).toFixed(1)} s`)

    const session = bench.hub.sessions().find((s) => s.vmName === vm)
    expect(session?.remoteAddress).toBe(host.address)
    // The deploy installed the agent's own key and the VIM trusted it before the agent started.
    expect(steps.config?.detail).toMatch(/new agent key SHA256:\S+ in \/opt\/auto-cloud-scaler\/agent\.key$/)
    expect(AgentKeys.load(bench.dataDir).get(vm)).toMatchObject({
      how: 'deployed',
      fingerprint: session?.keyFingerprint,
    })
    await waitFor(
      'a container in the host’s engine',
      async () => (managedContainers(host).length > 0 ? true : undefined),
      90_000,
    )
    const status = await waitFor(
      "the agent's load balancer on the host's address",
      async () => {
        // From off the VM, the status page needs the agent's credential (its join token).
        const response = await fetch(`http://${host.address}:8000/_agent/status`, {
          headers: { Authorization: `Bearer ${bench.joinToken}` },
        })
        return response.ok ? ((await response.json()) as { name: string; mode: string }) : undefined
      },
      30_000,
    )
    expect(status).toMatchObject({ name: vm, mode: 'following' })
  }, 300_000)

  it('redeploys as an upgrade that uploads nothing and restarts the agent', async () => {
    const started = Date.now()
    await bench.service.start({ id: vm, installDocker: false })
    const state = await bench.finished(vm)
    expect(state.progress?.state, explain(state)).toBe('succeeded')
    expect(state.progress?.operation).toBe('upgrade')
    const steps = Object.fromEntries(state.progress?.steps.map((s) => [s.id, s]) ?? [])
    expect(steps.upload?.detail).toBe(
      'nothing to upload; unchanged: vmm-agent.mjs, node, agent-supervisor.sh, version',
    )
    expect(steps.service?.detail).toMatch(/^restarted under the supervisor/)
    console.info(`redeploy, nothing to upload: ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }, 300_000)

  it('refuses a second operation on the same VM while one runs', async () => {
    await bench.service.start({ id: vm, installDocker: false })
    await expect(bench.service.uninstall({ id: vm, removeContainers: true })).rejects.toMatchObject({
      code: 'conflict',
    })
    const state = await bench.finished(vm)
    expect(state.progress?.state, explain(state)).toBe('succeeded')
  }, 300_000)

  it('uninstalls: no supervisor or agent process, no file, no managed container is left', async () => {
    await bench.service.uninstall({ id: vm, removeContainers: true })
    const state = await bench.finished(vm, 120_000)
    expect(state.progress, explain(state)).toMatchObject({ operation: 'uninstall', state: 'succeeded' })
    const steps = Object.fromEntries(state.progress?.steps.map((s) => [s.id, s]) ?? [])
    expect(steps.containers?.detail).toMatch(/^removed \d+ container/)
    expect(steps.verify?.detail).toMatch(/^Nothing is left on .*no managed container$/)
    expect(managedContainers(host)).toEqual([])
  }, 180_000)

  it('deploys without sudo into the home directory when the user can use Docker, and uninstalls it', async () => {
    const home = hosts.hosts[1] as LabHost
    const id = 'home-h2'
    // This host's engine (its socket is private to the host) opened to every user, so that acs-nosudo
    // can use Docker without sudo.
    chmodSync(home.dockerSocket as string, 0o666)
    bench.target(id, home, hosts.users.nosudo)
    await bench.service.start({ id, installDocker: false })
    const state = await bench.finished(id)
    expect(state.progress?.state, explain(state)).toBe('succeeded')
    const steps = Object.fromEntries(state.progress?.steps.map((s) => [s.id, s]) ?? [])
    expect(steps.probe?.detail).toContain(
      'no sudo; no systemd; no Node.js; no agent installed; installs in /home/acs-nosudo/.auto-cloud-scaler',
    )
    expect(steps.docker?.detail).toMatch(/\(used as acs-nosudo\)$/)
    expect(steps.config?.detail).toMatch(
      /^\/home\/acs-nosudo\/\.auto-cloud-scaler\/agent\.json \(mode 0600\)/,
    )
    expect(steps.service?.detail).toMatch(/started under the supervisor \(pid \d+\) as acs-nosudo/)
    const session = await connectLabHost(home, hosts.users.nosudo)
    try {
      const listing = await session.exec(
        'stat -c "%a %U %n" ~/.auto-cloud-scaler ~/.auto-cloud-scaler/agent.json',
      )
      expect(listing.stdout).toMatch(/^700 acs-nosudo .*\.auto-cloud-scaler\n600 acs-nosudo .*agent\.json\n$/)
    } finally {
      session.close()
    }
    await waitFor(
      'a container in the host’s engine',
      async () => (managedContainers(home).length > 0 ? true : undefined),
      90_000,
    )

    await bench.service.uninstall({ id, removeContainers: true })
    const removed = await bench.finished(id, 120_000)
    expect(removed.progress, explain(removed)).toMatchObject({ operation: 'uninstall', state: 'succeeded' })
    expect(removed.progress?.steps.find((s) => s.id === 'files')?.detail).toBe(
      'removed /home/acs-nosudo/.auto-cloud-scaler',
    )
    expect(managedContainers(home)).toEqual([])
  }, 300_000)
})
