// The VirtualBox settings: defaults, and one clear error per mistake.
import { describe, expect, it } from 'vitest'
import { resolveVirtualBoxSettings, type VirtualBoxSettingsInput } from './settings'

describe('resolveVirtualBoxSettings', () => {
  it('fills in the defaults', () => {
    expect(resolveVirtualBoxSettings({})).toEqual({
      namePrefix: 'acs-',
      vms: [],
      ipTimeoutMs: 180_000,
      shutdownTimeoutMs: 60_000,
      cpusPerContainer: 0.5,
      maxClones: 4,
      pollIntervalMs: 2_000,
      commandTimeoutMs: 60_000,
    })
  })

  it('keeps a template, its snapshot, added VMs and an adapter', () => {
    const settings = resolveVirtualBoxSettings({
      template: ' base ',
      snapshot: 'clean',
      vms: ['lab vm 1'],
      adapter: 2,
    })
    expect(settings).toMatchObject({ template: 'base', snapshot: 'clean', vms: ['lab vm 1'], adapter: 2 })
  })

  it.each<[string, VirtualBoxSettingsInput, RegExp]>([
    ['an empty VM name', { vms: [''] }, /vms\[0\]: a VM name is empty/],
    ['a prefix with a space', { namePrefix: 'my vm' }, /namePrefix must be letters/],
    ['adapter 9', { adapter: 9 }, /adapter/],
    ['a fractional timeout', { ipTimeoutMs: 1.5 }, /ipTimeoutMs/],
    ['an unknown option', { tempalte: 'x' } as VirtualBoxSettingsInput, /tempalte/],
    ['a snapshot without a template', { snapshot: 'base' }, /snapshot is set but template is not/],
    ['the template among the cluster VMs', { template: 'base', vms: ['base'] }, /'base' is the template/],
  ])('refuses %s', (_, input, message) => {
    expect(() => resolveVirtualBoxSettings(input)).toThrow(message)
  })
})
