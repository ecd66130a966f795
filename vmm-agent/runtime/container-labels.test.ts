import { describe, expect, it } from 'vitest'
import { ownerLabelFilter, ownerLabels, ownsContainer } from './container-labels'

const mine = { cluster: 'c0ffee01', vmName: 'lab-1' }

describe('container ownership', () => {
  it('labels a container with its cluster and VM, and filters on both', () => {
    expect(ownerLabels(mine)).toEqual({
      'acs.managed-by': 'vmm-agent',
      'acs.cluster': 'c0ffee01',
      'acs.vm': 'lab-1',
    })
    expect(ownerLabelFilter(mine)).toEqual([
      'acs.managed-by=vmm-agent',
      'acs.cluster=c0ffee01',
      'acs.vm=lab-1',
    ])
  })

  it.each([
    ['its own container', ownerLabels(mine), true],
    ['the same VM name in another cluster', ownerLabels({ cluster: 'beef0002', vmName: 'lab-1' }), false],
    ['another VM of its cluster', ownerLabels({ cluster: 'c0ffee01', vmName: 'lab-2' }), false],
    ['a container from before cluster labels', { 'acs.managed-by': 'vmm-agent', 'acs.vm': 'lab-1' }, false],
    ['a container nobody labelled', undefined, false],
  ])('%s: owned = %s', (_case, labels, owned) => {
    expect(ownsContainer(labels, mine)).toBe(owned)
  })
})
