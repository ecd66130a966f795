// VirtualBox through the VIM's control API, as the VMs page uses it, against the fake VBoxManage on the
// PATH: a VM added by name is listed, started and stopped, and is still there after a VIM restart; a
// VM VirtualBox does not have is refused with VirtualBox's reason; without VBoxManage, adding says why.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { VmInfo } from '../../src/shared/domain/cluster'
import { waitFor } from '../support/agent-process'
import { FAKE_VBOXMANAGE_DIR, type FakeVBox, startFakeVBox } from '../support/fake-vbox'
import { type HeadlessProcess, NO_CLUSTER, startHeadless, testEnv } from '../support/headless-process'

let fake: FakeVBox | undefined
let vim: HeadlessProcess | undefined
afterEach(async () => {
  await vim?.stop()
  await fake?.cleanup()
  vim = fake = undefined
})

const ARGS = ['--ui-port', '0', ...NO_CLUSTER]

async function call(path: string, method = 'GET', body?: unknown) {
  const response = await fetch(`${vim?.baseUrl}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${vim?.token}`, 'Content-Type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const vmState = async (name: string) => (await fake?.vm(name))?.state

describe('VirtualBox VMs in the VIM', () => {
  it('adds a VM by name, starts and stops it, and keeps it across a restart', async () => {
    fake = await startFakeVBox({ version: '7.x', vms: [{ name: 'web-1', cpus: 2 }] })
    const env = testEnv({ ...fake.env, ACS_TOKEN: 'vbox-token' })
    // Short polls and shutdown bound, set the way a user would: in virtualbox.json.
    writeFileSync(
      join(env.ACS_DATA_DIR, 'virtualbox.json'),
      JSON.stringify({ pollIntervalMs: 50, shutdownTimeoutMs: 3000 }),
    )
    vim = await startHeadless(ARGS, env)

    const added = await call('/vms', 'POST', { provider: 'virtualbox', vmName: 'web-1' })
    expect(added.status, JSON.stringify(added.body)).toBe(200)
    expect(added.body).toMatchObject({ name: 'web-1', provider: 'virtualbox', status: 'stopped' })
    expect((added.body as unknown as VmInfo).capacity.containers).toBe(4) // 2 CPUs ÷ 0.5

    expect((await call('/vms/web-1/start', 'POST', {})).status).toBe(200)
    expect(await vmState('web-1')).toBe('running')
    await waitFor(
      'the VM to leave "stopped"',
      async () => {
        const vms = (await call('/vms')).body as unknown as VmInfo[]
        return vms.find((vm) => vm.name === 'web-1')?.status !== 'stopped' ? true : undefined
      },
      10_000,
    )

    expect((await call('/vms/web-1/stop', 'POST', {})).status).toBe(200)
    expect(await vmState('web-1')).toBe('poweroff')

    await vim.stop({ keepData: true })
    vim = await startHeadless(ARGS, env)
    const vms = await waitFor(
      'the added VM after a restart',
      async () => {
        const list = (await call('/vms')).body as unknown as VmInfo[]
        return list.some((vm) => vm.name === 'web-1') ? list : undefined
      },
      10_000,
    )
    expect(vms.find((vm) => vm.name === 'web-1')).toMatchObject({
      provider: 'virtualbox',
      status: 'stopped',
    })
  }, 60_000)

  it("refuses a VM VirtualBox does not have, with VirtualBox's reason", async () => {
    fake = await startFakeVBox({ version: '6.1', vms: [{ name: 'web-1' }] })
    vim = await startHeadless(ARGS, testEnv({ ...fake.env, ACS_TOKEN: 'vbox-token' }))
    const refused = await call('/vms', 'POST', { provider: 'virtualbox', vmName: 'no-such-vm' })
    expect(refused.status).toBe(400)
    expect(String((refused.body.error as { message: string }).message)).toMatch(/no-such-vm/)
    expect(((await call('/vms')).body as unknown as VmInfo[]).length).toBe(0)
  }, 30_000)

  it('says how to set VirtualBox up when VBoxManage is not there', async () => {
    const env = testEnv({ ACS_TOKEN: 'vbox-token', ACS_VBOXMANAGE: join(FAKE_VBOXMANAGE_DIR, 'missing') })
    vim = await startHeadless(ARGS, env)
    const refused = await call('/vms', 'POST', { provider: 'virtualbox', vmName: 'web-1' })
    expect(refused.status).toBe(503)
    expect(String((refused.body.error as { message: string }).message)).toMatch(
      /install VirtualBox.*ACS_VBOXMANAGE/,
    )
  }, 30_000)
})
