import { describe, expect, it } from 'vitest'
import { type Decision, decideReplicas, type ScalingInput } from './decide-replicas'
import type { ReplicaSample } from './replica-calculator'
import { PolicyState } from './scaling-behavior'
import { DEFAULT_POLICY, HPA_DEFAULT_POLICY, ScalingPolicy, type ScalingPolicyInput } from './scaling-policy'

// Windows and rate limits out of the way, to see the replica calculation and the bounds alone.
const instant = (input: ScalingPolicyInput = {}) =>
  ScalingPolicy.parse({
    targetUtilization: 0.5,
    scaleUp: { stabilizationSeconds: 0, maxPercent: 1000, periodSeconds: 1 },
    scaleDown: { stabilizationSeconds: 0, maxPercent: 100, periodSeconds: 1 },
    ...input,
  })
const hpa = (targetUtilization: number) => ({ ...HPA_DEFAULT_POLICY, targetUtilization })
const ours = (targetUtilization: number) => ({ ...DEFAULT_POLICY, targetUtilization })

const ready = (count: number, utilization: number): ReplicaSample[] =>
  Array.from({ length: count }, (_, i) => ({ id: `r${i}`, ready: true, utilization }))
const starting = (count: number): ReplicaSample[] =>
  Array.from({ length: count }, (_, i) => ({ id: `s${i}`, ready: false }))

const decide = (
  policy: ScalingPolicy,
  current: number,
  samples: ReplicaSample[],
  extra: Partial<ScalingInput> = {},
) => decideReplicas({ now: 0, currentReplicas: current, samples, policy, ...extra })

/** Evaluates at each second given, applying every decision; all replicas long ready, at `utilization`. */
function simulate(
  policy: ScalingPolicy,
  start: number,
  seconds: number[],
  utilization: (second: number, current: number) => number,
): Decision[] {
  let current = start
  let state: PolicyState | undefined
  return seconds.map((second) => {
    const samples = ready(current, utilization(second, current))
    const decision = decideReplicas({ now: second * 1000, currentReplicas: current, samples, policy }, state)
    state = decision.state
    current = decision.desired
    return decision
  })
}
const every = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step)
/** A total load in CPU limits' worth, shared evenly: what each replica then measures. */
const load = (limits: (second: number) => number) => (second: number, current: number) =>
  Math.min(1, limits(second) / current)

describe('decideReplicas: one decision', () => {
  it('explains a rate-limited scale-up in one sentence', () => {
    const { desired, reason } = decide(hpa(0.3), 2, ready(2, 0.92))
    expect(desired).toBe(6)
    expect(reason).toMatchObject({ action: 'scale-up', rawDesired: 7, desired: 6, limitedBy: 'rate-limit' })
    expect(reason.message).toBe(
      'CPU 92% of limit vs target 30% (ratio 3.07): 2 → 6 replicas, recommended 7, limited by the scale-up rate ' +
        '(at most +100% or +4 replicas per 15 s)',
    )
  })

  it.each([
    {
      name: 'scales up in proportion',
      current: 2,
      samples: ready(2, 0.9),
      desired: 4,
      reason: { action: 'scale-up', utilization: 0.9, target: 0.5, rawDesired: 4 },
      message: 'CPU 90% of limit vs target 50% (ratio 1.80): 2 → 4 replicas',
    },
    {
      name: 'scales down in proportion',
      current: 4,
      samples: ready(4, 0.1),
      desired: 1,
      reason: { action: 'scale-down', rawDesired: 1 },
      message: 'CPU 10% of limit vs target 50% (ratio 0.20): 4 → 1 replica',
    },
    {
      name: 'holds inside the tolerance',
      current: 3,
      samples: ready(3, 0.52),
      desired: 3,
      reason: { action: 'hold', limitedBy: 'tolerance' },
      message: 'CPU 52% of limit vs target 50% (ratio 1.04): holding 3 replicas, within the ±10% tolerance',
    },
    {
      name: 'waits for warming-up replicas rather than reverse direction',
      current: 4,
      samples: [...ready(2, 0.6), ...starting(2)],
      desired: 4,
      reason: { action: 'hold', limitedBy: 'warm-up', adjustedRatio: 0.6, warmingUp: 2 },
      message:
        'CPU 60% of limit vs target 50% (ratio 1.20; 0.60 counting 2 replicas warming up as idle): holding 4 ' +
        'replicas, counting the replicas still warming up would reverse the direction, so waiting for them',
    },
    {
      name: 'holds without any ready metric',
      current: 2,
      samples: starting(2),
      desired: 2,
      reason: { action: 'hold', limitedBy: 'no-metrics', utilization: null, ratio: null },
      message: 'No CPU metrics yet from a ready replica (2 warming up): holding 2 replicas',
    },
    {
      name: 'stops at the minimum',
      current: 3,
      samples: ready(3, 0.05),
      min: 2,
      desired: 2,
      reason: { action: 'scale-down', rawDesired: 1, limitedBy: 'min' },
      message:
        'CPU 5% of limit vs target 50% (ratio 0.10): 3 → 2 replicas, limited by the minimum of 2 replicas',
    },
    {
      name: 'stops at the maximum',
      current: 4,
      samples: ready(4, 1),
      max: 5,
      desired: 5,
      reason: { action: 'scale-up', rawDesired: 8, limitedBy: 'max' },
      message:
        'CPU 100% of limit vs target 50% (ratio 2.00): 4 → 5 replicas, limited by the maximum of 5 replicas',
    },
    {
      name: 'stops at capacity below the maximum',
      current: 2,
      samples: ready(2, 1),
      capacity: 3,
      desired: 3,
      reason: { action: 'scale-up', rawDesired: 4, limitedBy: 'capacity' },
      message:
        'CPU 100% of limit vs target 50% (ratio 2.00): 2 → 3 replicas, limited by capacity (3 replicas fit)',
    },
    {
      name: 'lets capacity win over the minimum',
      current: 2,
      samples: ready(2, 0.05),
      min: 3,
      capacity: 2,
      desired: 2,
      reason: { action: 'hold', limitedBy: 'capacity' },
      message:
        'CPU 5% of limit vs target 50% (ratio 0.10): holding 2 replicas, limited by capacity (2 replicas fit)',
    },
  ])('$name', ({ current, samples, min, max, capacity, desired, reason, message }) => {
    const policy = instant({ minReplicas: min ?? 1, maxReplicas: max ?? 10 })
    const decision = decide(policy, current, samples, capacity === undefined ? {} : { capacity })
    expect(decision.desired).toBe(desired)
    expect(decision.reason).toMatchObject({ ...reason, current, desired, message })
  })
})

describe('decideReplicas: outside the bounds and at zero', () => {
  it.each([
    {
      name: 'starts the minimum from zero replicas',
      current: 0,
      capacity: undefined,
      desired: 1,
      limitedBy: 'min',
      message: 'No CPU metrics yet from a ready replica: 0 → 1 replica, up to the minimum of 1 replica',
    },
    {
      name: 'stays at zero when no replica fits',
      current: 0,
      capacity: 0,
      desired: 0,
      limitedBy: 'capacity',
      message:
        'No CPU metrics yet from a ready replica: holding 0 replicas, limited by capacity (no replica fits)',
    },
    {
      name: 'drops to zero when capacity goes away',
      current: 2,
      capacity: 0,
      desired: 0,
      limitedBy: 'capacity',
      message:
        'CPU 10% of limit vs target 60% (ratio 0.17): 2 → 0 replicas, down to capacity (no replica fits)',
    },
    {
      name: 'returns to capacity at once, past the scale-down window and rate',
      current: 5,
      capacity: 3,
      desired: 3,
      limitedBy: 'capacity',
      message:
        'CPU 10% of limit vs target 60% (ratio 0.17): 5 → 3 replicas, down to capacity (3 replicas fit)',
    },
    {
      name: 'returns to the maximum at once',
      current: 12,
      capacity: undefined,
      desired: 10,
      limitedBy: 'max',
      message:
        'CPU 10% of limit vs target 60% (ratio 0.17): 12 → 10 replicas, down to the maximum of 10 replicas',
    },
  ])('$name', ({ current, capacity, desired, limitedBy, message }) => {
    const samples = ready(current, 0.1)
    const decision = decide(ours(0.6), current, samples, capacity === undefined ? {} : { capacity })
    expect(decision.reason).toMatchObject({ desired, limitedBy, message })
  })

  it('never recommends zero for idle replicas while the minimum is 1', () => {
    expect(decide(instant(), 3, ready(3, 0)).desired).toBe(1)
  })

  it('counts a start from zero as a scale-up event for the rate limit', () => {
    expect(decide(ours(0.6), 0, []).state.scaleUpEvents).toEqual([{ atMs: 0, replicas: 1 }])
  })
})

describe('decideReplicas: over time', () => {
  it('HPA scales up on the first evaluation (no up window)', () => {
    expect(simulate(hpa(0.6), 2, [0], () => 0.9)[0]?.desired).toBe(3)
  })

  it('our scale-up waits until three evaluations agree, and uses the lowest of them', () => {
    const decisions = simulate(ours(0.6), 2, every(0, 3), () => 0.9)
    expect(decisions.map((d) => d.desired)).toEqual([2, 2, 2, 3])
    expect(decisions[0]?.reason.message).toBe(
      'CPU 90% of limit vs target 60% (ratio 1.50): holding 2 replicas, recommended 3; scale-up stabilization ' +
        'applies the lowest of the last 3 s',
    )
  })

  it('a one-second blip inside the band restarts the scale-up window', () => {
    const decisions = simulate(ours(0.6), 2, every(0, 5), (s) => (s === 1 ? 0.6 : 0.9))
    expect(decisions.map((d) => d.desired)).toEqual([2, 2, 2, 2, 3, 3])
  })

  it('HPA scales down only to the highest recommendation of the last 300 s', () => {
    const decisions = simulate(hpa(0.5), 4, every(0, 315, 15), (s) => (s === 15 ? 0.3 : 0.1))
    const at = (second: number) => decisions[second / 15]!
    expect(at(285)).toMatchObject({ desired: 4, reason: { rawDesired: 1, limitedBy: 'stabilization' } })
    expect(at(285).reason.message).toContain('scale-down stabilization applies the highest of the last 300 s')
    expect(at(300)).toMatchObject({ desired: 3, reason: { rawDesired: 1, limitedBy: 'stabilization' } })
    expect(at(315).desired).toBe(1)
  })

  it('HPA adds at most max(100 %, 4) per 15 s, counting what the period already added', () => {
    const decisions = simulate(hpa(0.1), 1, [0, 5, 15], () => 1)
    expect(decisions.map((d) => [d.desired, d.reason.limitedBy])).toEqual([
      [5, 'rate-limit'],
      [5, 'rate-limit'],
      [10, 'max'],
    ])
  })

  it('ours gives back what a calm minute does not need, in one step', () => {
    // 40 % under the target is no clear drop: the whole 60 s window applies.
    const decisions = simulate(
      ours(0.6),
      8,
      every(0, 130),
      load(() => 8 * 0.36),
    )
    const at = (second: number) => decisions[second]!.desired
    expect([at(30), at(59), at(60), at(130)]).toEqual([8, 8, 6, 6])
  })

  it('ours gives back a clear drop (to half or less, two replicas or more) once it has held 15 s', () => {
    const decisions = simulate(ours(0.6), 8, every(0, 130), () => 0.06)
    const at = (second: number) => decisions[second]!.desired
    expect([at(13), at(14), at(15), at(130)]).toEqual([8, 8, 1, 1])
  })

  it('a drop of one replica is never clear: 2 → 1 waits the whole 60 s window', () => {
    const decisions = simulate(ours(0.6), 2, every(0, 130), () => 0.12)
    const at = (second: number) => decisions[second]!.desired
    expect([at(30), at(59), at(60)]).toEqual([2, 2, 1])
    expect(decisions[30]?.reason.message).toBe(
      'CPU 12% of limit vs target 60% (ratio 0.20): holding 2 replicas, recommended 1; scale-down stabilization ' +
        'applies the highest of the last 60 s',
    )
  })

  it("ours releases a spike's replicas 61 s after its last scale-up, not a whole window after the spike", () => {
    // A 30 s spike at 8 limits' worth from 10 s on, then a tenth of the target on the replicas it bought.
    const spike = load((s) => (s >= 10 && s < 40 ? 8 : 0.3))
    const decisions = simulate(ours(0.6), 1, every(0, 200), spike)
    const changes = decisions.flatMap((d, s) =>
      d.desired !== d.reason.current ? [{ s, up: d.desired > d.reason.current, to: d.desired }] : [],
    )
    const lastUp = Math.max(...changes.filter((c) => c.up).map((c) => c.s))
    // The 60 s window alone would hold until the last high recommendation (39 s) is 60 s old.
    expect(changes.find((c) => !c.up)).toEqual({ s: Math.max(lastUp + 61, 40 + 15), up: false, to: 1 })
    expect(lastUp + 61).toBeLessThan(39 + 60)
  })

  it('ours asks for no more replicas while the ones it just asked for are warming up', () => {
    // The up window out of the way, to see the rule alone.
    const policy = { ...ours(0.3), scaleUp: { ...ours(0.3).scaleUp, stabilizationSeconds: 0 } }
    // Two saturated replicas and one still starting: counted as idle, it still leaves a ratio of 2.22.
    const busy = [...ready(2, 1), ...starting(1)]
    const held = decide(policy, 3, busy).reason
    expect(held).toMatchObject({ rawDesired: 7, desired: 3, limitedBy: 'warming' })
    expect(held.message).toBe(
      'CPU 100% of limit vs target 30% (ratio 3.33; 2.22 counting 1 replica warming up as idle): holding 3 ' +
        'replicas, recommended 7; waiting for the replicas still warming up to take their share first',
    )
    // Without the rule, HPA's warm-up accounting alone buys another before the first has taken any load.
    const eager = { ...policy, steadiness: { ...policy.steadiness, waitForWarmUp: false } }
    expect(decide(eager, 3, busy).desired).toBe(6)
    // Once all are ready, it scales up again.
    expect(decide(policy, 3, ready(3, 1)).desired).toBe(6)
  })

  it('explains a hold in the scale-down window in one sentence', () => {
    const decisions = simulate(ours(0.6), 8, every(0, 130), () => 0.06)
    const calm = { ...ours(0.6), steadiness: { ...ours(0.6).steadiness, clearDropSeconds: 0 } }
    const slow = simulate(calm, 8, every(0, 130), () => 0.06)
    expect(decisions[30]?.desired).toBe(1)
    expect(slow[30]?.reason.message).toBe(
      'CPU 6% of limit vs target 60% (ratio 0.10): holding 8 replicas, recommended 1; scale-down stabilization ' +
        'applies the highest of the last 60 s',
    )
  })

  it('does not buy a replica for a small rise that does not last: 17 % over the target for 10 s at a time', () => {
    const swinging = load((s) => (s % 20 < 10 ? 2.8 : 1.8))
    const decisions = simulate(ours(0.6), 4, every(0, 300), swinging)
    const counts = decisions.map((d) => d.desired)
    expect(counts.filter((count, i) => i > 0 && count !== counts[i - 1])).toEqual([])
    expect(decisions[5]?.reason).toMatchObject({ rawDesired: 5, desired: 4, limitedBy: 'small-rise' })
    expect(decisions[5]?.reason.message).toBe(
      'CPU 70% of limit vs target 60% (ratio 1.17): holding 4 replicas, recommended 5; a rise to at most 1.3× ' +
        'the target must hold 15 s first',
    )
  })

  it('buys a replica for a small rise that lasts 15 s', () => {
    const risen = load((s) => (s < 10 ? 2.2 : 2.8))
    const counts = simulate(ours(0.6), 4, every(0, 60), risen).map((d) => d.desired)
    // Recommended from 10 s on: at 24 s it has held for 15 evaluations.
    expect(counts.indexOf(5)).toBe(10 + 14)
    expect(counts.at(-1)).toBe(5)
  })

  it('gives nothing back within 60 s of a scale-up, so a scale-down never undoes one inside the flap horizon', () => {
    const policy = { ...ours(0.6), scaleDown: { ...ours(0.6).scaleDown, stabilizationSeconds: 5 } }
    // Up on a surge at 10 s; calm from 20 s, long past the 5 s window by 30 s.
    const surge = load((s) => (s >= 10 && s < 20 ? 4 : 1))
    const decisions = simulate(policy, 2, every(0, 120), surge)
    const changes = decisions.flatMap((d, s) =>
      d.desired !== d.reason.current ? [{ s, up: d.desired > d.reason.current }] : [],
    )
    const lastUp = Math.max(...changes.filter((c) => c.up).map((c) => c.s))
    const firstDown = changes.find((c) => !c.up)?.s
    expect(firstDown).toBe(lastUp + 61)
    expect(decisions[lastUp + 30]?.reason).toMatchObject({ limitedBy: 'after-scale-up' })
    expect(decisions[lastUp + 30]?.reason.message).toContain('no scale-down within 60 s of a scale-up')
  })

  it('leaves headroom under the target when it scales down, so the next noisy minute does not undo it', () => {
    const settledAt = (policy: ScalingPolicy, limits: number) =>
      simulate(
        policy,
        4,
        every(0, 120),
        load(() => limits),
      ).at(-1)!
    // 1.75 limits on 4 replicas: 44 % each. Three would run at 58 %, just under the 60 % target: less than
    // the 5 % headroom, so four stay.
    expect(settledAt(ours(0.6), 1.75)).toMatchObject({ desired: 4, reason: { limitedBy: 'headroom' } })
    expect(settledAt(ours(0.6), 1.75).reason.message).toBe(
      'CPU 44% of limit vs target 60% (ratio 0.73): holding 4 replicas, removing a replica would leave less ' +
        'than 5% headroom under the target',
    )
    // 1.6 limits: three run at 53 %, 11 % under the target.
    expect(settledAt(ours(0.6), 1.6).desired).toBe(3)
    // Without the headroom, 1.75 limits go down to three.
    const none = { ...ours(0.6), steadiness: { ...ours(0.6).steadiness, scaleDownHeadroom: 0 } }
    expect(settledAt(none, 1.75).desired).toBe(3)
  })

  it('keeps the replicas through a calm for 300 s once the load has come back soon after a scale-down', () => {
    // Bursts of 30 s every 150 s: the first calm gives the replicas back after 60 s, the burst returns,
    // and from then on the calms (120 s) are shorter than the 300 s window: the replicas stay warm.
    const bursts = load((s) => (s % 150 >= 10 && s % 150 < 40 ? 4.5 : 0.5))
    const decisions = simulate(ours(0.6), 1, every(0, 900), bursts)
    const downs = decisions.flatMap((d, s) => (d.desired < d.reason.current ? [s] : []))
    expect(downs.length).toBeGreaterThan(0)
    expect(downs.every((s) => s < 300)).toBe(true)
    const held = decisions.find((d) => d.reason.limitedBy === 'burst')
    expect(held?.reason.message).toContain(
      'the load came back within 600 s of a scale-down, so scale-down stabilization applies the highest of the last 300 s',
    )
    // Without the burst memory, every calm gives the replicas back.
    const forgetful = { ...ours(0.6), steadiness: { ...ours(0.6).steadiness, burstMemorySeconds: 0 } }
    const forgetfulDowns = simulate(forgetful, 1, every(0, 900), bursts).flatMap((d, s) =>
      d.desired < d.reason.current ? [s] : [],
    )
    expect(forgetfulDowns.some((s) => s > 300)).toBe(true)
  })

  it('follows a load step up within seconds and back down after the window, each direction once', () => {
    const step = load((s) => (s >= 10 && s < 70 ? 4.8 : 1.2))
    const counts = simulate(ours(0.6), 2, every(0, 300), step).map((d) => d.desired)
    const moves = counts.flatMap((count, s) =>
      s > 0 && count !== counts[s - 1] ? [{ s, up: count > counts[s - 1]! }] : [],
    )
    const directions = moves.map((m) => m.up).filter((up, i, all) => i === 0 || up !== all[i - 1])
    expect(directions).toEqual([true, false])
    expect(Math.max(...counts)).toBe(8) // 4.8 limits' worth of load at a 60 % target
    expect(moves.find((m) => m.up)?.s).toBeLessThanOrEqual(13)
    // The load falls to a quarter at 70 s: a clear drop, released once it has held 15 s, but never within
    // 60 s of the last scale-up (the 60 s window alone would wait for 129 s).
    const lastUp = Math.max(...moves.filter((m) => m.up).map((m) => m.s))
    expect(moves.find((m) => !m.up)?.s).toBe(Math.max(70 + 15 - 1, lastUp + 61))
    // Two replicas would run right at the target (1.2 limits at 60 %); the headroom keeps a third.
    expect(counts.at(-1)).toBe(3)
  })

  it('does not record a recommendation when there is nothing to measure', () => {
    const first = decide(ours(0.6), 2, starting(2))
    expect(first.state.recommendations).toEqual([{ atMs: 0, replicas: 2 }])
  })
})

describe('decideReplicas: purity and state', () => {
  const input: ScalingInput = { now: 30_000, currentReplicas: 3, samples: ready(3, 0.9), policy: ours(0.6) }
  const previous: PolicyState = {
    recommendations: [{ atMs: 28_000, replicas: 5 }],
    scaleUpEvents: [{ atMs: 20_000, replicas: 1 }],
    scaleDownEvents: [],
  }

  it('returns the same decision for the same input and never mutates it', () => {
    const frozen = structuredClone(previous)
    Object.freeze(frozen.recommendations)
    Object.freeze(frozen)
    expect(decideReplicas(input, frozen)).toEqual(decideReplicas(input, frozen))
    expect(frozen).toEqual(previous)
  })

  it('returns plain JSON state that survives the wire', () => {
    const { state } = decideReplicas(input, previous)
    expect(PolicyState.parse(JSON.parse(JSON.stringify(state)))).toEqual(state)
  })

  it('keeps the state bounded by the longest window', () => {
    const decisions = simulate(ours(0.6), 4, every(0, 600), (s) => (s < 300 ? 0.9 : 0.2))
    const last = decisions.at(-1)!.state
    // The longest window is the burst one (300 s).
    const longest = DEFAULT_POLICY.steadiness.burstStabilizationSeconds
    expect(last.recommendations.length).toBeLessThanOrEqual(longest)
    expect(last.recommendations.every((r) => r.atMs > 600_000 - longest * 1000)).toBe(true)
  })
})
