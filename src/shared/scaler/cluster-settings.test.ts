import { describe, expect, it } from 'vitest'
import { DEFAULT_POLICY } from '../policy'
import {
  ClusterScalingSettings,
  DEFAULT_CLUSTER_SCALING_SETTINGS,
  parseClusterScalingSettings,
} from './cluster-settings'

describe('ClusterScalingSettings', () => {
  it('fills every default from an empty object', () => {
    expect(DEFAULT_CLUSTER_SCALING_SETTINGS).toEqual({
      policy: DEFAULT_POLICY,
      placement: 'spread',
      minVms: 1,
      maxVms: 4,
      idleCooldownSeconds: 120,
      startTimeoutSeconds: 180,
    })
  })

  it('keeps the policy defaults for the fields not given', () => {
    const settings = ClusterScalingSettings.parse({ policy: { maxReplicas: 16 }, placement: 'bin-pack' })
    expect(settings.policy).toEqual({ ...DEFAULT_POLICY, maxReplicas: 16 })
    expect(settings.placement).toBe('bin-pack')
  })

  it('outlasts the default scale-down window with its idle cool-down', () => {
    // A VM emptied by the last scale-down steps must not be stopped before the window could refill it.
    expect(DEFAULT_CLUSTER_SCALING_SETTINGS.idleCooldownSeconds).toBeGreaterThan(
      DEFAULT_POLICY.scaleDown.stabilizationSeconds,
    )
  })
})

describe('parseClusterScalingSettings', () => {
  it.each([
    {
      name: 'more VMs at least than at most',
      input: { minVms: 3, maxVms: 2 },
      errors: ['minVms (3) must not be more than maxVms (2)'],
    },
    {
      name: 'no VM at all',
      input: { minVms: 0 },
      errors: ['minVms must be at least 1: the cluster needs one VM to serve and to measure load'],
    },
    {
      name: 'part of a VM',
      input: { maxVms: 2.5 },
      errors: ['maxVms must be a whole number of VMs'],
    },
    {
      name: 'a negative cool-down',
      input: { idleCooldownSeconds: -1 },
      errors: ['idleCooldownSeconds must be 0 seconds or more'],
    },
    {
      name: 'no time to start',
      input: { startTimeoutSeconds: 0 },
      errors: ['startTimeoutSeconds must be more than 0 seconds'],
    },
    {
      name: 'an unknown placement',
      input: { placement: 'random' },
      errors: ['placement: Invalid option: expected one of "spread"|"bin-pack"'],
    },
    {
      name: 'a cluster policy whose minimum exceeds its maximum',
      input: { policy: { minReplicas: 6, maxReplicas: 4 } },
      errors: ['policy.minReplicas (6) must not be more than maxReplicas (4)'],
    },
    {
      name: 'a nested policy rule out of range',
      input: { policy: { scaleUp: { maxPercent: -5 } } },
      errors: ['policy.scaleUp.maxPercent must be 0 or more'],
    },
    {
      name: 'a policy value of the wrong type',
      input: { policy: { targetUtilization: 'high' } },
      errors: ['policy.targetUtilization: Invalid input: expected number, received string'],
    },
  ])('rejects $name with a message naming the field', ({ input, errors }) => {
    expect(parseClusterScalingSettings(input)).toEqual({ ok: false, errors })
  })

  it('accepts valid settings', () => {
    const result = parseClusterScalingSettings({ minVms: 2, maxVms: 2, idleCooldownSeconds: 0 })
    expect(result).toEqual({
      ok: true,
      settings: { ...DEFAULT_CLUSTER_SCALING_SETTINGS, minVms: 2, maxVms: 2, idleCooldownSeconds: 0 },
    })
  })
})
