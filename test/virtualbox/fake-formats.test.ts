// The fake VBoxManage answers in the recorded formats, byte for byte: given the recorded VM's values it
// prints the recorded showvminfo, list and error outputs, and lays out guest properties as recorded.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { type FakeVBox, type FakeVBoxOptions, startFakeVBox } from '../support/fake-vbox'
// @ts-expect-error: the fake is plain JavaScript without type declarations
import { enumerateOutput } from '../support/fake-vboxmanage/formats.mjs'

const fixture = (path: string) =>
  readFileSync(new URL(`../../src/main/providers/virtualbox/fixtures/${path}`, import.meta.url), 'utf8')

let fake: FakeVBox | undefined
afterEach(async () => {
  await fake?.cleanup()
  fake = undefined
})

async function vboxmanage(options: FakeVBoxOptions, args: string[]) {
  fake = await startFakeVBox(options)
  const env = fake.env
  return new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
    execFile('VBoxManage', args, { env }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: typeof error?.code === 'number' ? error.code : 0 })
    })
  })
}

describe('the fake VBoxManage', () => {
  it('prints the recorded 6.1 showvminfo for the recorded VM', async () => {
    const out = await vboxmanage(
      {
        version: '6.1',
        baseFolder: '/home/user/VirtualBox VMs',
        vms: [
          {
            name: 'manjaro-gnome-x64-full-clean',
            uuid: '19e117b3-06f4-4a1e-851d-47336ad6a142',
            cpus: 4,
            memory: 4096,
            nics: [{ type: 'nat', mac: '08002744D7F6' }],
            description: 'name1=value1\nname2=value2',
            stateChangedAt: Date.parse('2023-02-06T02:18:47.191Z'),
          },
        ],
      },
      ['showvminfo', 'manjaro-gnome-x64-full-clean', '--machinereadable'],
    )
    expect(out.stdout).toBe(fixture('6.1/showvminfo-poweroff.txt'))
  })

  it.each([
    ['poweroff', '2024-11-05T09:12:44.318Z', '7.x/showvminfo-poweroff.txt'],
    ['running', '2024-11-05T09:12:40.052Z', '7.x/showvminfo-running.txt'],
  ] as const)('prints the 7.x showvminfo of a %s VM', async (state, changedAt, file) => {
    const out = await vboxmanage(
      {
        version: '7.x',
        baseFolder: '/home/lab/VirtualBox VMs',
        vms: [
          {
            name: 'acs-template',
            uuid: '5b6a0c1e-3f7d-4c2a-9e1b-8d4f2a6c7e90',
            state,
            nics: [
              { type: 'nat', mac: '080027A1B2C3', forwardings: ['ssh,tcp,127.0.0.1,2222,,22'] },
              { type: 'hostonly', network: 'vboxnet0', mac: '080027D4E5F6' },
            ],
            snapshots: [{ name: 'base', uuid: '9d2f4b7a-1c3e-4a5b-8f6d-2e7c9a1b3d5f' }],
            description: 'Ubuntu 24.04 with Docker and the "Guest Additions"',
            stateChangedAt: Date.parse(changedAt),
          },
        ],
      },
      ['showvminfo', 'acs-template', '--machinereadable'],
    )
    expect(out.stdout).toBe(fixture(file))
  })

  it('prints the recorded list line', async () => {
    const out = await vboxmanage(
      { vms: [{ name: 'AlmaLinux9', uuid: '6ebc2119-de35-467b-a695-047eb2e424f5' }] },
      ['list', 'vms'],
    )
    expect(out.stdout).toBe(fixture('list-vms.txt'))
  })

  it.each<[string, FakeVBoxOptions, string[], string]>([
    ['a VM that does not exist', {}, ['showvminfo', 'windows7', '--machinereadable'], 'errors/not-found.txt'],
    [
      'a VM already running',
      { vms: [{ name: 'DC01', state: 'running' }] },
      ['startvm', 'DC01', '--type', 'headless'],
      'errors/already-locked.txt',
    ],
    [
      'a VM that is not running',
      { vms: [{ name: 'xUbuntu_14.04-owncloud-8.2.0-4.1-201511161821-DEBUG' }] },
      ['controlvm', 'xUbuntu_14.04-owncloud-8.2.0-4.1-201511161821-DEBUG', 'poweroff'],
      'errors/not-running.txt',
    ],
    [
      'a VM that fails to start',
      {
        vms: [
          {
            name: 'docker-mac-vagrant_workbox_1637584841804_71894',
            behaviour: { startError: 'start-failed' },
          },
        ],
      },
      ['startvm', 'docker-mac-vagrant_workbox_1637584841804_71894', '--type', 'headless'],
      'errors/start-failed.txt',
    ],
    [
      'a clone onto a name whose folder exists',
      {
        baseFolder: '/home/cuckoo/.vmcloak/vms',
        orphans: ['win7x64base'],
        vms: [{ name: 'base', snapshots: ['s'] }],
      },
      ['clonevm', 'base', '--snapshot', 's', '--options', 'link', '--name', 'win7x64base', '--register'],
      'errors/settings-file-exists.txt',
    ],
    [
      'a VM not yet released after its power off',
      { vms: [{ name: 'firstvagrant_node2_1714537166783_19194', state: 'running' }] },
      ['unregistervm', 'firstvagrant_node2_1714537166783_19194', '--delete'],
      'errors/unregister-locked.txt',
    ],
  ])('prints the recorded error for %s', async (_, options, args, file) => {
    const out = await vboxmanage(options, args)
    expect(out.code).toBe(1)
    expect(out.stderr).toBe(fixture(file))
  })

  it('lays out 7.x guest properties in the recorded columns', () => {
    const recorded = fixture('7.x/guestproperty-enumerate.txt')
    const properties = recorded
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [, name, value, time, flags] = /^(\S+)\s+= '(.*)'\s+@ (\S+) ?(.*)$/.exec(line) ?? []
        return { name, value, timestamp: Date.parse(time ?? ''), flags }
      })
    // The recorded columns were set by properties the excerpt leaves out: a 42-character name, and a value
    // of 28 characters or more (VBoxManage caps that column at 28).
    const widest = {
      name: '/VirtualBox/GuestInfo/OS/LoggedInUsersList',
      value: 'x'.repeat(40),
      timestamp: 0,
      flags: '',
    }
    const printed: string = enumerateOutput('7.x', [...properties, widest])
    expect(printed.split('\n').slice(0, properties.length)).toEqual(recorded.trimEnd().split('\n'))
  })

  it('prints 6.1 guest properties as recorded, to the millisecond the fake keeps', () => {
    const recorded = fixture('6.1/guestproperty-enumerate.txt')
    const properties = recorded
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [, name, value, ns, flags] =
          /^Name: (.+?), value: (.*), timestamp: (\d+), flags: (.*)$/.exec(line) ?? []
        return { name, value, timestamp: Number(BigInt(ns ?? '0') / 1_000_000n), flags }
      })
    const toMs = (text: string) => text.replace(/timestamp: (\d+)\d{6},/g, 'timestamp: $1,')
    expect(toMs(enumerateOutput('6.1', properties))).toBe(toMs(recorded))
  })
})
