import { describe, expect, it } from 'vitest'
import { DEPLOY_STARTED_AT, deployProgress, deployStep, logLine } from '../test-support/deploy-fixtures'
import { createAppStore } from './app-store'
import { DEPLOY_LOG_LIMIT } from './deploy-runs'

function storeWithEvents() {
  const store = createAppStore('light')
  return {
    store,
    progress: (data: Parameters<typeof deployProgress>[0]) =>
      store.getState().applyEvent({ name: 'deploy:progress', data: deployProgress(data) }),
    log: (...lines: ReturnType<typeof logLine>[]) =>
      store.getState().applyEvent({ name: 'deploy:log', data: lines }),
    run: (vmId: string) => store.getState().deployRuns[vmId],
    texts: (vmId: string) => store.getState().deployRuns[vmId]?.log.map((line) => line.text),
  }
}

const done = (id: string) => deployStep({ id, state: 'done', startedAt: DEPLOY_STARTED_AT })
const later = DEPLOY_STARTED_AT + 60_000

describe('deploy runs in the app store', () => {
  it('keeps the latest progress and the log of each VM apart', () => {
    const { progress, log, run, texts } = storeWithEvents()
    progress({ vmId: 'host-a' })
    progress({ vmId: 'host-b', operation: 'uninstall' })
    log(logLine('host-a', 'a1'), logLine('host-b', 'b1'), logLine('host-a', 'a2'))
    progress({ vmId: 'host-a', steps: [done('connect')], state: 'succeeded', endedAt: later })

    expect(run('host-a')?.progress).toMatchObject({ state: 'succeeded', steps: [{ state: 'done' }] })
    expect(run('host-b')?.progress?.operation).toBe('uninstall')
    expect(texts('host-a')).toEqual(['a1', 'a2'])
    expect(texts('host-b')).toEqual(['b1'])
  })

  it('keeps only the last lines of a long log, each with the key it had', () => {
    const { progress, log, run } = storeWithEvents()
    progress({ vmId: 'host-a' })
    const batch = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => logLine('host-a', `line ${from + i}`))
    log(...batch(0, 1500))
    const keyOf1500 = () => run('host-a')?.log.find((l) => l.text === 'line 1499')?.seq
    const before = keyOf1500()
    log(...batch(1500, 1000))

    const kept = run('host-a')?.log ?? []
    expect(kept).toHaveLength(DEPLOY_LOG_LIMIT)
    expect(kept[0]?.text).toBe('line 500')
    expect(kept.at(-1)?.text).toBe('line 2499')
    expect(keyOf1500()).toBe(before)
    expect(run('host-a')?.truncated).toBe(true)
  })

  it('starts a new log when a new operation starts', () => {
    const { progress, log, texts, run } = storeWithEvents()
    progress({ vmId: 'host-a', state: 'failed', error: 'Docker is not installed' })
    log(logLine('host-a', 'old'))
    log(logLine('host-a', 'raced ahead', { at: later + 5 }))
    progress({ vmId: 'host-a', startedAt: later })
    expect(texts('host-a')).toEqual(['raced ahead'])
    expect(run('host-a')?.progress?.state).toBe('running')
  })

  it('takes a state read on opening the panel, merged with lines pushed meanwhile', () => {
    const { store, log, texts, run } = storeWithEvents()
    log(
      logLine('host-a', 'two', { at: DEPLOY_STARTED_AT + 2 }),
      logLine('host-a', 'three', { at: DEPLOY_STARTED_AT + 3 }),
    )
    store.getState().mergeDeployState('host-a', {
      progress: deployProgress({ vmId: 'host-a' }),
      log: [logLine('host-a', 'one'), logLine('host-a', 'two', { at: DEPLOY_STARTED_AT + 2 })],
    })
    expect(texts('host-a')).toEqual(['one', 'two', 'three'])
    expect(run('host-a')?.progress?.state).toBe('running')
  })

  it('does not let a slower answer undo what the events already said', () => {
    const { store, progress, run } = storeWithEvents()
    progress({ vmId: 'host-a', steps: [done('connect'), done('docker')], state: 'succeeded' })
    // deploy:start's answer for the same operation, sent before it finished.
    store.getState().mergeDeployState('host-a', { progress: deployProgress({ vmId: 'host-a' }), log: [] })
    expect(run('host-a')?.progress?.state).toBe('succeeded')
    // An older operation read back must not replace the newer one either.
    store.getState().mergeDeployState('host-a', {
      progress: deployProgress({ vmId: 'host-a', startedAt: DEPLOY_STARTED_AT - 1000, state: 'failed' }),
      log: [],
    })
    expect(run('host-a')?.progress?.state).toBe('succeeded')
  })

  it('ignores an empty state: nothing ran on that VM', () => {
    const { store, run } = storeWithEvents()
    store.getState().mergeDeployState('host-a', { progress: null, log: [] })
    expect(run('host-a')?.progress).toBeNull()
  })
})
