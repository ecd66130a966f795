// Which reported address the VIM uses: matched to VirtualBox's adapters by MAC, never NAT, never stale.
import { describe, expect, it } from 'vitest'
import { type AddressOptions, chooseAddress } from './guest-address'
import type { GuestInterface } from './guest-properties'
import type { VBoxNic } from './vm-info'

const nic = (slot: number, attachment: string, mac: string): VBoxNic => ({
  slot,
  attachment,
  mac,
  network: undefined,
  forwardings: [],
})
const iface = (index: number, ipv4: string, mac?: string, updatedAt?: number): GuestInterface => ({
  index,
  mac,
  ipv4,
  updatedAt,
  status: 'Up',
})

// terraform-provider-virtualbox#79: adapter 1 is host-only, adapter 2 NAT, and the guest calls the NAT one Net/0.
const NICS = [nic(1, 'hostonly', '0800275BAF21'), nic(2, 'nat', '0800274A2EA2')]
const GUEST = [iface(0, '10.0.3.15', '0800274A2EA2'), iface(1, '192.168.56.101', '0800275BAF21')]

describe('chooseAddress', () => {
  it.each<[string, GuestInterface[], VBoxNic[], AddressOptions, string | undefined]>([
    ['the host-only adapter, though the guest lists the NAT one first', GUEST, NICS, {}, '192.168.56.101'],
    [
      "not Docker's bridge, whose MAC is no adapter's",
      [iface(0, '172.17.0.1', '024217A30B11'), ...GUEST],
      NICS,
      {},
      '192.168.56.101',
    ],
    ['the adapter asked for, even a NAT one', GUEST, NICS, { adapter: 2 }, '10.0.3.15'],
    [
      'the first non-NAT adapter by VirtualBox order',
      [...GUEST, iface(2, '192.168.1.50', '080027000003')],
      [...NICS, nic(3, 'bridged', '080027000003')],
      {},
      '192.168.56.101',
    ],
    [
      'nothing written before the start',
      [iface(0, '192.168.56.101', '0800275BAF21', 1_000)],
      NICS,
      { since: 5_000 },
      undefined,
    ],
    [
      'an address written after the start',
      [iface(0, '192.168.56.101', '0800275BAF21', 6_000)],
      NICS,
      { since: 5_000 },
      '192.168.56.101',
    ],
    ['not a link-local address', [iface(0, '169.254.3.4', '0800275BAF21')], NICS, {}, undefined],
    [
      'without MACs (old Additions), the first non-NAT address',
      [iface(0, '10.0.2.15'), iface(1, '192.168.56.7')],
      NICS,
      {},
      '192.168.56.7',
    ],
    [
      'without MACs, adapter N is the guest’s interface N-1',
      [iface(0, '10.0.2.15'), iface(1, '192.168.56.7')],
      NICS,
      { adapter: 1 },
      '10.0.2.15',
    ],
  ])('picks %s', (_, interfaces, nics, options, address) => {
    expect(chooseAddress(interfaces, nics, options).address).toBe(address)
  })

  it('reports the adapter the address is on', () => {
    expect(chooseAddress(GUEST, NICS)).toEqual({ address: '192.168.56.101', adapter: 1 })
  })

  it.each<[string, GuestInterface[], AddressOptions, RegExp]>([
    [
      'only the NAT address is known',
      [iface(0, '10.0.3.15', '0800274A2EA2')],
      {},
      /only on its NAT adapter.*host-only or bridged/,
    ],
    ['nothing is known yet', [], {}, /no IPv4 address on any of its adapters yet/],
    ['the adapter asked for does not exist', GUEST, { adapter: 5 }, /adapter 5 is not enabled/],
    [
      'the adapter asked for has no address',
      [iface(0, '10.0.3.15', '0800274A2EA2')],
      { adapter: 1 },
      /adapter 1 \(hostonly\) has no IPv4 address/,
    ],
  ])('says why there is none when %s', (_, interfaces, options, reason) => {
    const choice = chooseAddress(interfaces, NICS, options)
    expect(choice.address).toBeUndefined()
    expect('reason' in choice ? choice.reason : '').toMatch(reason)
  })
})
