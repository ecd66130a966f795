// The VBoxManage runner against the fake on PATH: the binary is found (or clearly not), arguments reach
// it untouched by any shell, failures carry the recorded error's meaning, and a hung call is bounded.
import { afterEach, describe, expect, it } from 'vitest'
import { VBoxManageError } from '../../src/main/providers/virtualbox/vbox-errors'
import { VBoxManage } from '../../src/main/providers/virtualbox/vboxmanage'
import { parseVmInfo } from '../../src/main/providers/virtualbox/vm-info'
import { parseVmList } from '../../src/main/providers/virtualbox/vm-list'
import { FAKE_VBOXMANAGE_DIR, type FakeVBox, startFakeVBox } from '../support/fake-vbox'

let fake: FakeVBox | undefined
afterEach(async () => {
  await fake?.cleanup()
  fake = undefined
})

async function failure(promise: Promise<unknown>): Promise<VBoxManageError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(VBoxManageError)
  return error as VBoxManageError
}

describe('VBoxManage', () => {
  it('runs the VBoxManage found on PATH', async () => {
    fake = await startFakeVBox({ version: '6.1', vms: [{ name: 'lab-1' }] })
    const vbox = new VBoxManage({ env: fake.env })
    expect((await vbox.run(['--version'])).stdout).toBe('6.1.50r161033\n')
    expect(parseVmList((await vbox.run(['list', 'vms'])).stdout).map((vm) => vm.name)).toEqual(['lab-1'])
  })

  it('passes names with spaces, quotes and shell syntax as they are', async () => {
    const name = `lab "one" $(touch pwned); echo 'x'`
    fake = await startFakeVBox({ vms: [{ name }] })
    const vbox = new VBoxManage({ env: fake.env })
    expect(parseVmInfo((await vbox.run(['showvminfo', name, '--machinereadable'])).stdout).name).toBe(name)
    expect((await fake.state()).calls.at(-1)).toEqual(['showvminfo', name, '--machinereadable'])
  })

  it('says how to fix a missing VBoxManage', async () => {
    const vbox = new VBoxManage({ env: { PATH: '/nonexistent' } })
    const error = await failure(vbox.run(['list', 'vms']))
    expect(error.kind).toBe('missing')
    expect(error.message).toBe(
      'VBoxManage was not found: install VirtualBox, or set ACS_VBOXMANAGE to its path',
    )
  })

  it('names the ACS_VBOXMANAGE path that does not exist', async () => {
    const vbox = new VBoxManage({ env: { PATH: '/nonexistent', ACS_VBOXMANAGE: '/opt/none/VBoxManage' } })
    expect((await failure(vbox.run(['list', 'vms']))).message).toBe(
      "VBoxManage was not found at '/opt/none/VBoxManage' (ACS_VBOXMANAGE): install VirtualBox, or set ACS_VBOXMANAGE to its path",
    )
  })

  it('uses ACS_VBOXMANAGE when VBoxManage is not on PATH', async () => {
    fake = await startFakeVBox({ vms: [{ name: 'lab-1' }] })
    const vbox = new VBoxManage({ env: { ...fake.env, ACS_VBOXMANAGE: `${FAKE_VBOXMANAGE_DIR}VBoxManage` } })
    expect((await vbox.run(['list', 'vms'])).stdout).toContain('"lab-1"')
  })

  it('turns the recorded not-found error into one sentence', async () => {
    fake = await startFakeVBox()
    const error = await failure(
      new VBoxManage({ env: fake.env }).run(['startvm', 'lab-9', '--type', 'headless']),
    )
    expect(error.kind).toBe('not-found')
    expect(error.message).toBe("VirtualBox VM 'lab-9' does not exist")
    expect(error.stderr).toContain('VBOX_E_OBJECT_NOT_FOUND')
  })

  it('bounds a call that hangs', async () => {
    fake = await startFakeVBox()
    const vbox = new VBoxManage({ env: { ...fake.env, FAKE_VBOX_HANG_MS: '3000' }, timeoutMs: 300 })
    const error = await failure(vbox.run(['list', 'vms']))
    expect(error.kind).toBe('timeout')
    expect(error.message).toMatch(/^VBoxManage list vms did not finish within 0\.3 s: VirtualBox may be busy/)
  })
})
