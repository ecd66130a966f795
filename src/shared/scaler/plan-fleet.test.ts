import { describe, expect, it } from 'vitest'
import { type FleetAction, type FleetInput, FleetState, type FleetVm, planFleet } from './plan-fleet'

/** A running, ready VM of 4 with one replica, whose provider can start and stop it. */
const vm = (name: string, overrides: Partial<FleetVm> = {}): FleetVm => ({
  id: name,
  name,
  providerState: 'running',
  ready: true,
  capacity: 4,
  target: 1,
  canStartStop: true,
  ...overrides,
  containers: overrides.containers ?? overrides.target ?? 1,
})
const stopped = (name: string, capacity = 4) =>
  vm(name, { providerState: 'stopped', ready: false, target: 0, capacity })

const settings = { minVms: 1, maxVms: 4, idleCooldownSeconds: 120 }
const input = (vms: FleetVm[], extra: Partial<FleetInput> = {}): FleetInput => ({
  now: 0,
  vms,
  unplaced: 0,
  settings,
  canCreate: false,
  ...extra,
})

interface Case {
  name: string
  input: FleetInput
  action?: FleetAction
  waiting?: string
}

describe('planFleet: one evaluation', () => {
  it.each<Case>([
    {
      name: 'starts the stopped VM with the most room when replicas do not fit',
      input: input([vm('lab-1', { target: 4 }), stopped('lab-2', 2), stopped('lab-3', 4)], { unplaced: 2 }),
      action: {
        kind: 'start',
        vmId: 'lab-3',
        reason: 'Starting lab-3 (room for 4 replicas): 2 replicas do not fit on the ready VMs',
      },
    },
    {
      name: 'starts the first-named of equal VMs',
      input: input([vm('lab-1', { target: 4 }), stopped('lab-3'), stopped('lab-2')], { unplaced: 1 }),
      action: {
        kind: 'start',
        vmId: 'lab-2',
        reason: 'Starting lab-2 (room for 4 replicas): 1 replica does not fit on the ready VMs',
      },
    },
    {
      name: 'creates a VM when none is stopped and a provider can',
      input: input([vm('lab-1', { target: 4 })], { unplaced: 1, canCreate: true }),
      action: {
        kind: 'create',
        reason: 'Creating a VM: 1 replica does not fit on the ready VMs and no stopped VM can be started',
      },
    },
    {
      name: 'creates rather than start a VM its provider cannot power on, or one without room',
      input: input(
        [vm('lab-1', { target: 4 }), { ...stopped('ssh-1'), canStartStop: false }, stopped('lab-2', 0)],
        {
          unplaced: 1,
          canCreate: true,
        },
      ),
      action: {
        kind: 'create',
        reason: 'Creating a VM: 1 replica does not fit on the ready VMs and no stopped VM can be started',
      },
    },
    {
      name: 'says so when no VM can be started or created',
      input: input([vm('lab-1', { target: 4 })], { unplaced: 3 }),
      waiting:
        '3 replicas do not fit on the ready VMs, but no stopped VM can be started and no provider can create one',
    },
    {
      name: 'starts one VM at a time: waits while one is starting',
      input: input(
        [
          vm('lab-1', { target: 4 }),
          vm('lab-2', { providerState: 'starting', ready: false }),
          stopped('lab-3'),
        ],
        {
          unplaced: 2,
        },
      ),
      waiting: '2 replicas do not fit on the ready VMs; waiting for lab-2 to come up (0 s so far)',
    },
    {
      name: 'starts one VM at a time: waits for a running VM whose agent has not connected yet',
      input: input([vm('lab-1', { target: 4 }), vm('lab-2', { ready: false, target: 0 }), stopped('lab-3')], {
        unplaced: 2,
      }),
      waiting: '2 replicas do not fit on the ready VMs; waiting for lab-2 to come up (0 s so far)',
    },
    {
      name: 'starts one VM at a time: waits while one is stopping',
      input: input(
        [
          vm('lab-1', { target: 4 }),
          vm('lab-2', { providerState: 'stopping', ready: false }),
          stopped('lab-3'),
        ],
        {
          unplaced: 2,
        },
      ),
      waiting: '2 replicas do not fit on the ready VMs; waiting for lab-2 to stop',
    },
    {
      name: 'never goes above the maximum of VMs',
      input: input([vm('lab-1', { target: 4 }), vm('lab-2', { target: 4 }), stopped('lab-3')], {
        unplaced: 1,
        settings: { ...settings, maxVms: 2 },
      }),
      waiting: '1 replica does not fit on the ready VMs, but 2 VMs already run, the maximum',
    },
    {
      name: 'counts a VM in an unknown state toward the maximum',
      input: input(
        [
          vm('lab-1', { target: 4 }),
          vm('lab-2', { providerState: 'unknown', ready: false }),
          stopped('lab-3'),
        ],
        {
          unplaced: 1,
          settings: { ...settings, maxVms: 2 },
        },
      ),
      waiting: '1 replica does not fit on the ready VMs, but 2 VMs already run, the maximum',
    },
    {
      name: 'starts a VM to reach the minimum of VMs',
      input: input([vm('lab-1'), stopped('lab-2')], { settings: { ...settings, minVms: 2 } }),
      action: {
        kind: 'start',
        vmId: 'lab-2',
        reason: 'Starting lab-2 (room for 4 replicas): 1 VM runs, below the minimum of 2',
      },
    },
    {
      name: 'does nothing while every replica fits and no VM is idle',
      input: input([vm('lab-1'), vm('lab-2'), stopped('lab-3')]),
    },
  ])('$name', ({ input, action, waiting }) => {
    const plan = planFleet(input)
    expect(plan.action).toEqual(action)
    expect(plan.waiting).toBe(waiting)
  })
})

/** Evaluates at each second with the VMs that second gives; returns what each evaluation did. */
function run(
  seconds: number[],
  vmsAt: (second: number) => FleetVm[],
  extra: Partial<FleetInput> = {},
): { second: number; action?: FleetAction; waiting?: string }[] {
  let state: FleetState | undefined
  return seconds.map((second) => {
    const plan = planFleet(input(vmsAt(second), { now: second * 1000, ...extra }), state)
    state = FleetState.parse(JSON.parse(JSON.stringify(plan.state))) // plain JSON, as the VIM may keep it
    return { second, ...plan }
  })
}

describe('planFleet: over time', () => {
  it('stops a VM only once it has been idle for the whole cool-down', () => {
    const steps = run([0, 60, 119, 120], () => [vm('lab-1', { target: 2 }), vm('lab-2', { target: 0 })])
    expect(steps.map((s) => s.action?.kind)).toEqual([undefined, undefined, undefined, 'stop'])
    expect(steps[3]?.action).toEqual({
      kind: 'stop',
      vmId: 'lab-2',
      reason: 'Stopping lab-2: no replicas on lab-2 for 120 s (idle cool-down 120 s)',
    })
  })

  it('counts the cool-down from when its last container is gone, not from its target 0', () => {
    // lab-2's target is 0 from the start; it drains its container until second 30.
    const steps = run([0, 30, 149, 150], (second) => [
      vm('lab-1', { target: 2 }),
      vm('lab-2', { target: 0, containers: second < 30 ? 1 : 0 }),
    ])
    expect(steps.map((s) => s.action?.kind)).toEqual([undefined, undefined, undefined, 'stop'])
  })

  it('starts the cool-down again when the VM gets a replica in between', () => {
    const target = (second: number) => (second === 100 ? 1 : 0)
    const steps = run([0, 100, 110, 200, 229, 230], (second) => [
      vm('lab-1', { target: 2 }),
      vm('lab-2', { target: target(second) }),
    ])
    expect(steps.map((s) => s.action?.kind)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'stop',
    ])
  })

  it('stops the VM idle the longest first, then the next one', () => {
    const steps = run([0, 30, 120, 150], (second) => [
      vm('lab-1', { target: 2 }),
      vm('lab-2', { target: second >= 30 ? 0 : 1 }),
      vm('lab-3', second > 120 ? { providerState: 'stopped', ready: false, target: 0 } : { target: 0 }),
    ])
    expect(steps.map((s) => s.action?.vmId)).toEqual([undefined, undefined, 'lab-3', 'lab-2'])
  })

  it('never stops below the minimum of VMs', () => {
    const steps = run([0, 300], () => [vm('lab-1', { target: 2 }), vm('lab-2', { target: 0 })], {
      settings: { ...settings, minVms: 2 },
    })
    expect(steps[1]?.action).toBeUndefined()
    expect(steps[1]?.waiting).toBe(
      'no replicas on lab-2 for 300 s, but stopping it would leave fewer than the minimum of 2 VMs',
    )
  })

  it('never stops the last ready VM', () => {
    // lab-2 is powered on but its agent has been gone past the start timeout: it no longer holds
    // anything back, yet it cannot take over from lab-1.
    const steps = run([0, 300], () => [vm('lab-1', { target: 0 }), vm('lab-2', { ready: false, target: 0 })])
    expect(steps[1]?.action).toBeUndefined()
    expect(steps[1]?.waiting).toBe('no replicas on lab-1 for 300 s, but it is the last ready VM')
  })

  it('does not stop a VM its provider cannot power off', () => {
    const steps = run([0, 300], () => [
      vm('lab-1', { target: 2 }),
      vm('ssh-1', { target: 0, canStartStop: false }),
    ])
    expect(steps[1]).toEqual({ second: 300, state: expect.anything() })
  })

  it('does not stop an idle VM while another one is coming up', () => {
    const steps = run([0, 130], () => [
      vm('lab-1', { target: 2 }),
      vm('lab-2', { target: 0 }),
      vm('lab-3', { providerState: 'starting', ready: false, target: 0 }),
    ])
    expect(steps[1]?.action).toBeUndefined()
    expect(steps[1]?.waiting).toBe(
      'no replicas on lab-2 for 130 s; waiting for lab-3 to come up (130 s so far) first',
    )
  })

  it('stops waiting for a VM whose agent never connects, after the start timeout', () => {
    const steps = run(
      [0, 179, 180],
      () => [vm('lab-1', { target: 4 }), vm('lab-2', { ready: false, target: 0 }), stopped('lab-3')],
      { unplaced: 1 },
    )
    expect(steps[1]?.waiting).toBe(
      '1 replica does not fit on the ready VMs; waiting for lab-2 to come up (179 s so far)',
    )
    expect(steps[2]?.action).toEqual({
      kind: 'start',
      vmId: 'lab-3',
      reason:
        'Starting lab-3 (room for 4 replicas): 1 replica does not fit on the ready VMs (lab-2 has been up 180 s without its agent)',
    })
  })

  it('starts a VM, waits for it, and places on it once it is ready', () => {
    const lab2 = (second: number): FleetVm =>
      second < 10
        ? stopped('lab-2')
        : second < 40
          ? vm('lab-2', { providerState: second < 20 ? 'starting' : 'running', ready: false, target: 0 })
          : vm('lab-2', { target: 2 })
    let state: FleetState | undefined
    const kinds = [0, 10, 20, 39, 40].map((second) => {
      const plan = planFleet(
        input([vm('lab-1', { target: 4 }), lab2(second)], {
          now: second * 1000,
          unplaced: second < 40 ? 2 : 0,
        }),
        state,
      )
      state = plan.state
      return plan.action?.kind ?? (plan.waiting ? 'wait' : 'none')
    })
    expect(kinds).toEqual(['start', 'wait', 'wait', 'wait', 'none'])
    expect(state).toEqual({ idleSinceMs: {}, bootingSinceMs: {} })
  })
})
