// What the agent says and decides about a replica's health: when one is due for replacement, and the
// words of its events and of its removal. Pure, so the agent's loop only acts.

/** Set while the active health checks find a replica unhealthy: why, and since when (the agent's clock). */
export interface Unhealthy {
  reason: string
  since: number
}

export function dueForReplacement(unhealthy: Unhealthy | undefined, now: number, graceMs: number): boolean {
  return unhealthy !== undefined && now - unhealthy.since >= graceMs
}

const seconds = (ms: number) => Math.round(ms / 1000)

export function unhealthyMessage(name: string, reason: string, graceMs: number): string {
  return `${name} is unhealthy: ${reason}; no new requests, replaced if still so after ${seconds(graceMs)} s`
}

export function recoveredMessage(name: string, unhealthy: Unhealthy | undefined, now: number): string {
  return `${name} is healthy again after ${seconds(now - (unhealthy?.since ?? now))} s and takes traffic`
}

/** Why a replaced replica was removed, for the container-removed event. */
export function replacementReason(unhealthy: Unhealthy, now: number): string {
  return `unhealthy for ${seconds(now - unhealthy.since)} s: ${unhealthy.reason}`
}
