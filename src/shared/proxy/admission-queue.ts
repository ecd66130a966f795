// The bounded FIFO in front of a balancer: requests that find every backend at its in-flight limit
// wait here in arrival order, up to a length and a time; beyond either they are turned away at once.
import type { ProxyQueue } from './proxy-limits'

export interface Waiter {
  /** Tries to start the request on a backend; false when none has room yet. */
  tryStart(): boolean
  /** Called once if the waiter is turned away for waiting too long. */
  expire(): void
}

interface Entry {
  readonly waiter: Waiter
  readonly timer: NodeJS.Timeout
}

/** In-flight slots of a backend of this weight: a backend at weight 0 (draining) takes none. */
export function slotsFor(weight: number, limits: ProxyQueue): number {
  return weight > 0 ? Math.max(1, Math.ceil(weight * limits.maxInFlightPerWeight)) : 0
}

export class AdmissionQueue {
  private readonly entries: Entry[] = []
  private draining = false
  /** While anything waits, a slow tick also catches capacity that appears without a release. */
  private tick: NodeJS.Timeout | undefined

  constructor(
    private readonly limits: () => ProxyQueue,
    private readonly recheckMs = 100,
  ) {}

  get length(): number {
    return this.entries.length
  }

  /** Whether a request queued now would be turned away for lack of room. */
  get full(): boolean {
    return this.entries.length >= this.limits().maxQueued
  }

  /**
   * Queues a request that could not start at once (or found others waiting ahead of it). Returns false
   * when the queue is full: the caller answers 503 at once.
   */
  enqueue(waiter: Waiter): boolean {
    if (this.full) return false
    const { maxWaitMs } = this.limits()
    const timer = setTimeout(() => {
      if (this.remove(waiter)) waiter.expire()
    }, maxWaitMs)
    this.entries.push({ waiter, timer })
    this.tick ??= setInterval(() => this.drain(), this.recheckMs).unref()
    this.drain()
    return true
  }

  /** Forgets a waiter (its client hung up); true when it was still waiting. */
  remove(waiter: Waiter): boolean {
    const index = this.entries.findIndex((entry) => entry.waiter === waiter)
    if (index < 0) return false
    const [entry] = this.entries.splice(index, 1)
    clearTimeout(entry?.timer)
    this.stopTickWhenEmpty()
    return true
  }

  /** Starts waiters from the front while backends have room: after every release. */
  drain(): void {
    if (this.draining) return
    this.draining = true
    try {
      while (this.entries.length > 0) {
        const head = this.entries[0] as Entry
        if (!head.waiter.tryStart()) break
        this.entries.shift()
        clearTimeout(head.timer)
      }
    } finally {
      this.draining = false
      this.stopTickWhenEmpty()
    }
  }

  /** Turns every waiter away (the proxy is closing). */
  clear(): void {
    for (const entry of this.entries.splice(0)) clearTimeout(entry.timer)
    this.stopTickWhenEmpty()
  }

  private stopTickWhenEmpty(): void {
    if (this.entries.length > 0 || !this.tick) return
    clearInterval(this.tick)
    this.tick = undefined
  }
}
