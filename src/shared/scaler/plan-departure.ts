// When a VM the user stops or removes may go: after the planner moved its replicas away and the apply step
// drained it (make before break), at once when its agent is gone, or at a bounded wait. Pure.

/** A VM the user asked to stop or remove, cordoned (capacity 0) until it is drained. */
export interface Departure {
  action: 'stop' | 'remove'
  /** When the user asked, on the VIM's clock. */
  sinceMs: number
  /** Replicas it held when it was cordoned, for the event that says they moved. */
  replicas: number
}

export interface DepartureInput {
  now: number
  name: string
  departure: Departure
  /** Its agent is connected; a VM without one has nothing to drain. */
  connected: boolean
  /** The plan's target and the last target its agent took. */
  target: number
  sent: number
  /** Containers in its latest report, in any state. */
  containers: number
  /** Other VMs (not leaving) with a ready replica. */
  othersReady: readonly string[]
  /** How long the drain may take before the stop goes ahead anyway. */
  waitMs: number
}

export type DepartureDecision = { go: false } | { go: true; message: string }

export const DEFAULT_DEPARTURE_WAIT_MS = 60_000

const verb = { stop: 'stopping', remove: 'removing' } as const
const replicas = (n: number) => `${n} ${n === 1 ? 'replica' : 'replicas'}`

/** Said when no other VM serves: the user asked, so the VM goes, and requests fail until one is ready. */
function alone(input: DepartureInput): string {
  return input.othersReady.length === 0 ? '; no other VM is ready, so requests fail until one is' : ''
}

export function decideDeparture(input: DepartureInput): DepartureDecision {
  const { name, departure, now } = input
  const doing = `${name}: ${verb[departure.action]}`
  if (!input.connected) return { go: true, message: `${doing} now (its agent is not connected)` }
  const drained = input.target === 0 && input.sent === 0 && input.containers === 0
  if (drained) {
    const moved =
      departure.replicas === 0
        ? 'it ran no replica'
        : input.othersReady.length > 0
          ? `its ${replicas(departure.replicas)} moved to ${input.othersReady.join(' and ')}`
          : `its ${replicas(departure.replicas)} drained`
    return { go: true, message: `${doing} after ${moved}${alone(input)}` }
  }
  const waited = now - departure.sinceMs
  if (waited >= input.waitMs) {
    const left = `${input.containers} ${input.containers === 1 ? 'container' : 'containers'} still running`
    return {
      go: true,
      message: `${doing} after waiting ${Math.round(waited / 1000)} s for it to drain (${left})${alone(input)}`,
    }
  }
  return { go: false }
}

/** What the API and UI say about a VM on its way out, e.g. "stopping: its replicas move to other VMs first". */
export function departureReason(departure: Departure): string {
  return `${verb[departure.action]} at the user's request: its replicas move to other VMs, then it drains`
}
