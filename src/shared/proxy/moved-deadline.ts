// One deadline at a time for a connection, on one timer that is moved rather than replaced: the timer
// fires at or before the deadline and looks, so pushing the deadline later (every request does) costs no
// timer call. Node-only.

export class MovedDeadline<Kind extends string> {
  private kind: Kind | undefined
  private at = 0
  private timer: NodeJS.Timeout | undefined
  /** When the pending timer fires. */
  private timerAt = 0

  /** `expired` is called once the deadline of `kind` has passed (and nothing moved or cleared it). */
  constructor(private readonly expired: (kind: Kind) => void) {}

  /** The deadline now running, if any. */
  get current(): Kind | undefined {
    return this.kind
  }

  /** `kind` expires `ms` from now, replacing whatever deadline ran. */
  arm(kind: Kind, ms: number): void {
    this.kind = kind
    this.at = performance.now() + ms
    if (this.timer && this.timerAt <= this.at) return
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = this.at
    this.timer = setTimeout(this.fire, ms).unref()
  }

  /** No deadline; a pending timer finds none when it fires. */
  clear(): void {
    this.kind = undefined
  }

  /** No deadline and no timer left holding the owner (it is gone). */
  stop(): void {
    this.kind = undefined
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  private readonly fire = () => {
    this.timer = undefined
    const kind = this.kind
    if (kind === undefined) return
    const now = performance.now()
    if (now < this.at - 1) {
      this.timerAt = this.at
      this.timer = setTimeout(this.fire, this.at - now).unref()
      return
    }
    this.kind = undefined
    this.expired(kind)
  }
}
