import { describe, expect, it } from 'vitest'
import { SeriesQuery, SeriesResponse } from './time-series'

describe('time-series schemas', () => {
  it('parses a chart query from IPC or from a URL', () => {
    expect(SeriesQuery.parse({ vmId: 'vm-1', fromMs: '1700000000000' })).toEqual({
      vmId: 'vm-1',
      fromMs: 1_700_000_000_000,
    })
    expect(SeriesQuery.safeParse({ vmId: 'vm-1', fromMs: -1 }).success).toBe(false)
    expect(SeriesQuery.safeParse({ vmId: 'vm-1', extra: 1 }).success).toBe(false)
  })

  it('requires every series of its subject, with null for gaps', () => {
    const container = {
      kind: 'container',
      vmId: 'vm-1',
      containerId: 'c-1',
      times: [1000, 2000],
      series: { cpuPercent: [10, null], memoryBytes: [1, 2] },
    }
    expect(SeriesResponse.parse(container)).toEqual(container)
    expect(SeriesResponse.safeParse({ ...container, series: { cpuPercent: [10, null] } }).success).toBe(false)
  })
})
