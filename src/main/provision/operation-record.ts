// The state of one deploy, upgrade or uninstall as every screen sees it: its steps moving from pending to
// done, failed or skipped, and its bounded live log. Every change is reported to the owner at once.
import type {
  DeployErrorCode,
  DeployLogLine,
  DeployOperation,
  DeployProgress,
  DeployStep,
} from '../../shared/domain/provision'

export const MAX_LOG_LINES = 2000
const MAX_LINE_CHARS = 4000

export interface RecordEvents {
  progress: (progress: DeployProgress) => void
  log: (line: DeployLogLine) => void
}

export class OperationRecord {
  readonly progress: DeployProgress
  readonly log: DeployLogLine[] = []
  private readonly redactions: string[] = []

  constructor(
    vmId: string,
    operation: DeployOperation,
    steps: readonly { id: string; title: string }[],
    private readonly events: RecordEvents,
    private readonly now: () => number = Date.now,
  ) {
    this.progress = {
      vmId,
      operation,
      state: 'running',
      steps: steps.map((step) => ({
        ...step,
        state: 'pending',
        detail: null,
        startedAt: null,
        endedAt: null,
      })),
      error: null,
      errorCode: null,
      startedAt: now(),
      endedAt: null,
    }
  }

  get running(): boolean {
    return this.progress.state === 'running'
  }

  /** A secret that must never reach the log, whatever prints it. */
  redact(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.redactions.push(secret)
  }

  setOperation(operation: DeployOperation): void {
    if (this.progress.operation === operation) return
    this.progress.operation = operation
    this.changed()
  }

  begin(stepId: string): void {
    this.update(stepId, { state: 'running', startedAt: this.now(), detail: null })
  }

  /** Progress within a running step (e.g. bytes uploaded), shown as its detail. */
  note(stepId: string, detail: string): void {
    this.update(stepId, { detail: this.clean(detail) })
  }

  done(stepId: string, detail: string | null = null): void {
    this.update(stepId, { state: 'done', detail: detail && this.clean(detail), endedAt: this.now() })
  }

  skip(stepId: string, detail: string | null = null): void {
    const step = this.step(stepId)
    this.update(stepId, {
      state: 'skipped',
      detail: detail && this.clean(detail),
      endedAt: step.startedAt === null ? null : this.now(),
    })
  }

  /** Fails the step and so the operation; the steps after it will not run. */
  fail(stepId: string, message: string, code: DeployErrorCode | undefined = undefined): void {
    const text = this.clean(message)
    const at = this.now()
    for (const step of this.progress.steps) {
      if (step.id === stepId) Object.assign(step, { state: 'failed', detail: text, endedAt: at })
      else if (step.state === 'pending') step.state = 'skipped'
    }
    Object.assign(this.progress, { state: 'failed', error: text, errorCode: code ?? null, endedAt: at })
    this.line(stepId, 'info', `failed: ${text}`)
    this.changed()
  }

  succeed(): void {
    Object.assign(this.progress, { state: 'succeeded', endedAt: this.now() })
    this.changed()
  }

  line(step: string, stream: DeployLogLine['stream'], text: string): void {
    const entry: DeployLogLine = {
      vmId: this.progress.vmId,
      step,
      stream,
      text: this.clean(text),
      at: this.now(),
    }
    this.log.push(entry)
    if (this.log.length > MAX_LOG_LINES) this.log.splice(0, this.log.length - MAX_LOG_LINES)
    this.events.log(entry)
  }

  private clean(text: string): string {
    let out = text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text
    for (const secret of this.redactions) out = out.replaceAll(secret, '[redacted]')
    return out
  }

  private step(stepId: string): DeployStep {
    const step = this.progress.steps.find((s) => s.id === stepId)
    if (!step) throw new Error(`no step '${stepId}' in ${this.progress.operation}`)
    return step
  }

  private update(stepId: string, fields: Partial<DeployStep>): void {
    Object.assign(this.step(stepId), fields)
    this.changed()
  }

  private changed(): void {
    this.events.progress(structuredClone(this.progress))
  }
}
