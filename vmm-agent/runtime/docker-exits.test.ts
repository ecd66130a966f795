// The exit watcher against a scripted event stream: reasons, the agent's own removals, OOM, and catching
// up after the stream drops (as when dockerd restarts).
import { PassThrough } from 'node:stream'
import type Docker from 'dockerode'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ExitWatcher } from './docker-exits'
import type { ReplicaExit } from './runtime'

function fakeDocker(oomKilled: Record<string, boolean> = {}) {
  const streams: PassThrough[] = []
  const calls: Docker.GetEventsOptions[] = []
  const docker = {
    getEvents: async (options: Docker.GetEventsOptions) => {
      calls.push(options)
      const stream = new PassThrough()
      streams.push(stream)
      return stream
    },
    getContainer: (id: string) => ({
      inspect: async () => {
        if (!(id in oomKilled)) throw Object.assign(new Error('no such container'), { statusCode: 404 })
        return { State: { OOMKilled: oomKilled[id] } }
      },
    }),
  } as unknown as Docker
  const emit = (action: string, id: string, exitCode?: number, time = 1_700_000_000): void => {
    const attributes = exitCode === undefined ? {} : { exitCode: String(exitCode) }
    streams
      .at(-1)!
      .write(
        `${JSON.stringify({ Type: 'container', Action: action, Actor: { ID: id, Attributes: attributes }, time, timeNano: time * 1e9 })}\n`,
      )
  }
  return { docker, streams, calls, emit }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

let watcher: ExitWatcher | undefined
afterEach(() => {
  watcher?.close()
  vi.useRealTimers()
})

describe('ExitWatcher', () => {
  it('subscribes to die and oom events of this agent only, and reports exits with a reason', async () => {
    const fake = fakeDocker({ c2: true })
    watcher = new ExitWatcher(fake.docker, ['acs.managed-by=vmm-agent', 'acs.vm=lab-1'])
    const exits: ReplicaExit[] = []
    watcher.subscribe((exit) => exits.push(exit))
    await watcher.start()
    expect(fake.calls).toEqual([
      {
        filters: {
          type: ['container'],
          event: ['die', 'oom'],
          label: ['acs.managed-by=vmm-agent', 'acs.vm=lab-1'],
        },
      },
    ])
    fake.emit('die', 'c1', 137)
    fake.emit('die', 'c2', 137)
    fake.emit('die', 'c3', 1)
    await settle()
    expect(exits).toEqual([
      { id: 'c1', exitCode: 137, reason: 'killed' },
      { id: 'c2', exitCode: 137, reason: 'oom' },
      { id: 'c3', exitCode: 1, reason: 'crashed' },
    ])
  })

  it('stays quiet about containers the agent removes itself', async () => {
    const fake = fakeDocker()
    watcher = new ExitWatcher(fake.docker, [])
    const exits: ReplicaExit[] = []
    watcher.subscribe((exit) => exits.push(exit))
    await watcher.start()
    watcher.expectExit('c1')
    fake.emit('die', 'c1', 143)
    await settle()
    expect(exits).toEqual([])
  })

  it('reconnects after the stream drops, asks for the missed events, and reports each exit once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] })
    const fake = fakeDocker()
    watcher = new ExitWatcher(fake.docker, [])
    const exits: ReplicaExit[] = []
    watcher.subscribe((exit) => exits.push(exit))
    await watcher.start()
    fake.emit('die', 'c1', 0, 1000)
    await vi.advanceTimersByTimeAsync(10)
    fake.streams[0]!.end()
    await vi.advanceTimersByTimeAsync(1100)
    expect(fake.calls).toHaveLength(2)
    expect(fake.calls[1]!.since).toBeTypeOf('number')
    fake.emit('die', 'c1', 0, 1000) // replayed by `since`
    fake.emit('die', 'c2', 2, 1001)
    await vi.advanceTimersByTimeAsync(10)
    expect(exits.map((exit) => [exit.id, exit.reason])).toEqual([
      ['c1', 'exited'],
      ['c2', 'crashed'],
    ])
  })
})
