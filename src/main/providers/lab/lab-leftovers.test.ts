import { describe, expect, it } from 'vitest'
import { ownerLabels } from '../../../../vmm-agent/runtime/container-labels'
import { containerCount, type LabeledContainer, labVmOf, leftoverContainers } from './lab-leftovers'

const container = (vmName: string, cluster = 'c0ffee01', extra: Record<string, string> = {}) => ({
  id: `id-${vmName}-${cluster}`,
  name: `acs-${vmName}-ab12`,
  labels: { ...ownerLabels({ cluster, vmName }), ...extra },
})
const names = (containers: LabeledContainer[]) => containers.map((c) => c.name)

describe('labVmOf', () => {
  it.each([
    { name: 'a lab VM of this cluster', labels: container('lab-c0ff-3').labels, vm: 'lab-c0ff-3' },
    { name: 'another cluster', labels: container('lab-c0ff-3', 'deadbeef').labels, vm: undefined },
    { name: 'another prefix', labels: container('lab-beef-3').labels, vm: undefined },
    {
      name: 'a name past the prefix that is no number',
      labels: container('lab-c0ff-web').labels,
      vm: undefined,
    },
    { name: 'a number no lab reaches', labels: container('lab-c0ff-65').labels, vm: undefined },
    { name: 'a leading zero', labels: container('lab-c0ff-03').labels, vm: undefined },
    {
      name: 'a container not made by an agent',
      labels: container('lab-c0ff-3', 'c0ffee01', { 'acs.managed-by': 'someone' }).labels,
      vm: undefined,
    },
  ])('$name', ({ labels, vm }) => {
    expect(labVmOf(labels, 'c0ffee01', 'lab-c0ff')).toBe(vm)
  })
})

describe('leftoverContainers', () => {
  const all = [
    container('lab-c0ff-1'),
    container('lab-c0ff-2'),
    container('lab-c0ff-3'),
    container('lab-c0ff-2', 'deadbeef'),
    container('web-1'),
    container('lab-c0ff-7'),
  ]

  it('at the VIM stop: every lab container of this cluster, none of another cluster or host', () => {
    const rule = {
      cluster: 'c0ffee01',
      namePrefix: 'lab-c0ff',
      spare: new Set<string>(),
      ownedElsewhere: () => false,
    }
    expect(names(leftoverContainers(all, rule))).toEqual([
      'acs-lab-c0ff-1-ab12',
      'acs-lab-c0ff-2-ab12',
      'acs-lab-c0ff-3-ab12',
      'acs-lab-c0ff-7-ab12',
    ])
  })

  it('at start: spares the lab VMs whose agents adopt them, and a lab-like name of another provider', () => {
    const rule = {
      cluster: 'c0ffee01',
      namePrefix: 'lab-c0ff',
      spare: new Set(['lab-c0ff-1', 'lab-c0ff-2']),
      ownedElsewhere: (vm: string) => vm === 'lab-c0ff-7',
    }
    expect(names(leftoverContainers(all, rule))).toEqual(['acs-lab-c0ff-3-ab12'])
  })

  it('counts in words', () => {
    expect([containerCount(1), containerCount(2)]).toEqual(['1 container', '2 containers'])
  })
})
