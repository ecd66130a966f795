// The failures a deploy must explain and survive, on real lab hosts: a wrong password, a changed host
// key, a user without sudo or Docker, Docker missing, and an upload cut off halfway. Each ends with a
// message naming the step and what to do, and a host that deploys again (or is left as it was).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeployFeedEvent } from '../../src/main/api/event-feed'
import { KNOWN_HOSTS_FILE } from '../../src/main/provision/known-hosts'
import { connectLabHost, type Lab, type LabHost, labAvailable, startLab } from '../support/lab-hosts'
import { shouldRun } from '../support/services'
import { type DeployBench, deployBench, explain } from '../support/ssh-deploy'
import { clientPortFromLog, sshdPidsOfConnection } from '../support/ssh-sessions'

const lab = labAvailable()
const run = shouldRun('ssh', lab.ok, lab.ok ? '' : lab.reason)

describe.runIf(run)('deploy failures on lab hosts', () => {
  let hosts: Lab
  let bench: DeployBench
  let withDocker: LabHost
  let noDocker: LabHost
  let fresh: LabHost

  beforeAll(async () => {
    hosts = await startLab({ hosts: 3, noDocker: [2] })
    ;[withDocker, noDocker, fresh] = hosts.hosts as [LabHost, LabHost, LabHost]
    bench = await deployBench(hosts)
  }, 120_000)
  afterAll(async () => {
    await bench?.close()
    await hosts?.stop()
  }, 120_000)

  const failedStep = (id: string) => {
    const progress = bench.service.state(id).progress
    const step = progress?.steps.find((s) => s.state === 'failed')
    return { id: step?.id, detail: step?.detail, error: progress?.error }
  }
  /** What the host holds of a deploy as `user`: the install directories and staging leftovers. */
  const leftovers = async (host: LabHost) => {
    const session = await connectLabHost(host, hosts.users.admin)
    try {
      const result = await session.exec(
        "sudo -n sh -c 'ls -d /opt/auto-cloud-scaler /home/*/.auto-cloud-scaler /tmp/acs-deploy.* 2>/dev/null; true'",
      )
      return result.stdout.split('\n').filter(Boolean)
    } finally {
      session.close()
    }
  }

  it('a wrong password fails at connect with what to check; the right one then deploys', async () => {
    const vm = 'pw-h1'
    bench.target(vm, withDocker, hosts.users.admin, 'password', 'not-the-password')
    await bench.service.start({ id: vm, installDocker: false })
    const state = await bench.finished(vm)
    expect(failedStep(vm)).toEqual({
      id: 'connect',
      detail: `SSH login as acs@${withDocker.address} was refused (password): check the user and password`,
      error: `SSH login as acs@${withDocker.address} was refused (password): check the user and password`,
    })
    expect(state.progress?.steps.slice(1).every((s) => s.state === 'skipped')).toBe(true)
    // So that the VMs page asks for the password again, even when one is kept.
    expect(state.progress?.errorCode).toBe('login_refused')
    expect(await leftovers(withDocker)).toEqual([])

    // The password given with this one deploy (as the VMs page sends it) replaces the stored one.
    await bench.service.start({ id: vm, installDocker: false, password: hosts.users.admin.password })
    const again = await bench.finished(vm)
    expect(again.progress?.state, explain(again)).toBe('succeeded')
    expect(JSON.stringify(again)).not.toContain(hosts.users.admin.password)
  }, 240_000)

  it('trusts a host key on first use, refuses a changed one naming both, and deploys after forgetting it', async () => {
    const vm = 'key-h1'
    const known = () => JSON.parse(readFileSync(join(bench.dataDir, KNOWN_HOSTS_FILE), 'utf8'))
    // The previous test's first connection recorded the key.
    const original = withDocker.hostKeyFingerprint
    expect(known()[`${withDocker.address}:22`]).toMatchObject({
      algorithm: 'ssh-ed25519',
      fingerprint: original,
    })
    expect(bench.service.hostKeyFingerprint(withDocker.address, 22)).toBe(original)

    const rotated = await hosts.rotateHostKey(withDocker.index)
    bench.target(vm, withDocker, hosts.users.admin)
    await bench.service.start({ id: vm, installDocker: false })
    const refused = await bench.finished(vm)
    const failure = failedStep(vm)
    expect(failure.id).toBe('connect')
    expect(refused.progress?.errorCode).toBe('host_key_changed')
    expect(failure.detail).toContain(`was ${original}`)
    expect(failure.detail).toContain(`now ${rotated}`)
    expect(failure.detail).toContain("If the host was reinstalled, choose 'Forget host key' and deploy again")

    expect(await bench.service.forgetHostKey(vm)).toBe(original)
    await bench.service.start({ id: vm, installDocker: false })
    const again = await bench.finished(vm)
    expect(again.progress?.state, explain(again)).toBe('succeeded')
    expect(again.progress?.steps[0]?.detail).toContain(`host key ${rotated} (trusted on first use)`)
    expect(known()[`${withDocker.address}:22`]).toMatchObject({ fingerprint: rotated })
  }, 240_000)

  it('a user without sudo who cannot use Docker fails at docker with the usermod hint, changing nothing', async () => {
    const vm = 'nosudo-h1'
    const before = await leftovers(withDocker)
    bench.target(vm, withDocker, hosts.users.nosudo)
    await bench.service.start({ id: vm, installDocker: false })
    await bench.finished(vm)
    expect(failedStep(vm)).toMatchObject({
      id: 'docker',
      detail: `acs-nosudo cannot use Docker on ${withDocker.address} (not in group 'docker') and has no sudo: run 'sudo usermod -aG docker acs-nosudo' there, or deploy as a user with sudo`,
    })
    expect(await leftovers(withDocker)).toEqual(before)
    // Deploying as a user with sudo, as the message says, works on the same host.
    bench.target(vm, withDocker, hosts.users.admin)
    await bench.service.start({ id: vm, installDocker: false })
    const again = await bench.finished(vm)
    expect(again.progress?.state, explain(again)).toBe('succeeded')
  }, 240_000)

  it('Docker missing and no sudo to install it fails at docker, changing nothing', async () => {
    const vm = 'nodocker-h2'
    bench.target(vm, noDocker, hosts.users.nosudo)
    for (let attempt = 0; attempt < 2; attempt++) {
      await bench.service.start({ id: vm, installDocker: true })
      await bench.finished(vm)
      expect(failedStep(vm)).toMatchObject({
        id: 'docker',
        detail: `Docker is not installed on ${noDocker.address} and acs-nosudo has no sudo to install it: install docker.io there, or deploy as a user with sudo`,
      })
    }
    expect(await leftovers(noDocker)).toEqual([])
    // With sudo but without 'install Docker', the message says what to tick.
    bench.target(vm, noDocker, hosts.users.admin)
    await bench.service.start({ id: vm, installDocker: false })
    await bench.finished(vm)
    expect(failedStep(vm)).toMatchObject({
      id: 'docker',
      detail: `Docker is not installed on ${noDocker.address}: deploy again with 'install Docker' ticked, or install docker.io there`,
    })
    expect(await leftovers(noDocker)).toEqual([])
  }, 120_000)

  it('a hub that listens on loopback only fails at connect, before anything is uploaded', async () => {
    const loopback = await deployBench(hosts, {
      hub: () => ({
        port: 7070,
        boundHost: '127.0.0.1',
        fingerprint: 'SHA256:x',
        joinToken: 'never-sent',
        clusterId: 'c0ffee01',
      }),
    })
    try {
      loopback.target('loopback-h2', noDocker, hosts.users.admin)
      await loopback.service.start({ id: 'loopback-h2', installDocker: false })
      const state = await loopback.finished('loopback-h2')
      expect(state.progress?.steps[0]).toMatchObject({
        id: 'connect',
        state: 'failed',
        detail: `The VIM's hub listens on 127.0.0.1 only; start the VIM with --host 0.0.0.0 (or an address ${noDocker.address} can reach)`,
      })
    } finally {
      await loopback.close()
    }
    expect(await leftovers(noDocker)).toEqual([])
  }, 60_000)

  it('an upload cut off mid-way fails at upload naming the file; the rerun resumes and leaves no partial file', async () => {
    const vm = 'cut-h3'
    bench.target(vm, fresh, hosts.users.admin)
    let cut: Promise<number[]> | undefined
    const unsubscribe = bench.service.subscribe((event: DeployFeedEvent) => {
      if (cut || event.name !== 'deploy:progress' || event.data.vmId !== vm) return
      const upload = event.data.steps.find((s) => s.id === 'upload')
      if (!upload?.detail?.startsWith('node: ')) return
      const port = clientPortFromLog(bench.service.state(vm).log)
      if (!port) throw new Error('the deploy logged no client port')
      cut = sshdPidsOfConnection(fresh.name, port).then((pids) => {
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL')
          } catch (error) {
            // The connection's processes end together: one may be gone before its turn.
            if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
          }
        }
        return pids
      })
    })
    try {
      await bench.service.start({ id: vm, installDocker: false })
      await bench.finished(vm)
    } finally {
      unsubscribe()
    }
    expect((await cut)?.length).toBeGreaterThan(0)
    const failure = failedStep(vm)
    expect(failure.id).toBe('upload')
    expect(failure.detail).toMatch(
      new RegExp(
        `^Uploading node to ${fresh.address.replaceAll('.', '\\.')} was interrupted: .*Deploy again`,
      ),
    )
    const session = await connectLabHost(fresh, hosts.users.admin)
    try {
      const files = await session.exec('ls -A /opt/auto-cloud-scaler')
      // The bundle went in whole before the cut; the runtime never reached its final path.
      expect(files.stdout.split('\n').filter(Boolean).sort()).toEqual(['log', 'run', 'vmm-agent.mjs'])
    } finally {
      session.close()
    }

    await bench.service.start({ id: vm, installDocker: false })
    const again = await bench.finished(vm)
    expect(again.progress?.state, explain(again)).toBe('succeeded')
    const upload = again.progress?.steps.find((s) => s.id === 'upload')
    expect(upload?.detail).toBe('uploaded node, agent-supervisor.sh, version; unchanged: vmm-agent.mjs')
    expect(await leftovers(fresh)).toEqual(['/opt/auto-cloud-scaler'])
    const check = await connectLabHost(fresh, hosts.users.admin)
    try {
      const sums = await check.exec('sha256sum /opt/auto-cloud-scaler/node; ls -A /opt/auto-cloud-scaler')
      const local = (await import('node:crypto'))
        .createHash('sha256')
        .update(readFileSync(process.execPath))
        .digest('hex')
      expect(sums.stdout).toContain(local)
      expect(sums.stdout).not.toMatch(/\.new/)
    } finally {
      check.close()
    }
  }, 240_000)
})
