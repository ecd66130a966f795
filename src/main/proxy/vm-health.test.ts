import { describe, expect, it } from 'vitest'
import { recordVmHealth } from './vm-health'

describe('recordVmHealth', () => {
  it('marks the VM and logs when it turns unhealthy and back; clears it silently when it leaves rotation', () => {
    const marks: [string, string | null][] = []
    const lines: string[] = []
    const record = recordVmHealth(
      { setVmHealth: (vm, reason) => void marks.push([vm, reason]) },
      {
        append: (event) => {
          lines.push(`${event.kind} ${event.vmId}: ${event.message}`)
          return undefined as never
        },
      },
    )
    record('lab-1', { healthy: false, reason: 'GET /_agent/healthz timed out after 1 s' })
    record('lab-1', { healthy: true })
    record('lab-2', { healthy: false, reason: 'GET /_agent/healthz answered 503' })
    record('lab-2', null)
    expect(marks).toEqual([
      ['lab-1', 'GET /_agent/healthz timed out after 1 s'],
      ['lab-1', null],
      ['lab-2', 'GET /_agent/healthz answered 503'],
      ['lab-2', null],
    ])
    expect(lines).toEqual([
      'proxy lab-1: lab-1 is unhealthy: GET /_agent/healthz timed out after 1 s; it gets no new requests',
      'proxy lab-1: lab-1 is healthy again and takes new requests',
      'proxy lab-2: lab-2 is unhealthy: GET /_agent/healthz answered 503; it gets no new requests',
    ])
  })
})
