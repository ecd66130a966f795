// How a deploy reads in the panel: the operation's words, each step's state, and how long it took.
import type { VmInfo } from '../../../../../shared/domain/cluster'
import type { DeployOperation, DeployProgress, DeployStep } from '../../../../../shared/domain/provision'

export const OPERATION_WORDS: Record<DeployOperation, { running: string; failed: string }> = {
  deploy: { running: 'Deploying the agent', failed: 'Deploy failed' },
  upgrade: { running: 'Upgrading the agent', failed: 'Upgrade failed' },
  uninstall: { running: 'Uninstalling the agent', failed: 'Uninstall failed' },
}

/** The row button while an operation runs, and its accessible name: it reopens the panel. */
export const RUNNING_BUTTON: Record<DeployOperation, { text: string; name(vmName: string): string }> = {
  deploy: { text: 'Deploying…', name: (vm) => `Deploying the agent to ${vm}: show progress` },
  upgrade: { text: 'Upgrading…', name: (vm) => `Upgrading the agent on ${vm}: show progress` },
  uninstall: { text: 'Uninstalling…', name: (vm) => `Uninstalling the agent from ${vm}: show progress` },
}

/** A glyph for the eye and a word for everyone: colour and shape are never the only cue. */
export const STEP_STATE: Record<DeployStep['state'], { icon: string; word: string }> = {
  pending: { icon: '○', word: 'pending' },
  running: { icon: '◔', word: 'running' },
  done: { icon: '✓', word: 'done' },
  failed: { icon: '✕', word: 'failed' },
  skipped: { icon: '–', word: 'skipped' },
}

export function successText(operation: DeployOperation, vmName: string): string {
  return operation === 'uninstall' ? `The agent is uninstalled from ${vmName}` : `${vmName}'s agent connected`
}

/** "Step 2 of 8: Install Docker", for the status line a screen reader announces. */
export function runningText(progress: DeployProgress): string {
  const index = progress.steps.findIndex((step) => step.state === 'running')
  const words = OPERATION_WORDS[progress.operation].running
  const step = progress.steps[index]
  if (!step) return `${words}…`
  return `${words}: step ${index + 1} of ${progress.steps.length}, ${step.title}`
}

/** The step that failed, for the outcome's heading. */
export function failedStep(progress: DeployProgress): DeployStep | undefined {
  return progress.steps.find((step) => step.state === 'failed')
}

/** `0.4 s`, `12 s`, `2 min 05 s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000
  if (seconds < 10) return `${seconds.toFixed(1)} s`
  if (seconds < 60) return `${Math.round(seconds)} s`
  const whole = Math.round(seconds)
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`
}

/** How long a step took, or has been running until `now`; empty before it starts. */
export function stepDuration(step: DeployStep, now: number): string {
  if (step.startedAt === null) return ''
  return formatDuration((step.endedAt ?? now) - step.startedAt)
}

/** `ubuntu@192.168.56.10:22, key ~/.ssh/id_ed25519`: how the VIM logs in, never a secret. */
export function loginSummary(login: NonNullable<VmInfo['login']>): string {
  const method =
    login.auth === 'key'
      ? `key ${login.keyPath ?? ''}`.trim()
      : login.auth === 'agent'
        ? 'SSH agent'
        : 'password'
  return `${login.user}@${login.address}:${login.port}, ${method}`
}
