// Swarm mode owns only what it made: a Swarm the VIM started is left when the VIM exits; a Swarm it found
// on its engine keeps running when Swarm mode ends, with only the VIM's service gone.
import Docker from 'dockerode'
import { afterEach, describe, expect, it } from 'vitest'
import type { SwarmStatus } from '../../src/shared/domain/swarm'
import { waitFor } from '../../src/shared/testing/poll'
import { shouldRunDocker } from '../support/docker'
import { clusterIdOf, type HeadlessProcess, startHeadless, testEnv } from '../support/headless-process'
import { vimApi } from '../support/lab-vim'

const TOKEN = 'swarm-ownership-test-token'
const docker = new Docker()

async function swarmState(): Promise<string> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } }
  return info.Swarm?.LocalNodeState ?? 'unknown'
}

async function startVim(): Promise<{ vim: HeadlessProcess; service: string }> {
  const env = testEnv({ ACS_TOKEN: TOKEN })
  const vim = await startHeadless(
    ['--lab', '0', '--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'],
    env,
  )
  return { vim, service: `acs-workload-${clusterIdOf(env.ACS_DATA_DIR)}` }
}

const services = async () =>
  ((await docker.listServices()) as { Spec: { Name: string } }[]).map((s) => s.Spec.Name)

describe.runIf(shouldRunDocker())('Swarm mode owns only what it made', () => {
  let vim: HeadlessProcess | undefined
  /** A Swarm this test started itself (the second case), left at the end whatever happens. */
  let testSwarm = false

  afterEach(async () => {
    await vim?.stop()
    vim = undefined
    if (testSwarm) await docker.swarmLeave({ force: true }).catch(() => {})
    testSwarm = false
  }, 60_000)

  it('leaves the Swarm it started, with its service, when the VIM exits', async () => {
    expect(await swarmState()).toBe('inactive')
    const started = await startVim()
    vim = started.vim
    const on = await vimApi<SwarmStatus>(vim, '/swarm', { method: 'POST', body: '{}' })
    expect(on).toMatchObject({ mode: 'owned', service: started.service })
    expect(await services()).toContain(started.service)
    await vim.stop()
    vim = undefined
    expect(await swarmState()).toBe('inactive')
  }, 120_000)

  it('removes only its service from a Swarm it found, and leaves that Swarm running', async () => {
    expect(await swarmState()).toBe('inactive')
    await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' })
    testSwarm = true
    const started = await startVim()
    vim = started.vim
    const on = await vimApi<SwarmStatus>(vim, '/swarm', { method: 'POST', body: '{}' })
    expect(on.mode).toBe('adopted')
    await waitFor(
      'the VIM’s service',
      async () => ((await services()).includes(started.service) ? true : undefined),
      20_000,
    )
    const off = await vimApi<SwarmStatus>(vim, '/swarm', { method: 'DELETE' })
    expect(off.mode).toBe('off')
    expect(await services()).not.toContain(started.service)
    expect(await swarmState()).toBe('active')
    await vim.stop()
    vim = undefined
    expect(await swarmState(), 'the VIM’s exit leaves a Swarm it did not make').toBe('active')
  }, 120_000)
})
