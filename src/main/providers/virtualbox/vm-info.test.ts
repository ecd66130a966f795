// showvminfo output as the provider's view of a VM, from recorded 6.x outputs and the 7.x layout.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseVmInfo, providerStateOf } from './vm-info'

const fixture = (path: string) => readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8')

describe('parseVmInfo', () => {
  it('reads a powered-off 6.1 VM with one NAT adapter', () => {
    const info = parseVmInfo(fixture('6.1/showvminfo-poweroff.txt'))
    expect(info).toMatchObject({
      name: 'manjaro-gnome-x64-full-clean',
      uuid: '19e117b3-06f4-4a1e-851d-47336ad6a142',
      vboxState: 'poweroff',
      state: 'stopped',
      stateChangedAt: '2023-02-06T02:18:47.191000000',
      cpus: 4,
      memoryMb: 4096,
      description: 'name1=value1\nname2=value2',
      snapshots: [],
      currentSnapshot: undefined,
      guestAdditionsVersion: undefined,
    })
    expect(info.nics).toEqual([
      { slot: 1, attachment: 'nat', mac: '08002744D7F6', network: 'nat', forwardings: [] },
    ])
  })

  it('reads a running 6.0 VM whose host-only adapter comes before its NAT one', () => {
    const info = parseVmInfo(fixture('6.1/showvminfo-running-abridged.txt'))
    expect(info).toMatchObject({ name: 'master-01', state: 'running', cpus: 2, memoryMb: 1024 })
    expect(info.guestAdditionsVersion).toBe('6.0.14 r133895')
    expect(
      info.nics.map(({ slot, attachment, mac, network }) => ({ slot, attachment, mac, network })),
    ).toEqual([
      { slot: 1, attachment: 'hostonly', mac: '0800275BAF21', network: 'vboxnet1' },
      { slot: 2, attachment: 'nat', mac: '0800274A2EA2', network: 'nat' },
    ])
  })

  it('reads a running 7.x VM with a NAT rule, a snapshot and a quoted description', () => {
    const info = parseVmInfo(fixture('7.x/showvminfo-running.txt'))
    expect(info).toMatchObject({
      name: 'acs-template',
      state: 'running',
      snapshots: ['base'],
      currentSnapshot: 'base',
      description: 'Ubuntu 24.04 with Docker and the "Guest Additions"',
      guestAdditionsVersion: '7.2.4 r170995',
    })
    expect(info.nics[0]?.forwardings).toEqual([
      { name: 'ssh', protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 2222, guestIp: '', guestPort: 22 },
    ])
    expect(info.nics[1]).toMatchObject({
      slot: 2,
      attachment: 'hostonly',
      network: 'vboxnet0',
      mac: '080027D4E5F6',
    })
  })

  it('gives each NAT rule to the NAT adapter printed before it', () => {
    const info = parseVmInfo(
      [
        'natnet1="nat"',
        'macaddress1="080027000001"',
        'nic1="nat"',
        'Forwarding(0)="ssh,tcp,,2222,,22"',
        'natnet2="10.0.3.0/24"',
        'macaddress2="080027000002"',
        'nic2="nat"',
        'Forwarding(0)="http,tcp,,8080,,80"',
        'nic3="none"',
      ].join('\n'),
    )
    expect(info.nics.map((nic) => [nic.slot, nic.network, nic.forwardings.map((rule) => rule.name)])).toEqual(
      [
        [1, 'nat', ['ssh']],
        [2, '10.0.3.0/24', ['http']],
      ],
    )
  })

  it('reads nested snapshots and a lower-case MAC', () => {
    const info = parseVmInfo(
      'SnapshotName="base"\nSnapshotName-1="docker"\nSnapshotName-1-1="agent"\nCurrentSnapshotName="docker"\nmacaddress1="080027abcdef"\nnic1="bridged"\nbridgeadapter1="en0: Wi-Fi"',
    )
    expect(info.snapshots).toEqual(['base', 'docker', 'agent'])
    expect(info.currentSnapshot).toBe('docker')
    expect(info.nics).toEqual([
      { slot: 1, attachment: 'bridged', mac: '080027ABCDEF', network: 'en0: Wi-Fi', forwardings: [] },
    ])
  })
})

describe('providerStateOf', () => {
  it.each([
    ['running', 'running'],
    ['poweroff', 'stopped'],
    ['saved', 'stopped'],
    ['aborted', 'stopped'],
    ['aborted-saved', 'stopped'],
    ['teleported', 'stopped'],
    ['snapshotting', 'stopped'],
    ['starting', 'starting'],
    ['restoring', 'starting'],
    ['stopping', 'stopping'],
    ['saving', 'stopping'],
    ['livesnapshotting', 'running'],
    ['onlinesnapshotting', 'running'],
    ['paused', 'unknown'],
    ['gurumeditation', 'unknown'],
    ['something-new', 'unknown'],
  ])('%s → %s', (vboxState, state) => {
    expect(providerStateOf(vboxState)).toBe(state)
  })
})
