import { describe, expect, it, vi } from 'vitest'
import { ClusterEvent, EventList, EventQuery } from '../../shared/domain/events'
import type { DecisionReason } from '../../shared/policy'
import { EventLog, scalingEvent } from './event-log'

const clock = () => {
  let t = 1_000
  return () => t++
}

describe('EventLog', () => {
  it('assigns increasing ids and times, and lists newest first', () => {
    const events = new EventLog({ now: clock() })
    events.append({ kind: 'vm', vmId: 'vm-1', message: 'VM vm-1 is ready' })
    events.append({ kind: 'container', vmId: 'vm-1', containerId: 'c-1', message: 'c-1 started' })
    const listed = events.list()
    expect(listed.map((e) => [e.id, e.at])).toEqual([
      [2, 1001],
      [1, 1000],
    ])
    expect(EventList.parse(listed)).toEqual(listed)
    expect(events.newestId).toBe(2)
  })

  it('keeps only the newest `capacity` events', () => {
    const events = new EventLog({ capacity: 3, now: clock() })
    for (let i = 1; i <= 10; i++) events.append({ kind: 'vm', message: `event ${i}` })
    expect(events.size).toBe(3)
    expect(events.list().map((e) => e.message)).toEqual(['event 10', 'event 9', 'event 8'])
    expect(events.list({ afterId: 2 }).map((e) => e.id)).toEqual([10, 9, 8])
  })

  it('filters by VM, kinds, id and limit together', () => {
    const events = new EventLog({ now: clock() })
    events.append({ kind: 'scaling', vmId: 'vm-1', message: 'a' })
    events.append({ kind: 'scaling', vmId: 'vm-2', message: 'b' })
    events.append({ kind: 'error', vmId: 'vm-1', message: 'c' })
    events.append({ kind: 'placement', message: 'd' })
    events.append({ kind: 'scaling', vmId: 'vm-1', message: 'e' })
    const messages = (filter: Parameters<EventLog['list']>[0]) => events.list(filter).map((e) => e.message)
    expect(messages({ vmId: 'vm-1' })).toEqual(['e', 'c', 'a'])
    expect(messages({ kinds: ['scaling', 'placement'] })).toEqual(['e', 'd', 'b', 'a'])
    expect(messages({ vmId: 'vm-1', kinds: ['scaling'], limit: 1 })).toEqual(['e'])
    expect(messages({ afterId: 3 })).toEqual(['e', 'd'])
  })

  it('pushes matching events to subscribers until they unsubscribe', () => {
    const events = new EventLog()
    const all: string[] = []
    const errorsOfVm1: string[] = []
    const stop = events.subscribe((e) => all.push(e.message))
    events.subscribe((e) => errorsOfVm1.push(e.message), { vmId: 'vm-1', kinds: ['error'] })
    events.append({ kind: 'error', vmId: 'vm-1', message: 'x' })
    events.append({ kind: 'error', vmId: 'vm-2', message: 'y' })
    stop()
    events.append({ kind: 'vm', vmId: 'vm-1', message: 'z' })
    expect(all).toEqual(['x', 'y'])
    expect(errorsOfVm1).toEqual(['x'])
  })

  it('a failing listener neither stops the others nor the caller, and is reported', () => {
    const onListenerError = vi.fn()
    const events = new EventLog({ onListenerError })
    const seen: number[] = []
    events.subscribe(() => {
      throw new Error('window closed')
    })
    events.subscribe((e) => seen.push(e.id))
    expect(() => events.append({ kind: 'vm', message: 'x' })).not.toThrow()
    expect(seen).toEqual([1])
    expect(onListenerError).toHaveBeenCalledWith(new Error('window closed'))
  })

  it('hands out frozen events, so no reader can rewrite the log', () => {
    const events = new EventLog()
    const detail = { ratio: 1.2 }
    const event = events.append({ kind: 'scaling', message: 'x', detail })
    detail.ratio = 9
    expect(event.detail).toEqual({ ratio: 1.2 })
    expect(() => {
      ;(event as { message: string }).message = 'y'
    }).toThrow(TypeError)
  })
})

describe('scalingEvent', () => {
  it('turns a decision into a scaling event with its numbers as detail', () => {
    const reason: DecisionReason = {
      action: 'scale-up',
      utilization: 0.9,
      target: 0.6,
      ratio: 1.5,
      current: 2,
      rawDesired: 3,
      desired: 3,
      warmingUp: 0,
      missingMetrics: 0,
      limitedBy: undefined,
      message: 'CPU 90% of limit vs target 60%: 2 → 3 replicas',
    }
    const input = scalingEvent(reason, 'vm-1')
    expect(input).toEqual({
      kind: 'scaling',
      vmId: 'vm-1',
      message: reason.message,
      detail: {
        action: 'scale-up',
        utilization: 0.9,
        target: 0.6,
        ratio: 1.5,
        current: 2,
        rawDesired: 3,
        desired: 3,
        warmingUp: 0,
        missingMetrics: 0,
      },
    })
    const event = new EventLog().append(input)
    expect(ClusterEvent.parse(event)).toEqual(event)
  })
})

describe('EventQuery', () => {
  it('accepts query-string text as well as typed values', () => {
    expect(EventQuery.parse({ vmId: 'vm-1', kinds: 'scaling,error', afterId: '12', limit: '50' })).toEqual({
      vmId: 'vm-1',
      kinds: ['scaling', 'error'],
      afterId: 12,
      limit: 50,
    })
    expect(EventQuery.parse({ kinds: ['vm'], limit: 5 })).toEqual({ kinds: ['vm'], limit: 5 })
  })

  it('rejects bad filters with a readable message', () => {
    const result = EventQuery.safeParse({ kinds: 'scaling,oops', limit: '0' })
    expect(result.success).toBe(false)
    const messages = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    expect(messages).toContain('limit: limit must be at least 1')
    expect(messages?.some((m) => m.startsWith('kinds'))).toBe(true)
  })
})
