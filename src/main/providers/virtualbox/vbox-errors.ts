// A failed VBoxManage call as one sentence a person can act on, with a kind the provider can branch on
// (a VM that does not exist, one that is locked or not running, a name already taken…).

export type VBoxFailureKind =
  | 'missing'
  | 'not-executable'
  | 'timeout'
  | 'not-found'
  | 'locked'
  | 'not-running'
  | 'invalid-state'
  | 'exists'
  | 'failed'

export class VBoxManageError extends Error {
  override readonly name = 'VBoxManageError'

  constructor(
    message: string,
    readonly kind: VBoxFailureKind,
    readonly args: readonly string[],
    readonly stderr = '',
  ) {
    super(message)
  }
}

/** The text of each `VBoxManage: error: …` line (also `VBoxManage.exe: error:` on Windows). */
export function errorLines(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((line) => /^VBoxManage(?:\.exe)?: error: (.*)$/.exec(line)?.[1]?.trim())
    .filter((line): line is string => line !== undefined && line !== '')
}

/** `startvm acs-1`, `controlvm acs-1 poweroff`: the command and its VM, without the options. */
export function commandSummary(args: readonly string[]): string {
  const leading: string[] = []
  for (const arg of args) {
    if (arg.startsWith('-') || leading.length === 3) break
    leading.push(arg)
  }
  return `VBoxManage ${leading.join(' ')}`.trim()
}

/** Why a VBoxManage call that exited with `exitCode` failed, from what it wrote to stderr. */
export function describeFailure(
  args: readonly string[],
  stderr: string,
  exitCode: number | null,
): { kind: VBoxFailureKind; message: string } {
  const lines = errorLines(stderr)
  const all = lines.join('\n')
  const notFound = /Could not find a registered machine (?:named|with UUID) '?\{?([^'}]+)\}?'?/.exec(all)
  if (notFound) return { kind: 'not-found', message: `VirtualBox VM '${notFound[1]}' does not exist` }
  // startvm/modifyvm on a VM in use, or unregistervm before VirtualBox has released a VM just powered off.
  const locked =
    /(?:The machine|Cannot unregister the machine) '(.+?)' (?:is already locked|while it is locked)/.exec(all)
  if (locked)
    return {
      kind: 'locked',
      message:
        `VirtualBox VM '${locked[1]}' is locked by another session: it is already running, or the ` +
        'VirtualBox window or another VBoxManage is changing it',
    }
  const notRunning = /Machine '(.+?)' is not currently running/.exec(all)
  if (notRunning) return { kind: 'not-running', message: `VirtualBox VM '${notRunning[1]}' is not running` }
  const first = lines[0]
  if (first !== undefined) {
    const kind: VBoxFailureKind = /^Invalid machine state/.test(first)
      ? 'invalid-state'
      : /^Machine settings file .* already exists/.test(first)
        ? 'exists'
        : 'failed'
    return { kind, message: `${commandSummary(args)}: ${first}` }
  }
  const lastLine = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^[\d%.]+$/.test(line))
    .pop()
  return {
    kind: 'failed',
    message: `${commandSummary(args)} failed with exit code ${exitCode ?? 'unknown'}${lastLine ? `: ${lastLine}` : ''}`,
  }
}
