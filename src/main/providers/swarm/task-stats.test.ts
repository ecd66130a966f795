import { describe, expect, it } from 'vitest'
import { parseStatsLine, percentOfLimit, taskIdOf } from './task-stats'

describe('docker stats lines', () => {
  it('reads CPU and memory from a JSON line, after the terminal codes between refreshes', () => {
    const line =
      '\u001b[2J\u001b[H{"BlockIO":"0B / 0B","CPUPerc":"12.50%","Container":"3f2a","ID":"3f2a","MemPerc":"7.81%","MemUsage":"10MiB / 128MiB","Name":"acs-workload-c1.2.abc123","NetIO":"0B / 0B","PIDs":"7"}'
    expect(parseStatsLine(line)).toEqual({
      name: 'acs-workload-c1.2.abc123',
      cpuPercent: 12.5,
      memoryBytes: 10 * 2 ** 20,
    })
  })

  it.each(['', 'CONTAINER ID   NAME', '{"Name":"x"}', '{not json', '{"Name":"x","CPUPerc":"--"}'])(
    'ignores %j',
    (line) => {
      expect(parseStatsLine(line)).toBeUndefined()
    },
  )

  it('finds the task id only in the service’s own task containers', () => {
    expect(taskIdOf('acs-workload-c1.2.abc123', 'acs-workload-c1')).toBe('abc123')
    expect(taskIdOf('acs-workload-c10.2.abc123', 'acs-workload-c1')).toBeUndefined()
    expect(taskIdOf('acs-lab-1-3f2a', 'acs-workload-c1')).toBeUndefined()
  })

  it('states CPU as a share of the task’s own limit, like the agents', () => {
    expect(percentOfLimit(12.5, 0.25)).toBe(50)
    expect(percentOfLimit(12.5, 0)).toBe(0)
  })
})
