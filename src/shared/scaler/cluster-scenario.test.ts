// The cluster autoscaler over time, planCluster and planFleet together against a simulated lab: a load
// step that outgrows one VM, then calm. Replicas must spread to a second VM and come back without flaps.
import { describe, expect, it } from 'vitest'
import type { ProviderVmState } from '../domain/cluster'
import { DEFAULT_POLICY } from '../policy'
import { DEFAULT_CLUSTER_SCALING_SETTINGS } from './cluster-settings'
import { type ClusterPlanState, planCluster } from './plan-cluster'
import { type FleetState, type FleetVm, planFleet } from './plan-fleet'

const CONTAINER_START_MS = 2_000
const VM_BOOT_MS = { starting: 10_000, agent: 30_000 } // provider says running at 10 s, agent at 30 s
const VM_STOP_MS = 5_000

interface SimVm {
  id: string
  capacity: number
  providerState: ProviderVmState
  ready: boolean
  /** When the provider's start or stop began. */
  sinceMs: number
  target: number
  replicas: { id: string; readyAt: number }[]
}

/** Reversals of a count's direction within 60 s of the previous change (SCALING-BENCH.md "flaps"). */
function countFlaps(series: readonly { atMs: number; value: number }[]): number {
  let flaps = 0
  let last: { atMs: number; up: boolean } | undefined
  for (let i = 1; i < series.length; i++) {
    const [before, after] = [series[i - 1], series[i]]
    if (!before || !after || before.value === after.value) continue
    const up = after.value > before.value
    if (last && last.up !== up && after.atMs - last.atMs < 60_000) flaps++
    last = { atMs: after.atMs, up }
  }
  return flaps
}

/** Steps the lab once a second; `load` is the demand in CPU limits' worth (1 = one busy replica). */
function simulate(seconds: number, load: (second: number) => number) {
  const policy = { ...DEFAULT_POLICY, targetUtilization: 0.6, maxReplicas: 8 }
  const settings = DEFAULT_CLUSTER_SCALING_SETTINGS
  const vms: SimVm[] = [
    { id: 'lab-1', capacity: 4, providerState: 'running', ready: true, sinceMs: 0, target: 1, replicas: [] },
    { id: 'lab-2', capacity: 4, providerState: 'stopped', ready: false, sinceMs: 0, target: 0, replicas: [] },
  ]
  vms[0]?.replicas.push({ id: 'lab-1-r0', readyAt: -60_000 })
  let nextReplica = 1
  let clusterState: ClusterPlanState | undefined
  let fleetState: FleetState | undefined
  const totals: { atMs: number; value: number }[] = []
  const targets: Record<string, { atMs: number; value: number }[]> = { 'lab-1': [], 'lab-2': [] }
  const log: string[] = []

  for (let second = 0; second <= seconds; second++) {
    const now = second * 1000
    for (const vm of vms) {
      // The provider and the agent: boot, stop, and converge to the target (newest replicas go first).
      if (vm.providerState === 'starting' && now - vm.sinceMs >= VM_BOOT_MS.starting)
        vm.providerState = 'running'
      if (vm.providerState === 'running' && !vm.ready && now - vm.sinceMs >= VM_BOOT_MS.agent) vm.ready = true
      if (vm.providerState === 'stopping' && now - vm.sinceMs >= VM_STOP_MS) vm.providerState = 'stopped'
      if (!vm.ready) continue
      while (vm.replicas.length < vm.target) {
        vm.replicas.push({ id: `${vm.id}-r${nextReplica++}`, readyAt: now + CONTAINER_START_MS })
      }
      vm.replicas.length = Math.min(vm.replicas.length, vm.target)
    }
    // Least outstanding requests shares the load evenly over the replicas that serve.
    const serving = vms.flatMap((vm) => (vm.ready ? vm.replicas.filter((r) => r.readyAt <= now) : []))
    const utilization = Math.min(1, load(second) / Math.max(1, serving.length))

    const plan = planCluster(
      {
        now,
        policy,
        placement: settings.placement,
        vms: vms.map((vm) => ({
          id: vm.id,
          name: vm.id,
          ready: vm.ready,
          capacity: vm.capacity,
          currentTarget: vm.target,
          replicas: vm.replicas.map((r) => ({
            id: r.id,
            ready: r.readyAt <= now,
            readySinceMs: r.readyAt,
            utilization,
          })),
        })),
      },
      clusterState,
    )
    clusterState = plan.state
    for (const vm of vms) vm.target = plan.targets[vm.id] ?? 0
    log.push(...plan.reasons.map((reason) => `${second} s ${reason}`))
    totals.push({ atMs: now, value: plan.desiredTotal })
    for (const vm of vms) targets[vm.id]?.push({ atMs: now, value: vm.target })

    const fleet = planFleet(
      {
        now,
        vms: vms.map(
          (vm): FleetVm => ({
            ...vm,
            name: vm.id,
            canStartStop: true,
            // The simulated agent drops surplus replicas at once.
            containers: Math.min(vm.replicas.length, vm.target),
          }),
        ),
        unplaced: plan.unplaced,
        settings,
        canCreate: false,
      },
      fleetState,
    )
    fleetState = fleet.state
    const action = fleet.action
    const vm = vms.find((v) => v.id === action?.vmId)
    if (!action || !vm) continue
    log.push(`${second} s ${action.reason}`)
    vm.sinceMs = now
    if (action.kind === 'start') vm.providerState = 'starting'
    if (action.kind === 'stop') Object.assign(vm, { providerState: 'stopping', ready: false, replicas: [] })
  }
  return { vms, totals, targets, log }
}

describe('cluster autoscaler scenario: a load step, then calm', () => {
  // 0.4 of a CPU limit fits one replica at the 60 % target; 3.3 needs six, more than lab-1's four.
  const step = (second: number) => (second >= 30 && second < 330 ? 3.3 : 0.4)
  const { vms, totals, targets, log } = simulate(900, step)
  const at = (series: { atMs: number; value: number }[] | undefined, second: number) =>
    series?.find((s) => s.atMs === second * 1000)?.value

  it('starts a second VM when the load outgrows the first, and spreads replicas onto it', () => {
    const started = log.filter((line) => line.includes('Starting lab-2'))
    expect(started).toHaveLength(1)
    expect(started[0]).toMatch(
      /^\d+ s Starting lab-2 \(room for 4 replicas\): \d replicas? (does|do) not fit/,
    )
    expect(Math.max(...(targets['lab-2'] ?? []).map((s) => s.value))).toBe(2)
    expect(at(totals, 320)).toBe(6)
    expect([at(targets['lab-1'], 320), at(targets['lab-2'], 320)]).toEqual([4, 2])
    expect(log).toContainEqual(
      expect.stringMatching(/ s lab-2: 0 → 2 replicas \(spread: the only VM with room\)$/),
    )
  })

  it('gives the replicas back in one step after the calm and stops the VM left idle after its cool-down', () => {
    // The policy gives back all that the calm does not need at once (6 → 1); spread takes them from the VM
    // that runs the most, one at a time, so either VM may be the one left running.
    const scaleDowns = log.filter((line) => line.includes('(spread: it ran the most)'))
    expect(new Set(scaleDowns.map((line) => line.split(' ')[0]))).toHaveLength(1)
    const idle = vms.find((vm) => vm.target === 0)
    expect(idle).toBeDefined()
    const emptied = (targets[idle?.id ?? ''] ?? []).findLast((s) => s.value > 0)?.atMs ?? 0
    const stop = log.find((line) => line.includes(`Stopping ${idle?.id}`))
    expect(stop).toMatch(
      new RegExp(
        `^\\d+ s Stopping ${idle?.id}: no replicas on ${idle?.id} for 120 s \\(idle cool-down 120 s\\)$`,
      ),
    )
    expect(Number(stop?.split(' ')[0]) * 1000 - emptied).toBe(121_000)
    expect(vms.map((vm) => [vm.providerState, vm.target]).sort()).toEqual([
      ['running', 1],
      ['stopped', 0],
    ])
  })

  it('never reverses a direction within 60 s, in the total or on any VM', () => {
    expect(countFlaps(totals)).toBe(0)
    expect(countFlaps(targets['lab-1'] ?? [])).toBe(0)
    expect(countFlaps(targets['lab-2'] ?? [])).toBe(0)
    expect(log.filter((line) => line.includes('Starting') || line.includes('Stopping'))).toHaveLength(2)
  })
})
