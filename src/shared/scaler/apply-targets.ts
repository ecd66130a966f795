// The apply step between the cluster plan and the agents: which targets to send now, which decreases to
// hold, and which VMs to take out of the front rotation first, so that no replica is removed before the
// capacity that replaces it is ready (make before break). Pure: the caller owns the clock and the state.
import { z } from 'zod'

/** One VM as the apply step sees it, each second. */
export interface ApplyVm {
  id: string
  name: string
  /** Its agent is connected. A VM without one gets no command and loses its drain mark. */
  connected: boolean
  /** The plan's target: what the VM converges to (the count the UI shows). */
  target: number
  /** The last target the agent took, or the one on its way to it. */
  sent: number
  /** Ready containers in its latest report. */
  ready: number
  /** Requests the front proxy has in flight to the VM. */
  inFlight: number
  /** The user stops or removes it (the planner gave it capacity 0): its replicas go only once placed elsewhere. */
  cordoned?: boolean
}

export interface ApplyInput {
  now: number
  vms: readonly ApplyVm[]
  /** How long a VM out of the rotation may keep requests in flight before its target 0 is sent anyway. */
  drainTimeoutMs: number
  /**
   * How long a decrease may wait for replicas elsewhere to become ready. Past it the decrease goes ahead,
   * so a replacement that never comes up (a broken VM) does not pin the cluster above its plan for good.
   */
  holdTimeoutMs: number
  /**
   * Replicas the plan could not place that a VM being started or created will take. A cordoned VM keeps
   * its replicas until that VM has them ready (else the plan's 0 for it would break before it makes).
   */
  awaitedReplicas?: number
}

/** Plain JSON, like the planner's state. */
export const ApplyState = z.object({
  /** Since when each VM has been out of the front rotation (weight 0) on its way to 0 replicas, in ms. */
  drainingSinceMs: z.record(z.string(), z.number()),
  /** Each held decrease: since when, and the reason last logged (so it is logged once, not every second). */
  held: z.record(z.string(), z.object({ sinceMs: z.number(), reason: z.string() })),
})
export type ApplyState = z.infer<typeof ApplyState>

export interface TargetCommand {
  vmId: string
  replicas: number
  /** For the agent's log and the event log, e.g. "lab-1: 1 → 0 (out of the front rotation, 0 in flight)". */
  reason: string
}

export interface ApplyPlan {
  /** `setTarget` to send now, increases first. */
  commands: TargetCommand[]
  /** VMs the front proxy keeps at weight 0: in-flight requests finish, no new ones arrive. */
  draining: string[]
  /** Sentences for the event log, each said once: why a step waits. */
  notes: { vmId: string; message: string }[]
  state: ApplyState
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000
export const DEFAULT_HOLD_TIMEOUT_MS = 120_000

const whole = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0)
const requests = (n: number) => `${n} ${n === 1 ? 'request' : 'requests'}`
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`

/** Ready replicas a VM contributes to the plan: those it keeps, not those on their way out. */
const serving = (vm: ApplyVm) => Math.min(whole(vm.ready), whole(vm.target))

/** Why a decrease on `vm` must wait, or undefined when it removes no ready replica or the plan is covered. */
function holdReason(vm: ApplyVm, connected: readonly ApplyVm[], awaited: number): string | undefined {
  // The agent drains starting replicas first: a decrease within those takes nothing that serves.
  if (whole(vm.ready) <= whole(vm.target)) return undefined
  if (vm.cordoned && awaited > 0) {
    return `${vm.name}: ${whole(vm.sent)} → ${whole(vm.target)} held until another VM is up to take its ${awaited === 1 ? 'replica' : 'replicas'}`
  }
  const planned = connected.reduce((sum, v) => sum + whole(v.target), 0)
  const readyAfter = connected.reduce((sum, v) => sum + serving(v), 0)
  if (readyAfter >= planned) return undefined
  const waitingFor = connected
    .filter((v) => v.id !== vm.id && serving(v) < whole(v.target))
    .map((v) => v.name)
  const until =
    waitingFor.length === 0
      ? `the cluster has ${planned} ready replicas (${readyAfter} now)`
      : `${waitingFor.join(' and ')}'s ${waitingFor.length === 1 && planned - readyAfter === 1 ? 'replica is' : 'replicas are'} ready`
  return `${vm.name}: ${whole(vm.sent)} → ${whole(vm.target)} held until ${until}`
}

/**
 * One evaluation, every second: increases go out at once; a decrease waits until the replicas the plan
 * keeps elsewhere are ready; a decrease to 0 first takes the VM out of the front rotation and waits
 * (bounded by the drain timeout) until the front has no request in flight to it. Omit `previous` at first.
 */
export function applyTargets(input: ApplyInput, previous?: ApplyState): ApplyPlan {
  const { now } = input
  const connected = input.vms.filter((vm) => vm.connected)
  const state: ApplyState = { drainingSinceMs: {}, held: {} }
  const increases: TargetCommand[] = []
  const decreases: TargetCommand[] = []
  const notes: ApplyPlan['notes'] = []
  const hold = (vm: ApplyVm, reason: string) => {
    const before = previous?.held[vm.id]
    state.held[vm.id] = { sinceMs: before?.sinceMs ?? now, reason }
    if (before?.reason !== reason) notes.push({ vmId: vm.id, message: reason })
  }

  for (const vm of connected) {
    const target = whole(vm.target)
    const sent = whole(vm.sent)
    const drainingSince = previous?.drainingSinceMs[vm.id]
    if (target >= sent) {
      if (target > sent) {
        increases.push({ vmId: vm.id, replicas: target, reason: `${vm.name}: ${sent} → ${target}` })
      } else if (target === 0 && whole(vm.ready) > 0) {
        // Told 0 already: it stays out of the rotation while its last containers drain.
        state.drainingSinceMs[vm.id] = drainingSince ?? now
      }
      continue
    }

    const heldSince = previous?.held[vm.id]?.sinceMs ?? now
    const waiting = holdReason(vm, connected, whole(input.awaitedReplicas ?? 0))
    if (waiting && now - heldSince < input.holdTimeoutMs) {
      hold(vm, waiting)
      continue
    }
    const overdue = waiting ? ` after waiting ${seconds(now - heldSince)} (${waiting})` : ''
    if (target > 0) {
      decreases.push({ vmId: vm.id, replicas: target, reason: `${vm.name}: ${sent} → ${target}${overdue}` })
      continue
    }

    // To 0: out of the rotation first. The target goes out once the rotation has had a turn without the
    // VM (a mark made in this call is not applied yet) and nothing is in flight to it, or at the timeout.
    state.drainingSinceMs[vm.id] = drainingSince ?? now
    const inFlight = whole(vm.inFlight)
    const outFor = drainingSince === undefined ? -1 : now - drainingSince
    if (outFor >= input.drainTimeoutMs) {
      const still = `${requests(inFlight)} still in flight`
      decreases.push({
        vmId: vm.id,
        replicas: 0,
        reason: `${vm.name}: ${sent} → 0 after the drain timeout of ${seconds(input.drainTimeoutMs)} (${still})${overdue}`,
      })
    } else if (drainingSince !== undefined && inFlight === 0) {
      decreases.push({
        vmId: vm.id,
        replicas: 0,
        reason: `${vm.name}: ${sent} → 0 (out of the front rotation, no request in flight)${overdue}`,
      })
    } else {
      hold(
        vm,
        `${vm.name}: ${sent} → 0 held until the front has no request in flight to it (out of the rotation)`,
      )
    }
  }
  return {
    commands: [...increases, ...decreases],
    draining: Object.keys(state.drainingSinceMs),
    notes,
    state,
  }
}
