// Kept-alive connections to each backend for the lean path (pooled-exchange.ts): one BackendConnections
// per backend address and connect timeout, with no cap of its own (the balancer's in-flight limit already
// bounds how many requests a backend gets at once), pruned once unused for a minute. Node-only.
import { BackendConnections } from './upstream-connections'

/** How long a backend's pool stays after its last request: backends come and go with containers. */
const UNUSED_MS = 60_000

interface Entry {
  readonly connections: BackendConnections
  lastUsed: number
}

export class UpstreamPools {
  private readonly pools = new Map<string, Entry>()
  private readonly sweep: NodeJS.Timeout
  /** A coarse clock, so that the path every request takes does not read the time. */
  private now = Date.now()

  constructor() {
    this.sweep = setInterval(() => this.prune(), UNUSED_MS / 4).unref()
  }

  /** A backend's connections; a changed connect timeout gets new ones (in-flight requests keep theirs). */
  get(host: string, port: number, connectMs: number): BackendConnections {
    const key = `${host}|${port}|${connectMs}`
    let entry = this.pools.get(key)
    if (!entry) {
      entry = { connections: new BackendConnections(host, port, connectMs), lastUsed: 0 }
      this.pools.set(key, entry)
    }
    entry.lastUsed = this.now
    return entry.connections
  }

  close(): void {
    clearInterval(this.sweep)
    for (const entry of this.pools.values()) entry.connections.close(true)
    this.pools.clear()
  }

  private prune(): void {
    this.now = Date.now()
    for (const [key, entry] of this.pools) {
      if (this.now - entry.lastUsed < UNUSED_MS) continue
      this.pools.delete(key)
      // close() lets requests still on it finish.
      entry.connections.close()
    }
  }
}
