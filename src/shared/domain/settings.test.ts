import { describe, expect, it } from 'vitest'
import { DEFAULT_HEALTH_SETTINGS } from '../balancer/health-settings'
import { describeIssues } from '../issues'
import { VimSettings, VimSettingsPatch } from './settings'

const problems = (input: unknown) => {
  const result = VimSettings.safeParse(input)
  return result.success ? '' : describeIssues(result.error.issues)
}

describe('VimSettings bounds', () => {
  it.each([
    [
      { scaling: { policy: { intervalSeconds: 1e300 } } },
      'scaling.policy.intervalSeconds: intervalSeconds must be at most 3,600 seconds',
    ],
    [
      { scaling: { policy: { metricWindowSeconds: 7200 } } },
      'metricWindowSeconds must be at most 3,600 seconds',
    ],
    [
      { scaling: { policy: { readinessDelaySeconds: 3601 } } },
      'readinessDelaySeconds must be at most 3,600 seconds',
    ],
    [{ scaling: { policy: { maxReplicas: 5000 } } }, 'maxReplicas must be at most 1,024 replicas'],
    [{ scaling: { policy: { scaleUp: { maxPercent: 1e6 } } } }, 'scaleUp.maxPercent must be at most 1,000 %'],
    [
      { scaling: { policy: { scaleDown: { stabilizationSeconds: 1e9 } } } },
      'scaleDown.stabilizationSeconds must be at most 3,600 seconds',
    ],
    [
      { scaling: { policy: { scaleDown: { periodSeconds: 1e9 } } } },
      'scaleDown.periodSeconds must be at most 3,600 seconds',
    ],
    [
      { scaling: { policy: { scaleUp: { maxReplicas: 2000 } } } },
      'scaleUp.maxReplicas must be at most 1,024 replicas',
    ],
    [{ scaling: { maxVms: 65 } }, 'maxVms must be at most 64 VMs'],
    [{ scaling: { idleCooldownSeconds: 86_401 } }, 'idleCooldownSeconds must be at most 86,400 seconds'],
    [{ scaling: { startTimeoutSeconds: 1e12 } }, 'startTimeoutSeconds must be at most 3,600 seconds'],
  ])('refuses %j, naming the field and its limit', (input, message) => {
    expect(problems(input)).toContain(message)
  })

  it('accepts every bound itself', () => {
    const atLimits = {
      scaling: {
        policy: {
          intervalSeconds: 3600,
          metricWindowSeconds: 3600,
          readinessDelaySeconds: 3600,
          maxReplicas: 1024,
          scaleUp: { stabilizationSeconds: 3600, periodSeconds: 3600, maxPercent: 1000, maxReplicas: 1024 },
        },
        maxVms: 64,
        idleCooldownSeconds: 86_400,
        startTimeoutSeconds: 3600,
      },
    }
    expect(problems(atLimits)).toBe('')
  })
})

describe('unknown settings', () => {
  it.each([
    [
      { scaling: { policy: { targetUtilisation: 0.5 } } },
      'scaling.policy: unknown setting targetUtilisation',
    ],
    [
      { scaling: { policy: { scaleUp: { maxPercents: 5 } } } },
      'scaling.policy.scaleUp: unknown setting maxPercents',
    ],
    [
      { scaling: { policy: { tolerance: { sideways: 1 } } } },
      'scaling.policy.tolerance: unknown setting sideways',
    ],
    [{ scaling: { maxVM: 3 } }, 'scaling: unknown setting maxVM'],
    [{ lab: { keep: true } }, 'lab: unknown setting keep'],
    [{ balancr: 'random', theme: 'dark' }, 'unknown settings balancr, theme'],
  ])('refuses %j by name', (input, message) => {
    expect(problems(input)).toContain(message)
  })

  it('refuses unknown keys in a patch from the API', () => {
    const result = VimSettingsPatch.safeParse({ balancer: 'random', scalling: {} })
    expect(result.success).toBe(false)
    if (!result.success) expect(describeIssues(result.error.issues)).toBe('unknown setting scalling')
  })
})

describe('VimSettings proxy.trustedProxies', () => {
  it('defaults to nobody trusted', () => {
    expect(VimSettings.parse({}).proxy.trustedProxies).toEqual([])
    expect(VimSettings.parse({}).proxy.health).toEqual(DEFAULT_HEALTH_SETTINGS)
  })

  it('takes IPv4 and IPv6 addresses and CIDR blocks', () => {
    const list = ['10.0.0.5', '10.0.0.0/8', '::1', 'fd00::/8']
    expect(VimSettings.parse({ proxy: { trustedProxies: list } }).proxy.trustedProxies).toEqual(list)
    expect(VimSettingsPatch.parse({ proxy: { trustedProxies: list } }).proxy?.trustedProxies).toEqual(list)
  })

  it.each(['proxy.lan', '10.0.0.0/33', '*', ''])('refuses "%s" and says what it wants', (entry) => {
    const parsed = VimSettingsPatch.safeParse({ proxy: { trustedProxies: [entry] } })
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues[0]?.message).toMatch(/IP address or CIDR block/)
    expect(parsed.error?.issues[0]?.path).toEqual(['proxy', 'trustedProxies', 0])
  })
})

describe('VimSettings proxy.timeouts and proxy.queue', () => {
  it('has the documented defaults', () => {
    const { timeouts, queue } = VimSettings.parse({}).proxy
    expect(timeouts).toEqual({ connectMs: 5_000, responseHeadMs: 30_000, idleMs: 60_000 })
    expect(queue).toEqual({ maxInFlightPerWeight: 16, maxQueued: 64, maxWaitMs: 10_000 })
  })

  it('fills what a partial object leaves out and names a bad or unknown field', () => {
    const parsed = VimSettings.parse({ proxy: { timeouts: { responseHeadMs: 5_000 } } })
    expect(parsed.proxy.timeouts).toEqual({ connectMs: 5_000, responseHeadMs: 5_000, idleMs: 60_000 })
    expect(VimSettings.safeParse({ proxy: { queue: { maxQueued: -1 } } }).error?.issues[0]?.message).toBe(
      'maxQueued must be 0 or more',
    )
    expect(VimSettings.safeParse({ proxy: { timeouts: { headMs: 1 } } }).error?.issues[0]?.message).toBe(
      'unknown setting headMs',
    )
  })
})

describe('VimSettings proxy.health', () => {
  it('defaults to a probe every 2 s with a 1 s timeout, unhealthy after 2 failures, back after 2 passes', () => {
    expect(VimSettings.parse({}).proxy.health).toMatchObject({
      enabled: true,
      intervalMs: 2_000,
      timeoutMs: 1_000,
      unhealthyThreshold: 2,
      healthyThreshold: 2,
    })
  })

  it('takes a patch of one field without bringing the others back to their defaults', () => {
    const patch = VimSettingsPatch.parse({ proxy: { health: { intervalMs: 500 } } })
    expect(patch.proxy?.health).toEqual({ intervalMs: 500 })
  })

  it.each([
    [{ intervalMs: 10 }, 'intervalMs must be at least 100 ms'],
    [{ timeoutMs: 1.5 }, 'timeoutMs must be a whole number of milliseconds'],
    [{ unhealthyThreshold: 0 }, 'unhealthyThreshold must be at least 1'],
    [{ interval: 500 }, 'unknown setting interval'],
  ])('refuses %j and says why', (health, message) => {
    expect(problems({ proxy: { health } })).toContain(message)
    const patched = VimSettingsPatch.safeParse({ proxy: { health } })
    expect(patched.success).toBe(false)
  })
})
