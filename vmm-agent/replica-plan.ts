// Which replicas to start or drain to reach a target: a pure decision, so the agent's loop only acts.

export type ReplicaState = 'starting' | 'ready' | 'draining'

export interface ReplicaView {
  id: string
  state: ReplicaState
  inFlight: number
  startedAt: number
  /** What the active health checks say; a replica not yet checked counts as healthy. */
  healthy: boolean
  /** Unhealthy for longer than the grace: it is to be replaced, and goes once its replacement is ready. */
  replace: boolean
}

export interface ReplicaPlan {
  start: number
  drain: string[]
}

/**
 * Draining replicas still hold their slot until they are gone, so starts never push the VM past its
 * capacity. A replica to replace is made before it is broken: its replacement is started first, and it
 * is drained once enough healthy replicas are ready (or at once when there is no room for a replacement).
 * Surplus goes first from unhealthy replicas, then from those that serve nobody yet, then the least busy,
 * newest.
 */
export function planReplicas(
  replicas: readonly ReplicaView[],
  pendingStarts: number,
  target: number,
  capacity: number,
): ReplicaPlan {
  const active = replicas.filter((r) => r.state !== 'draining')
  const draining = replicas.length - active.length
  const condemned = active.filter((r) => r.replace)
  const kept = active.filter((r) => !r.replace)
  const want = Math.max(0, Math.min(target, capacity))
  const have = kept.length + pendingStarts
  const room = capacity - active.length - pendingStarts - draining
  const drain: string[] = []

  const readyHealthy = kept.filter((r) => r.state === 'ready' && r.healthy).length
  // A replacement that cannot start would leave the sick replica for good: then break before make.
  const noRoom = have < want && room <= 0
  if (readyHealthy >= want || noRoom) drain.push(...condemned.map((r) => r.id))

  // A drained replica keeps its slot until it is gone, so the replacement starts on a later round.
  if (have < want) return { start: Math.max(0, Math.min(want - have, room)), drain }
  const surplus = kept.length - Math.max(0, want - pendingStarts)
  if (surplus <= 0) return { start: 0, drain }
  const order = [...kept].sort(
    (a, b) =>
      Number(a.healthy) - Number(b.healthy) ||
      Number(a.state === 'ready') - Number(b.state === 'ready') ||
      a.inFlight - b.inFlight ||
      b.startedAt - a.startedAt,
  )
  return { start: 0, drain: [...drain, ...order.slice(0, surplus).map((r) => r.id)] }
}
