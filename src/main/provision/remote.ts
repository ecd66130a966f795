// Commands on the host within a deploy: every command line is built by shellQuote (or is a fixed script
// with its values as positional parameters), its output streams into the operation's log, and a failure
// becomes a StepFailure whose message says what failed and why.
import { errorMessage } from '../../shared/issues'
import type { OperationRecord } from './operation-record'
import { scriptCommand, shellQuote } from './shell-quote'
import { SshError } from './ssh-login'
import type { ExecResult, SshSession } from './ssh-session'

/** A step's failure, with the message the person deploying reads. */
export class StepFailure extends Error {
  override name = 'StepFailure'
}

export interface RunOptions {
  sudo?: boolean
  timeoutMs?: number
  /** Stream the output into the log (default); off for commands whose output is data, not news. */
  log?: boolean
}

const DEFAULT_TIMEOUT_MS = 120_000

export class Remote {
  constructor(
    readonly session: SshSession,
    private readonly record: OperationRecord,
    readonly signal: AbortSignal,
  ) {}

  get host(): string {
    return this.session.login.host
  }

  get user(): string {
    return this.session.login.user
  }

  info(step: string, text: string): void {
    this.record.line(step, 'info', text)
  }

  /** Progress within a running step (bytes uploaded), shown as its detail rather than as log lines. */
  note(step: string, detail: string): void {
    this.record.note(step, detail)
  }

  /** Runs argv (through `sudo -n` when asked); resolves with its exit code, whatever it is. */
  command(step: string, argv: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
    return this.exec(step, shellQuote([...(options.sudo ? ['sudo', '-n'] : []), ...argv]), options)
  }

  /** Runs a fixed script with `args` as $1, $2, …; resolves with its exit code, whatever it is. */
  script(
    step: string,
    script: string,
    args: readonly string[] = [],
    options: RunOptions = {},
  ): Promise<ExecResult> {
    return this.exec(step, scriptCommand(script, args, options.sudo), options)
  }

  /** Like script(), but a non-zero exit fails the step: "`what` failed on HOST (exit N): last error line". */
  async mustScript(
    step: string,
    what: string,
    script: string,
    args: readonly string[] = [],
    options: RunOptions = {},
  ): Promise<ExecResult> {
    return this.checked(what, await this.script(step, script, args, options))
  }

  async mustCommand(
    step: string,
    what: string,
    argv: readonly string[],
    options: RunOptions = {},
  ): Promise<ExecResult> {
    return this.checked(what, await this.command(step, argv, options))
  }

  private checked(what: string, result: ExecResult): ExecResult {
    if (result.code === 0) return result
    throw new StepFailure(
      `${what} failed on ${this.host} (${exitText(result)})${lastLine(result.stderr || result.stdout)}`,
    )
  }

  private async exec(step: string, command: string, options: RunOptions): Promise<ExecResult> {
    try {
      return await this.session.exec(command, {
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        signal: this.signal,
        ...(options.log !== false && { onLine: (stream, text) => this.record.line(step, stream, text) }),
      })
    } catch (error) {
      if (this.signal.aborted) throw new StepFailure('Cancelled: the VIM is shutting down')
      throw new StepFailure(error instanceof SshError ? capitalized(error.message) : errorMessage(error))
    }
  }
}

function exitText(result: ExecResult): string {
  return result.signal ? `killed by ${result.signal}` : `exit ${result.code ?? 'unknown'}`
}

function lastLine(output: string): string {
  const line = output.trim().split('\n').at(-1)?.trim()
  return line ? `: ${line}` : ''
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
