// Builders for deploy progress and log lines, with the defaults a test does not care about.
import type { DeployLogLine, DeployProgress, DeployStep } from '../../../shared/domain/provision'

export const DEPLOY_STARTED_AT = Date.UTC(2025, 0, 1, 12)

export function deployStep(overrides: Partial<DeployStep> & { id: string }): DeployStep {
  return { title: overrides.id, state: 'pending', detail: null, startedAt: null, endedAt: null, ...overrides }
}

/** A deploy of `vmId` at its first step unless told otherwise. */
export function deployProgress(overrides: Partial<DeployProgress> & { vmId: string }): DeployProgress {
  return {
    operation: 'deploy',
    state: 'running',
    steps: [
      deployStep({
        id: 'connect',
        title: 'Connect over SSH',
        state: 'running',
        startedAt: DEPLOY_STARTED_AT,
      }),
      deployStep({ id: 'docker', title: 'Install Docker' }),
      deployStep({ id: 'hello', title: 'Wait for the agent to connect' }),
    ],
    error: null,
    errorCode: null,
    startedAt: DEPLOY_STARTED_AT,
    endedAt: null,
    ...overrides,
  }
}

export function logLine(vmId: string, text: string, overrides: Partial<DeployLogLine> = {}): DeployLogLine {
  return { vmId, step: 'connect', stream: 'stdout', text, at: DEPLOY_STARTED_AT + 1, ...overrides }
}
