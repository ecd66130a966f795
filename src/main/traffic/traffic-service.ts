// The VIM's side of the "Generate traffic" button: at most one run at a time, aimed at the cluster's
// front proxy unless told otherwise, with its snapshots fanned out to every open UI.
import { ApiError } from '../../shared/api/contract'
import type { TrafficSnapshot, TrafficStartInput, TrafficStatus } from '../../shared/domain/traffic'
import { startTraffic, type TrafficOptions, TrafficPlanError, type TrafficRun } from './traffic-generator'

export interface TrafficServiceOptions {
  /** The front proxy's URL: the default target, and always allowed. Null while it is not listening. */
  proxyUrl: () => string | null
  /** Other origins the user may load (e.g. lab VMs' addresses); loopback always is. */
  allowedTargets?: () => readonly string[]
  /** One sentence per run started and ended, for the event log. */
  onRunEvent?: (message: string) => void
  /** Engine timing; tests shorten the snapshot interval. */
  engine?: Pick<TrafficOptions, 'snapshotIntervalMs' | 'stopGraceMs'>
}

export class TrafficService {
  private run: TrafficRun | undefined
  private last: TrafficSnapshot | null = null
  private readonly listeners = new Set<(snapshot: TrafficSnapshot) => void>()

  constructor(private readonly options: TrafficServiceOptions) {}

  async start(input: TrafficStartInput): Promise<TrafficStatus> {
    if (this.run)
      throw new ApiError('conflict', 'A traffic run is already going: stop it before starting another.')
    const proxyUrl = this.options.proxyUrl()
    const url = input.url ?? proxyUrl
    if (!url)
      throw new ApiError('unavailable', 'The front proxy is not listening yet: give a URL or try again.')
    let run: TrafficRun
    try {
      run = await startTraffic({
        ...this.options.engine,
        plan: { ...input, url },
        allowedTargets: [...(proxyUrl ? [proxyUrl] : []), ...(this.options.allowedTargets?.() ?? [])],
        onSnapshot: (snapshot) => this.publish(snapshot),
      })
    } catch (error) {
      if (error instanceof TrafficPlanError) throw new ApiError('invalid_input', error.message)
      throw error
    }
    // A start that raced this one while the target was being checked.
    if (this.run) {
      await run.stop()
      throw new ApiError('conflict', 'A traffic run is already going: stop it before starting another.')
    }
    this.run = run
    const first = run.snapshot()
    this.last = first
    this.options.onRunEvent?.(`Traffic started: ${describeRun(first)}`)
    void run.done.then((summary) => {
      if (this.run === run) this.run = undefined
      this.last = summary
      this.options.onRunEvent?.(`Traffic finished (${summary.endReason}): ${describeSummary(summary)}`)
    })
    return this.status()
  }

  /** Resolves once the run has ended, with its summary; a no-op when nothing runs. */
  async stop(): Promise<TrafficStatus> {
    await this.run?.stop()
    return this.status()
  }

  status(): TrafficStatus {
    return { running: this.run !== undefined, snapshot: this.run?.snapshot() ?? this.last }
  }

  /** Live snapshots, once a second, then the summary. */
  subscribe(listener: (snapshot: TrafficSnapshot) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    await this.run?.stop()
    this.listeners.clear()
  }

  private publish(snapshot: TrafficSnapshot): void {
    this.last = snapshot
    for (const listener of this.listeners) {
      try {
        listener(snapshot)
      } catch {
        // One broken subscriber (a closed window) must not starve the others.
      }
    }
  }
}

function describeRun(s: TrafficSnapshot): string {
  const how = s.mode === 'open' ? `${s.pattern} open loop` : `${s.users} closed-loop users`
  return `${how} for ${s.durationSeconds} s against ${s.target}`
}

function describeSummary(s: TrafficSnapshot): string {
  const errors = s.total.failed > 0 ? `, ${s.total.failed} failed` : ''
  const { p50, p99 } = s.total.latencyMs
  return `${s.total.completed} requests in ${s.elapsedSeconds.toFixed(1)} s (${s.total.rate.toFixed(1)}/s), p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms${errors}`
}
