// A new clone's address, found in the guest properties of VirtualBox 6.1 and 7.x alike: the guest lists
// Docker's bridge and the NAT adapter first, and the clone still carries the template's old address.
import { afterEach, describe, expect, it } from 'vitest'
import { VirtualBoxProvider } from '../../src/main/providers/virtualbox/virtualbox-provider'
import { type FakeVBox, type FakeVBoxVersion, startFakeVBox } from '../support/fake-vbox'

const FAST = { pollIntervalMs: 25, shutdownTimeoutMs: 400, ipTimeoutMs: 1_500, commandTimeoutMs: 15_000 }

let fake: FakeVBox | undefined
afterEach(async () => {
  await fake?.cleanup()
  fake = undefined
})

describe.each<FakeVBoxVersion>(['6.1', '7.x'])('the address of a VirtualBox %s VM', (version) => {
  it("is the clone's host-only address, not Docker's bridge, NAT or the template's old one", async () => {
    const stale = Date.now() - 3_600_000
    fake = await startFakeVBox({
      version,
      vms: [
        {
          name: 'base',
          snapshots: ['clean'],
          nics: [
            { type: 'nat', mac: '080027B00001' },
            { type: 'hostonly', mac: '080027B00002', ip: '192.168.56.2' },
          ],
          // Written while the template last ran; a linked clone's settings carry them over.
          guestProps: [
            { name: '/VirtualBox/GuestInfo/Net/0/MAC', value: '080027B00002', timestamp: stale, flags: '' },
            { name: '/VirtualBox/GuestInfo/Net/0/V4/IP', value: '192.168.56.2', timestamp: stale, flags: '' },
          ],
          cloneBehaviour: {
            ipAfterMs: 150,
            guestOrder: 'reverse',
            extraInterfaces: [{ mac: '0242AC110001', ip: '172.17.0.1' }],
          },
        },
      ],
    })
    const provider = new VirtualBoxProvider({ ...FAST, template: 'base' }, { env: fake.env })
    const vm = await provider.create()
    const clone = await fake.vm('acs-1')
    expect(clone?.nics[1]?.type).toBe('hostonly')
    expect(vm.address).toBe(clone?.nics[1]?.ip)
    expect(vm.address).not.toBe('192.168.56.2')
    expect((await provider.list()).map((listed) => [listed.name, listed.address])).toEqual([
      ['acs-1', vm.address],
    ])
  })

  it('is on the adapter the settings name', async () => {
    fake = await startFakeVBox({
      version,
      vms: [
        {
          name: 'lab-vm',
          state: 'running',
          nics: [
            { type: 'bridged', ip: '192.168.1.30' },
            { type: 'hostonly', ip: '192.168.56.30' },
          ],
        },
      ],
    })
    const first = new VirtualBoxProvider({ ...FAST, vms: ['lab-vm'] }, { env: fake.env })
    const second = new VirtualBoxProvider({ ...FAST, vms: ['lab-vm'], adapter: 2 }, { env: fake.env })
    expect(await first.waitForAddress('lab-vm')).toBe('192.168.1.30')
    expect(await second.waitForAddress('lab-vm')).toBe('192.168.56.30')
  })
})
