import { describe, expect, it } from 'vitest'
import { labInEffect } from './lab-in-effect'

const CLUSTER = 'c0ffee12-0000-4000-8000-000000000000'
const none = { lab: undefined, runtime: undefined, labPrefix: undefined }

describe('the lab the VIM starts with', () => {
  it('is 2 VMs on auto, named after the cluster id, when nothing says otherwise', () => {
    expect(labInEffect(none, { keepContainers: false }, CLUSTER)).toEqual({
      vms: 2,
      runtime: 'auto',
      namePrefix: 'lab-c0ff',
      from: { vms: 'default', runtime: 'default' },
    })
  })

  it('takes the saved settings, even a lab of 0', () => {
    const lab = labInEffect(
      none,
      { keepContainers: false, vms: 0, runtime: 'process', namePrefix: 'exp' },
      CLUSTER,
    )
    expect(lab).toMatchObject({ vms: 0, runtime: 'process', namePrefix: 'exp' })
    expect(lab.from).toEqual({ vms: 'settings', runtime: 'settings' })
  })

  it('lets --lab, --runtime and --lab-prefix win over the saved settings', () => {
    const lab = labInEffect(
      { lab: 3, runtime: 'docker', labPrefix: 'cli' },
      { keepContainers: false, vms: 0, runtime: 'process', namePrefix: 'exp' },
      CLUSTER,
    )
    expect(lab).toEqual({
      vms: 3,
      runtime: 'docker',
      namePrefix: 'cli',
      from: { vms: 'command line', runtime: 'command line' },
    })
  })
})
