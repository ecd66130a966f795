// Follows Docker's event stream for this agent's containers and reports the ones that exit on their own,
// with a reason; reconnects (catching up with `since`) when dockerd restarts or the stream drops.
import type { Readable } from 'node:stream'
import type Docker from 'dockerode'
import type { ReplicaExit } from './runtime'

/** Pure, for tests: how a container's end reads in the event log. */
export function exitReason(exitCode: number | null, oomKilled: boolean): string {
  if (oomKilled) return 'oom'
  if (exitCode === 137) return 'killed'
  if (exitCode === 143) return 'terminated'
  if (exitCode === 0) return 'exited'
  return 'crashed'
}

interface DockerEvent {
  Action?: string
  status?: string
  id?: string
  time?: number
  timeNano?: number
  Actor?: { ID?: string; Attributes?: Record<string, string> }
}

export class ExitWatcher {
  private readonly listeners = new Set<(exit: ReplicaExit) => void>()
  /** Containers the agent is removing itself: their `die` is not news. */
  private readonly expected = new Map<string, NodeJS.Timeout>()
  private readonly oomKilled = new Set<string>()
  private readonly seen: string[] = []
  private stream?: Readable
  private starting?: Promise<void>
  private reconnectTimer?: NodeJS.Timeout
  private backoffMs = 1000
  private since?: number
  private closed = false

  constructor(
    private readonly docker: Docker,
    private readonly labels: string[],
  ) {}

  subscribe(listener: (exit: ReplicaExit) => void): () => void {
    this.listeners.add(listener)
    this.start().catch(() => this.scheduleReconnect())
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Marks a container as going away on the agent's request, for long enough to see its `die` event. */
  expectExit(id: string): void {
    clearTimeout(this.expected.get(id))
    this.expected.set(id, setTimeout(() => this.expected.delete(id), 60_000).unref())
  }

  unexpectExit(id: string): void {
    clearTimeout(this.expected.get(id))
    this.expected.delete(id)
  }

  /** Opens the stream (once); resolves when Docker has accepted the subscription. */
  start(): Promise<void> {
    if (this.closed || this.stream) return Promise.resolve()
    this.starting ??= this.open().finally(() => {
      this.starting = undefined
    })
    return this.starting
  }

  close(): void {
    this.closed = true
    clearTimeout(this.reconnectTimer)
    for (const timer of this.expected.values()) clearTimeout(timer)
    this.stream?.destroy()
    this.stream = undefined
  }

  private async open(): Promise<void> {
    const stream = (await this.docker.getEvents({
      ...(this.since === undefined ? {} : { since: this.since }),
      filters: { type: ['container'], event: ['die', 'oom'], label: this.labels },
    })) as Readable
    if (this.closed) {
      stream.destroy()
      return
    }
    this.stream = stream
    this.backoffMs = 1000
    let buffer = ''
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline).trim()
        buffer = buffer.slice(newline + 1)
        if (line) this.handle(line)
      }
    })
    const ended = (): void => {
      if (this.stream !== stream) return
      this.stream = undefined
      // Catch up from the moment the stream dropped; duplicates are filtered in handle().
      this.since = Math.floor(Date.now() / 1000) - 1
      this.scheduleReconnect()
    }
    stream.on('end', ended)
    stream.on('close', ended)
    stream.on('error', ended)
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || this.stream) return
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      this.start().catch(() => this.scheduleReconnect())
    }, this.backoffMs)
    this.reconnectTimer.unref()
    this.backoffMs = Math.min(30_000, this.backoffMs * 2)
  }

  private handle(line: string): void {
    let event: DockerEvent
    try {
      event = JSON.parse(line) as DockerEvent
    } catch {
      return
    }
    const id = event.Actor?.ID ?? event.id
    const action = event.Action ?? event.status
    if (!id) return
    const key = `${event.timeNano ?? event.time}:${id}:${action}`
    if (this.seen.includes(key)) return
    this.seen.push(key)
    if (this.seen.length > 200) this.seen.shift()
    if (action === 'oom') {
      this.oomKilled.add(id)
      return
    }
    if (action !== 'die' || this.expected.has(id)) return
    const code = Number(event.Actor?.Attributes?.exitCode)
    void this.report(id, Number.isFinite(code) ? code : null)
  }

  private async report(id: string, exitCode: number | null): Promise<void> {
    // The `oom` event may arrive after `die`; the container's own state is the reliable witness.
    let oomKilled = this.oomKilled.has(id)
    try {
      oomKilled ||= (await this.docker.getContainer(id).inspect()).State.OOMKilled
    } catch {
      // Already removed: fall back to the events.
    }
    this.oomKilled.delete(id)
    if (this.expected.has(id)) return
    const exit: ReplicaExit = { id, exitCode, reason: exitReason(exitCode, oomKilled) }
    for (const listener of this.listeners) {
      try {
        listener(exit)
      } catch {
        // One listener's bug must not hide the exit from the others.
      }
    }
  }
}
