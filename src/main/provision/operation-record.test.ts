import { describe, expect, it } from 'vitest'
import type { DeployLogLine, DeployProgress } from '../../shared/domain/provision'
import { MAX_LOG_LINES, OperationRecord } from './operation-record'

const steps = [
  { id: 'connect', title: 'Connect' },
  { id: 'probe', title: 'Inspect' },
  { id: 'upload', title: 'Upload' },
]

function record() {
  const progress: DeployProgress[] = []
  const lines: DeployLogLine[] = []
  let clock = 1000
  const op = new OperationRecord(
    'vm-1',
    'deploy',
    steps,
    { progress: (p) => progress.push(p), log: (l) => lines.push(l) },
    () => clock++,
  )
  return { op, progress, lines }
}

describe('OperationRecord', () => {
  it('moves steps from pending through running to done, reporting every change', () => {
    const { op, progress } = record()
    expect(op.progress.steps.map((s) => s.state)).toEqual(['pending', 'pending', 'pending'])
    op.begin('connect')
    op.done('connect', 'acs@10.0.0.2')
    op.begin('probe')
    op.setOperation('upgrade')
    op.skip('upload', 'nothing changed')
    op.succeed()
    expect(op.progress).toMatchObject({ operation: 'upgrade', state: 'succeeded', error: null })
    expect(op.progress.steps).toMatchObject([
      { id: 'connect', state: 'done', detail: 'acs@10.0.0.2', startedAt: 1001, endedAt: 1002 },
      { id: 'probe', state: 'running' },
      { id: 'upload', state: 'skipped', detail: 'nothing changed', endedAt: null },
    ])
    expect(progress.map((p) => p.steps[0]?.state)).toEqual([
      'running',
      'done',
      'done',
      'done',
      'done',
      'done',
    ])
    // Each report is a copy: later changes do not rewrite what a listener already got.
    expect(progress[0]?.state).toBe('running')
  })

  it('a failed step fails the operation, says why, and the steps after it are skipped', () => {
    const { op, lines } = record()
    op.begin('connect')
    op.fail('connect', 'SSH login as acs@10.0.0.2 was refused (password): check the user and password')
    expect(op.progress).toMatchObject({
      state: 'failed',
      error: 'SSH login as acs@10.0.0.2 was refused (password): check the user and password',
    })
    expect(op.progress.steps.map((s) => s.state)).toEqual(['failed', 'skipped', 'skipped'])
    expect(lines.at(-1)).toMatchObject({
      step: 'connect',
      stream: 'info',
      text: expect.stringMatching(/^failed: SSH/),
    })
  })

  it('keeps the last lines only and never logs a redacted secret', () => {
    const { op } = record()
    op.redact('s3cret-token')
    for (let i = 0; i < MAX_LOG_LINES + 5; i++) op.line('upload', 'stdout', `line ${i} s3cret-token`)
    expect(op.log).toHaveLength(MAX_LOG_LINES)
    expect(op.log[0]?.text).toBe('line 5 [redacted]')
    op.fail('upload', 'token s3cret-token refused')
    expect(op.progress.error).toBe('token [redacted] refused')
  })

  it('refuses a step it does not have', () => {
    expect(() => record().op.begin('nope')).toThrow(/no step 'nope'/)
  })
})
