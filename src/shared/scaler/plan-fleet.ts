// The fleet decision: start or create a VM when the cluster is out of room, stop one that stayed idle past
// the cool-down, one action at a time and within min/max VMs. Pure: the caller owns the clock and state.
import { z } from 'zod'
import type { ProviderVmState } from '../domain/cluster'
import { compareNames } from '../names'
import type { ClusterScalingSettings } from './cluster-settings'

export interface FleetVm {
  id: string
  name: string
  providerState: ProviderVmState
  /** Its agent is connected and it can run containers. */
  ready: boolean
  /** Most containers it runs. */
  capacity: number
  /** Replicas the cluster plan placed on it (0 for a VM that is not ready). */
  target: number
  /**
   * Containers it still runs, in any state. A VM whose target went to 0 is idle only once they are
   * gone: it drains first (out of the front rotation, in-flight requests finish), then it may be stopped.
   */
  containers: number
  /** Its provider can power it on and off (false for a plain SSH host). */
  canStartStop: boolean
}

export type FleetSettings = Pick<ClusterScalingSettings, 'minVms' | 'maxVms' | 'idleCooldownSeconds'> &
  Partial<Pick<ClusterScalingSettings, 'startTimeoutSeconds'>>

export interface FleetInput {
  now: number
  /**
   * Every VM the providers know. Refresh the list after an action completes: a VM that was started
   * must show as starting or running, or the next call would start another.
   */
  vms: readonly FleetVm[]
  /** Replicas the cluster plan could not place on the ready VMs. */
  unplaced: number
  settings: FleetSettings
  /** A provider can create another VM. */
  canCreate: boolean
}

export const FleetState = z.object({
  /** Since when each ready VM has had no replicas placed on it, in ms. */
  idleSinceMs: z.record(z.string(), z.number()),
  /** Since when each powered-on VM has been waiting for its agent, in ms. */
  bootingSinceMs: z.record(z.string(), z.number()),
})
export type FleetState = z.infer<typeof FleetState>

export interface FleetAction {
  kind: 'start' | 'create' | 'stop'
  /** The VM to start or stop; absent for create. */
  vmId?: string
  /** One sentence for the event log. */
  reason: string
}

export interface FleetPlan {
  action?: FleetAction
  /** Why the fleet wants to act but may not yet: a status line for the UI, not an event to repeat. */
  waiting?: string
  state: FleetState
}

/** How long a powered-on VM may take to connect its agent before the fleet stops waiting for it. */
export const DEFAULT_START_TIMEOUT_SECONDS = 180

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`
const byName = (a: FleetVm, b: FleetVm) => compareNames(a.name, b.name)

/** Keeps the time of each VM still in `keep`, first seen now; forgets the others. */
function since(previous: Record<string, number>, keep: readonly FleetVm[], now: number) {
  return Object.fromEntries(keep.map((vm) => [vm.id, previous[vm.id] ?? now]))
}

/** What one evaluation sees: the VMs by role, and the state as of now. */
interface Fleet {
  input: FleetInput
  state: FleetState
  /** Counted toward min and max VMs. */
  up: FleetVm[]
  ready: FleetVm[]
  /** The VM whose start or stop is still under way, if any: one action at a time. */
  busy?: { vm: FleetVm; doing: string }
  /** VMs powered on past the start timeout without their agent, for the log. */
  stuck: string[]
}

function observe(input: FleetInput, previous: FleetState | undefined): Fleet {
  const { now, vms, settings } = input
  const poweredOn = (vm: FleetVm) => vm.providerState === 'starting' || vm.providerState === 'running'
  const state: FleetState = {
    idleSinceMs: since(
      previous?.idleSinceMs ?? {},
      vms.filter((vm) => vm.ready && vm.target <= 0 && vm.containers <= 0),
      now,
    ),
    bootingSinceMs: since(
      previous?.bootingSinceMs ?? {},
      vms.filter((vm) => !vm.ready && poweredOn(vm)),
      now,
    ),
  }
  const startTimeoutMs = (settings.startTimeoutSeconds ?? DEFAULT_START_TIMEOUT_SECONDS) * 1000
  const bootedFor = (vm: FleetVm) => now - (state.bootingSinceMs[vm.id] ?? now)
  const powering = vms.filter((vm) => state.bootingSinceMs[vm.id] !== undefined)
  // A VM coming up may be exactly the room asked for, and one going down may be needed after all; a VM
  // that never connects its agent holds the fleet back only until the start timeout.
  const booting = powering.find((vm) => bootedFor(vm) < startTimeoutMs)
  const stopping = vms.find((vm) => vm.providerState === 'stopping')
  const busy = booting
    ? { vm: booting, doing: `to come up (${seconds(bootedFor(booting))} so far)` }
    : stopping && { vm: stopping, doing: 'to stop' }
  return {
    input,
    state,
    // 'unknown' counts, to be safe: the VM may well be running.
    up: vms.filter((vm) => vm.ready || (vm.providerState !== 'stopped' && vm.providerState !== 'stopping')),
    ready: vms.filter((vm) => vm.ready),
    ...(busy ? { busy } : {}),
    stuck: powering.map((vm) => `${vm.name} has been up ${seconds(bootedFor(vm))} without its agent`),
  }
}

/** Why the fleet needs another VM, if it does. */
function needForVm({ input, up }: Fleet): string | undefined {
  const unplaced = Math.max(0, Math.floor(input.unplaced))
  if (unplaced > 0)
    return `${count(unplaced, 'replica')} ${unplaced === 1 ? 'does' : 'do'} not fit on the ready VMs`
  if (up.length < input.settings.minVms) {
    return `${count(up.length, 'VM')} ${up.length === 1 ? 'runs' : 'run'}, below the minimum of ${input.settings.minVms}`
  }
  return undefined
}

function planStart(fleet: Fleet, need: string): FleetPlan {
  const { input, state, up, busy } = fleet
  if (busy) return { waiting: `${need}; waiting for ${busy.vm.name} ${busy.doing}`, state }
  if (up.length >= input.settings.maxVms) {
    return { waiting: `${need}, but ${count(up.length, 'VM')} already run, the maximum`, state }
  }
  const stuck = fleet.stuck.length > 0 ? ` (${fleet.stuck.join('; ')})` : ''
  // The largest stopped VM: the fewest starts to cover a load that is still growing.
  const stopped = input.vms
    .filter((vm) => vm.providerState === 'stopped' && vm.canStartStop && vm.capacity > 0)
    .sort((a, b) => b.capacity - a.capacity || byName(a, b))[0]
  if (stopped) {
    const reason = `Starting ${stopped.name} (room for ${count(stopped.capacity, 'replica')}): ${need}${stuck}`
    return { action: { kind: 'start', vmId: stopped.id, reason }, state }
  }
  if (input.canCreate) {
    const reason = `Creating a VM: ${need} and no stopped VM can be started${stuck}`
    return { action: { kind: 'create', reason }, state }
  }
  return { waiting: `${need}, but no stopped VM can be started and no provider can create one`, state }
}

function planStop(fleet: Fleet): FleetPlan {
  const { input, state, up, ready, busy } = fleet
  const { now, settings } = input
  // Longest idle first: the most evidence that it is not needed; then the smallest, keeping headroom.
  const idle = ready
    .filter(
      (vm) => vm.providerState === 'running' && vm.canStartStop && state.idleSinceMs[vm.id] !== undefined,
    )
    .map((vm) => ({ vm, idleMs: now - (state.idleSinceMs[vm.id] ?? now) }))
    .filter(({ idleMs }) => idleMs >= settings.idleCooldownSeconds * 1000)
    .sort((a, b) => b.idleMs - a.idleMs || a.vm.capacity - b.vm.capacity || byName(b.vm, a.vm))[0]
  if (!idle) return { state }

  const idleFor = `no replicas on ${idle.vm.name} for ${seconds(idle.idleMs)}`
  if (busy) return { waiting: `${idleFor}; waiting for ${busy.vm.name} ${busy.doing} first`, state }
  if (up.length - 1 < settings.minVms) {
    const fewer = `fewer than the minimum of ${count(settings.minVms, 'VM')}`
    return { waiting: `${idleFor}, but stopping it would leave ${fewer}`, state }
  }
  if (ready.length <= 1) return { waiting: `${idleFor}, but it is the last ready VM`, state }

  const { [idle.vm.id]: _stopped, ...idleSinceMs } = state.idleSinceMs
  const reason = `Stopping ${idle.vm.name}: ${idleFor} (idle cool-down ${settings.idleCooldownSeconds} s)`
  return { action: { kind: 'stop', vmId: idle.vm.id, reason }, state: { ...state, idleSinceMs } }
}

/**
 * At most one action per call: another VM when replicas do not fit (or fewer than minVms run), else
 * stopping one that stayed idle past the cool-down. Omit `previous` on the loop's first evaluation.
 */
export function planFleet(input: FleetInput, previous?: FleetState): FleetPlan {
  const fleet = observe(input, previous)
  const need = needForVm(fleet)
  return need ? planStart(fleet, need) : planStop(fleet)
}
