import { describe, expect, it } from 'vitest'
import { statusClass, VimMetrics } from './prometheus'

describe('VimMetrics', () => {
  it('renders every metric family in the text format', async () => {
    const metrics = new VimMetrics({ processMetrics: false })
    metrics.recordRequest('vm-1', 200, 0.004)
    metrics.recordRequest('vm-1', 201, 0.02)
    metrics.recordRequest('vm-2', 502, 1.5)
    metrics.recordRequest(undefined, 503, 0.0005)
    metrics.setBackendsInRotation(2)
    metrics.setReplicas('vm-1', { total: 3, ready: 2, desired: 4 })
    metrics.recordDecision({ action: 'scale-up', limitedBy: 'rate-limit' })
    metrics.recordDecision({ action: 'hold' })
    metrics.setAgentSessions(2)

    const { contentType, body } = await metrics.render()
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/)
    for (const [family, type] of [
      ['acs_requests_total', 'counter'],
      ['acs_request_duration_seconds', 'histogram'],
      ['acs_backends_in_rotation', 'gauge'],
      ['acs_vm_replicas', 'gauge'],
      ['acs_vm_replicas_ready', 'gauge'],
      ['acs_vm_replicas_desired', 'gauge'],
      ['acs_scaling_decisions_total', 'counter'],
      ['acs_agent_sessions', 'gauge'],
    ])
      expect(body).toContain(`# TYPE ${family} ${type}\n`)

    const lines = body.split('\n')
    expect(lines).toEqual(
      expect.arrayContaining([
        'acs_requests_total{vm="vm-1",status_class="2xx"} 2',
        'acs_requests_total{vm="vm-2",status_class="5xx"} 1',
        'acs_requests_total{vm="none",status_class="5xx"} 1',
        'acs_request_duration_seconds_bucket{le="0.005"} 2',
        'acs_request_duration_seconds_bucket{le="+Inf"} 4',
        'acs_request_duration_seconds_count 4',
        'acs_backends_in_rotation 2',
        'acs_vm_replicas{vm="vm-1"} 3',
        'acs_vm_replicas_ready{vm="vm-1"} 2',
        'acs_vm_replicas_desired{vm="vm-1"} 4',
        'acs_scaling_decisions_total{action="scale-up",limited_by="rate-limit"} 1',
        'acs_scaling_decisions_total{action="hold",limited_by="none"} 1',
        'acs_agent_sessions 2',
      ]),
    )
    expect(body).not.toContain('process_cpu')
  })

  it('forgets a removed VM, so a scrape no longer shows it', async () => {
    const metrics = new VimMetrics({ processMetrics: false })
    metrics.setReplicas('vm-1', { total: 1, ready: 1 })
    metrics.setReplicas('vm-2', { total: 2, ready: 2 })
    metrics.recordRequest('vm-1', 200, 0.01)
    metrics.forgetVm('vm-1')
    const { body } = await metrics.render()
    expect(body).not.toContain('vm="vm-1"')
    expect(body).toContain('acs_vm_replicas{vm="vm-2"} 2')
    // A VM of that name that comes back counts from zero, as a new series.
    metrics.recordRequest('vm-1', 200, 0.01)
    expect((await metrics.render()).body).toContain('acs_requests_total{vm="vm-1",status_class="2xx"} 1')
  })

  it('keeps to its own registry: two instances do not clash, and process metrics are opt-out', async () => {
    const a = new VimMetrics()
    const b = new VimMetrics({ prefix: 'other_' })
    a.setAgentSessions(1)
    expect((await a.render()).body).toContain('# TYPE process_cpu_seconds_total counter')
    const other = (await b.render()).body
    expect(other).toContain('other_agent_sessions 0')
    expect(other).not.toContain('acs_')
  })
})

describe('statusClass', () => {
  it.each([
    [101, '1xx'],
    [200, '2xx'],
    [304, '3xx'],
    [404, '4xx'],
    [599, '5xx'],
    [0, 'other'],
    [600, 'other'],
  ])('%i is %s', (status, expected) => expect(statusClass(status)).toBe(expected))
})
