import { describe, expect, it } from 'vitest'
import { container, defaultSettings, snapshot, vm } from '../../test-support/fixtures'
import { previewPolicy } from './policy-preview'

// Three replicas at 90 % of their CPU limit against a 60 % target ask for ceil(3 × 1.5) = 5.
const busy = snapshot([
  vm({
    name: 'lab-1',
    target: 2,
    containers: [container({ name: 'a', cpuPercent: 90 }), container({ name: 'b', cpuPercent: 90 })],
  }),
  vm({ name: 'lab-2', target: 1, containers: [container({ name: 'c', cpuPercent: 90 })] }),
  vm({ name: 'lab-3', status: 'stopped', agent: null }),
])

describe('previewPolicy', () => {
  it('shows where the current load leads under a policy, VM by VM', () => {
    const preview = previewPolicy(busy, defaultSettings().scaling)
    expect(preview).toMatchObject({
      current: 3,
      desired: 5,
      unplaced: 0,
      vms: [
        { name: 'lab-1', current: 2, target: 2 },
        { name: 'lab-2', current: 1, target: 3 },
      ],
      placement: ['lab-2: 1 → 3 replicas (spread: it ran the fewest)'],
    })
  })

  it('follows the edited placement, target and bounds', () => {
    const scaling = defaultSettings().scaling
    const binPack = previewPolicy(busy, { ...scaling, placement: 'bin-pack' })
    expect(binPack?.vms.map((v) => v.target)).toEqual([4, 1])
    const relaxed = previewPolicy(busy, { ...scaling, policy: { ...scaling.policy, targetUtilization: 0.9 } })
    expect(relaxed?.desired).toBe(3)
    const capped = previewPolicy(busy, { ...scaling, policy: { ...scaling.policy, maxReplicas: 4 } })
    expect(capped?.desired).toBe(4)
  })

  it('counts what fits on no ready VM', () => {
    const scaling = defaultSettings().scaling
    const hot = snapshot([
      vm({
        name: 'lab-1',
        target: 2,
        capacity: { containers: 2 },
        containers: [container({ name: 'a', cpuPercent: 100 }), container({ name: 'b', cpuPercent: 100 })],
      }),
    ])
    expect(
      previewPolicy(hot, { ...scaling, policy: { ...scaling.policy, targetUtilization: 0.5 } }),
    ).toMatchObject({
      desired: 2,
      unplaced: 2,
    })
  })

  it('has nothing to preview without a ready VM', () => {
    expect(
      previewPolicy(snapshot([vm({ name: 'lab-1', agent: null })]), defaultSettings().scaling),
    ).toBeUndefined()
  })
})
