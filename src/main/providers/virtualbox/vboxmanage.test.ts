// Where VBoxManage is looked for, and how bounds read in messages.
import { describe, expect, it } from 'vitest'
import { resolveVBoxManage, seconds } from './vboxmanage'

describe('resolveVBoxManage', () => {
  it.each<[string, NodeJS.ProcessEnv, NodeJS.Platform, { binary: string; fromEnv: boolean }]>([
    ['PATH by default', {}, 'linux', { binary: 'VBoxManage', fromEnv: false }],
    [
      'ACS_VBOXMANAGE first',
      { ACS_VBOXMANAGE: ' /opt/vbox/VBoxManage ' },
      'linux',
      { binary: '/opt/vbox/VBoxManage', fromEnv: true },
    ],
    [
      'a blank ACS_VBOXMANAGE as unset',
      { ACS_VBOXMANAGE: '  ' },
      'darwin',
      { binary: 'VBoxManage', fromEnv: false },
    ],
    [
      "the Windows installer's folder",
      { VBOX_MSI_INSTALL_PATH: 'C:/Program Files/Oracle/VirtualBox' },
      'win32',
      { binary: 'C:/Program Files/Oracle/VirtualBox/VBoxManage.exe', fromEnv: false },
    ],
    [
      'that folder only on Windows',
      { VBOX_MSI_INSTALL_PATH: '/x' },
      'linux',
      { binary: 'VBoxManage', fromEnv: false },
    ],
  ])('takes %s', (_, env, platform, expected) => {
    expect(resolveVBoxManage(env, platform)).toEqual(expected)
  })
})

describe('seconds', () => {
  it.each([
    [180_000, '180 s'],
    [60_000, '60 s'],
    [250, '0.25 s'],
    [1, '0 s'],
  ])('%i ms → %s', (ms, text) => {
    expect(seconds(ms)).toBe(text)
  })
})
