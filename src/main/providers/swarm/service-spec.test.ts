import { describe, expect, it } from 'vitest'
import { REPLICA_PIDS_LIMIT } from '../../../../vmm-agent/runtime/replica-hardening'
import { LABEL_CLUSTER } from '../../../shared/cluster-id'
import { type ServiceSettings, serviceSpec, slotPort, slotPortTemplate } from './service-spec'

const SETTINGS: ServiceSettings = {
  clusterId: 'c0ffee12',
  image: 'acs-workload-c0ffee12:abc',
  replicas: 3,
  cpus: 0.25,
  memoryBytes: 128 * 2 ** 20,
  placement: 'spread',
  maxPerNode: 2,
  portBase: 30000,
  stopGraceMs: 30_000,
  noNewPrivileges: false,
}

/** What Swarm's Go template renders for a slot (only the constructs the template uses). */
function renderSlot(template: string, slot: number): string {
  const s = String(slot)
  const match =
    /^\{\{if eq \(len \.Task\.Slot\) 1\}\}(\d+)\{\{else if eq \(len \.Task\.Slot\) 2\}\}(\d+)\{\{else\}\}(\d+)\{\{end\}\}\{\{\.Task\.Slot\}\}$/.exec(
      template,
    )
  if (!match) throw new Error(`unexpected template ${template}`)
  return `${s.length === 1 ? match[1] : s.length === 2 ? match[2] : match[3]}${s}`
}

describe('serviceSpec', () => {
  it('runs the workload with the agents’ limits, hardening and cluster label', () => {
    const spec = serviceSpec(SETTINGS)
    expect(spec.Name).toBe('acs-workload-c0ffee12')
    expect(spec.Labels[LABEL_CLUSTER]).toBe('c0ffee12')
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 3 } })
    expect(spec.TaskTemplate.Resources.Limits).toEqual({
      NanoCPUs: 250_000_000,
      MemoryBytes: 128 * 2 ** 20,
      Pids: REPLICA_PIDS_LIMIT,
    })
    const container = spec.TaskTemplate.ContainerSpec
    expect(container).toMatchObject({ ReadOnly: true, CapabilityDrop: ['ALL'], StopGracePeriod: 30e9 })
    expect(container.Mounts).toEqual([
      { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 16 * 2 ** 20, Mode: 0o1777 } },
    ])
    expect(container.Env).toContain('SERVED_BY={{.Node.Hostname}}/{{.Task.Name}}')
    expect(container.Env).toContain('CPUS=0.25')
    expect(spec.TaskTemplate.Networks).toEqual([{ Target: 'host' }])
  })

  it('asks for no-new-privileges only where the engine takes it', () => {
    expect(serviceSpec(SETTINGS).TaskTemplate.ContainerSpec).not.toHaveProperty('Privileges')
    expect(serviceSpec({ ...SETTINGS, noNewPrivileges: true }).TaskTemplate.ContainerSpec.Privileges).toEqual(
      {
        NoNewPrivileges: true,
      },
    )
  })

  it.each([
    ['spread', 2, { Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }], MaxReplicas: 2 }],
    ['spread', 0, { Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }] }],
    ['bin-pack', 3, { MaxReplicas: 3 }],
  ] as const)('maps placement %s with %i per node to Swarm', (placement, maxPerNode, expected) => {
    expect(serviceSpec({ ...SETTINGS, placement, maxPerNode }).TaskTemplate.Placement).toEqual(expected)
  })

  it('refuses what Swarm or the port scheme cannot run, saying why', () => {
    expect(() => serviceSpec({ ...SETTINGS, cpus: 0 })).toThrow(/positive CPU limit/)
    expect(() => serviceSpec({ ...SETTINGS, replicas: 1000 })).toThrow(/at most 999 tasks/)
    expect(() => serviceSpec({ ...SETTINGS, portBase: 30500 })).toThrow(/multiple of 1000/)
  })
})

describe('slot ports', () => {
  it.each([1, 7, 10, 42, 100, 999])('the template renders slot %i as portBase + slot', (slot) => {
    expect(Number(renderSlot(slotPortTemplate(30000), slot))).toBe(slotPort(30000, slot))
    expect(Number(renderSlot(slotPortTemplate(21000), slot))).toBe(slotPort(21000, slot))
  })
})
