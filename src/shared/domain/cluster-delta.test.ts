import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../balancer/seeded-random'
import type { ClusterSnapshot, ContainerInfo, VmInfo } from './cluster'
import { applyClusterDelta, clusterDelta, sameJson, vmPatch } from './cluster-delta'

function container(vm: string, i: number, cpuPercent = 30): ContainerInfo {
  return {
    id: `${vm}-c${i}`,
    name: `web-${i}`,
    state: 'ready',
    cpuPercent,
    memoryBytes: 50_000_000,
    inFlight: 1,
    requestRate: 10,
    latencyMsP95: 12,
    unhealthyReason: null,
  }
}

function vm(name: string, containers = 3): VmInfo {
  return {
    name,
    status: 'ready',
    provider: 'lab',
    address: `127.0.0.1:${20_000 + containers}`,
    capacity: { containers: 8 },
    containers: Array.from({ length: containers }, (_, i) => container(name, i)),
    target: containers,
    cpuPercent: 30,
    requestRate: 30,
    agent: {
      version: '0.1.0',
      runtime: 'docker',
      mode: 'following',
      connectedAt: 1,
      recommendation: { replicas: containers, reason: 'steady' },
    },
    login: null,
    agentKey: null,
    unhealthyReason: null,
  }
}

const snapshot = (at: number, vms: VmInfo[], proxyUrl: string | null = 'http://127.0.0.1:18080') => ({
  at,
  vms,
  proxyUrl,
})

/** One random change of the kinds the store makes: metrics, containers coming and going, VMs too. */
function mutate(previous: ClusterSnapshot, random: () => number, at: number): ClusterSnapshot {
  const vms = structuredClone(previous.vms)
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]
  const changes = 1 + Math.floor(random() * 6)
  for (let n = 0; n < changes; n++) {
    const target = pick(vms)
    const kind = Math.floor(random() * 9)
    if (kind === 0 || !target) vms.push(vm(`vm-${Math.floor(random() * 40)}`, Math.floor(random() * 4)))
    else if (kind === 1) vms.splice(vms.indexOf(target), 1)
    else if (kind === 2) target.containers.push(container(target.name, 10 + Math.floor(random() * 90)))
    else if (kind === 3 && target.containers.length > 0)
      target.containers.splice(Math.floor(random() * target.containers.length), 1)
    else if (kind === 4) target.containers.reverse()
    else if (kind === 5) target.leaving = target.leaving ? undefined : { action: 'stop', reason: 'asked' }
    else if (kind === 6) target.agent = target.agent ? null : vm(target.name).agent
    else if (kind === 7 && target.containers[0]) target.containers[0].unhealthyReason = 'timed out'
    else
      for (const c of target.containers) {
        c.cpuPercent = Math.round(random() * 100)
        c.inFlight = Math.floor(random() * 4)
      }
  }
  // Names are unique and sorted, as the store lists them.
  const unique = [...new Map(vms.map((v) => [v.name, v])).values()]
  unique.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))
  return snapshot(at, unique, random() < 0.1 ? null : previous.proxyUrl)
}

describe('clusterDelta and applyClusterDelta', () => {
  it('a delta applied to the previous snapshot equals the next one, over random changes', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = mulberry32(seed)
      let current: ClusterSnapshot = snapshot(1000, [vm('vm-1'), vm('vm-2', 0), vm('vm-10', 5)])
      for (let step = 1; step <= 200; step++) {
        const next = mutate(current, random, 1000 + step * 250)
        const delta = clusterDelta(current, next)
        // Over the wire: the client sees the JSON, not the objects the VIM built.
        const received = JSON.parse(JSON.stringify(delta))
        expect(applyClusterDelta(current, received), `seed ${seed} step ${step}`).toEqual(next)
        current = next
      }
    }
  })

  it('sends only the fields that changed', () => {
    const before = snapshot(1, [vm('vm-1'), vm('vm-2')])
    const after = structuredClone(before)
    after.at = 2
    after.vms[1]!.containers[2]!.cpuPercent = 90
    after.vms[1]!.cpuPercent = 50
    expect(clusterDelta(before, after)).toEqual({
      since: 1,
      at: 2,
      vms: [{ name: 'vm-2', cpuPercent: 50, containers: { set: [{ id: 'vm-2-c2', cpuPercent: 90 }] } }],
      removed: [],
    })
  })

  it('names removed VMs and containers, and lists a new VM whole', () => {
    const before = snapshot(1, [vm('vm-1'), vm('vm-2')])
    const after = snapshot(2, [vm('vm-2'), vm('vm-3', 1)])
    after.vms[0]!.containers.pop()
    const delta = clusterDelta(before, after)
    expect(delta.removed).toEqual(['vm-1'])
    expect(delta.vms).toEqual([
      { name: 'vm-2', containers: { removed: ['vm-2-c2'] } },
      { ...vm('vm-3', 1), containers: { set: [container('vm-3', 0)] } },
    ])
  })

  it('says nothing of an unchanged VM, and keeps its object for the views', () => {
    const before = snapshot(1, [vm('vm-1'), vm('vm-2')])
    expect(vmPatch(before.vms[0], structuredClone(before.vms[0]!))).toBeUndefined()
    const after = structuredClone(before)
    after.at = 2
    after.vms[1]!.target = 1
    const applied = applyClusterDelta(before, clusterDelta(before, after))
    expect(applied?.vms[0]).toBe(before.vms[0])
    expect(applied?.vms[1]).not.toBe(before.vms[1])
  })

  it('refuses a delta built against another snapshot', () => {
    const before = snapshot(1, [vm('vm-1')])
    const after = snapshot(3, [vm('vm-1', 1)])
    expect(applyClusterDelta({ ...before, at: 2 }, clusterDelta(before, after))).toBeUndefined()
  })
})

describe('sameJson', () => {
  it('compares JSON values deeply, ignoring key order and undefined fields', () => {
    expect(sameJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true)
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true)
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false)
    expect(sameJson([1, 2], [1, 2, 3])).toBe(false)
    expect(sameJson(null, {})).toBe(false)
    expect(sameJson([], {})).toBe(false)
  })
})
