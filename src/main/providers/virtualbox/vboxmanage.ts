// Runs VBoxManage: an argument array (never a shell string, so VM names with spaces or quotes are safe),
// a time bound, and failures turned into VBoxManageError with a message a person can act on.
import { type ExecFileException, execFile } from 'node:child_process'
import { join } from 'node:path'
import { commandSummary, describeFailure, VBoxManageError } from './vbox-errors'

export interface VBoxManageOptions {
  /** Where ACS_VBOXMANAGE and PATH are read, and the environment VBoxManage runs with (default: the VIM's). */
  env?: NodeJS.ProcessEnv
  /** Bound on one call (default 60 s): a wedged VBoxSVC must not hang the scaler. */
  timeoutMs?: number
  platform?: NodeJS.Platform
}

export interface VBoxManageOutput {
  stdout: string
  stderr: string
}

/**
 * ACS_VBOXMANAGE when set, else `VBoxManage` looked up on PATH. The Windows installer does not put
 * VirtualBox on PATH but records its folder in VBOX_MSI_INSTALL_PATH, so that is tried there.
 */
export function resolveVBoxManage(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): { binary: string; fromEnv: boolean } {
  const configured = env.ACS_VBOXMANAGE?.trim()
  if (configured) return { binary: configured, fromEnv: true }
  const installDir = platform === 'win32' ? (env.VBOX_MSI_INSTALL_PATH ?? env.VBOX_INSTALL_PATH) : undefined
  if (installDir) return { binary: join(installDir, 'VBoxManage.exe'), fromEnv: false }
  return { binary: 'VBoxManage', fromEnv: false }
}

export class VBoxManage {
  readonly binary: string
  private readonly fromEnv: boolean
  private readonly env: NodeJS.ProcessEnv
  private readonly timeoutMs: number

  constructor(options: VBoxManageOptions = {}) {
    this.env = options.env ?? process.env
    const resolved = resolveVBoxManage(this.env, options.platform)
    this.binary = resolved.binary
    this.fromEnv = resolved.fromEnv
    this.timeoutMs = options.timeoutMs ?? 60_000
  }

  /** Resolves with the output of a successful call; rejects with VBoxManageError otherwise. */
  run(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<VBoxManageOutput> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs
    return new Promise((resolve, reject) => {
      execFile(
        this.binary,
        [...args],
        {
          env: this.env,
          timeout: timeoutMs,
          maxBuffer: 16 * 1024 * 1024,
          windowsHide: true,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout, stderr })
          reject(this.failure(args, error, stderr, timeoutMs))
        },
      )
    })
  }

  private failure(
    args: readonly string[],
    error: ExecFileException,
    stderr: string,
    timeoutMs: number,
  ): VBoxManageError {
    const where = this.fromEnv ? ` at '${this.binary}' (ACS_VBOXMANAGE)` : ''
    if (error.code === 'ENOENT')
      return new VBoxManageError(
        `VBoxManage was not found${where}: install VirtualBox, or set ACS_VBOXMANAGE to its path`,
        'missing',
        args,
      )
    if (error.code === 'EACCES')
      return new VBoxManageError(
        `VBoxManage${where || ` at '${this.binary}'`} is not executable: check its permissions, or set ACS_VBOXMANAGE to the right file`,
        'not-executable',
        args,
      )
    if (error.killed)
      return new VBoxManageError(
        `${commandSummary(args)} did not finish within ${seconds(timeoutMs)}: VirtualBox may be busy or hung ` +
          '(is the VirtualBox window or another VBoxManage holding the VM?)',
        'timeout',
        args,
        stderr,
      )
    const exitCode = typeof error.code === 'number' ? error.code : null
    const { kind, message } = describeFailure(args, stderr, exitCode)
    return new VBoxManageError(message, kind, args, stderr)
  }
}

/** 180000 → "180 s", 250 → "0.25 s": for messages about bounds. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`
}
