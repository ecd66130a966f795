// vms:stop and vms:remove through the contract: a VM with a connected agent drains first unless forced.
import { describe, expect, it } from 'vitest'
import { ClusterStore } from '../cluster/cluster-store'
import { EventLog } from '../cluster/event-log'
import type { ProviderVm, VmProvider } from '../providers/provider'
import { VmDepartures } from '../scaler/vm-departures'
import { createControlApi } from './control-api'
import { dispatchApiCall } from './dispatch'

function setup(connected: boolean) {
  const calls: string[] = []
  const store = new ClusterStore(
    () => 5000,
    () => 1000,
  )
  const events = new EventLog()
  store.agentConnected({
    name: 'lab-1',
    provider: 'lab',
    capacity: 2,
    address: '127.0.0.1:20001',
    version: 'test',
    runtime: 'docker',
    connectedAt: 1000,
    target: 1,
  })
  const provider: VmProvider = {
    kind: 'lab',
    capabilities: { startStop: true, create: false },
    list: async () => [{ name: 'lab-1', provider: 'lab', state: 'running', capacity: 2 } as ProviderVm],
    start: async () => {},
    stop: async (name) => {
      calls.push(`stop ${name}`)
    },
    remove: async (name) => {
      calls.push(`remove ${name}`)
    },
    close: async () => {},
  }
  const departures = new VmDepartures({ store, events, connected: () => connected })
  const api = createControlApi({
    store,
    version: 'test',
    startedAt: 0,
    now: () => 1000,
    events,
    providers: () => [provider],
    departures,
  })
  return { api, calls, store }
}

describe('vms:stop and vms:remove', () => {
  it('cordons a VM whose agent is connected and answers at once; the VM shows draining with the reason', async () => {
    const { api, calls } = setup(true)
    const result = await dispatchApiCall(api, 'vms:stop', { id: 'lab-1' })
    expect(result).toMatchObject({ ok: true, value: { ok: true, pending: true } })
    expect(calls).toEqual([])
    const vm = (await api['vms:list']({})).find((v) => v.name === 'lab-1')
    expect(vm).toMatchObject({ status: 'draining', leaving: { action: 'stop', reason: expect.any(String) } })
  })

  it('stops at once with force: true, dropping the drain', async () => {
    const { api, calls, store } = setup(true)
    await dispatchApiCall(api, 'vms:stop', { id: 'lab-1' })
    const result = await dispatchApiCall(api, 'vms:stop', { id: 'lab-1', force: true })
    expect(result).toMatchObject({ ok: true, value: { ok: true, pending: false } })
    expect(calls).toEqual(['stop lab-1'])
    expect(store.vm('lab-1')?.leaving).toBeNull()
  })

  it('stops a VM whose agent is not connected at once', async () => {
    const { api, calls } = setup(false)
    expect(await dispatchApiCall(api, 'vms:stop', { id: 'lab-1' })).toMatchObject({
      ok: true,
      value: { pending: false },
    })
    expect(calls).toEqual(['stop lab-1'])
  })

  it('removes: drains first by default, at once with force', async () => {
    const drained = setup(true)
    expect(await dispatchApiCall(drained.api, 'vms:remove', { id: 'lab-1' })).toMatchObject({
      value: { pending: true },
    })
    expect(drained.calls).toEqual([])
    expect(drained.store.vm('lab-1')).toBeDefined()
    const forced = setup(true)
    await dispatchApiCall(forced.api, 'vms:remove', { id: 'lab-1', force: true })
    expect(forced.calls).toEqual(['remove lab-1'])
    expect(forced.store.vm('lab-1')).toBeUndefined()
  })

  it('refuses a force that is not a boolean, naming the field', async () => {
    const { api } = setup(true)
    const result = await dispatchApiCall(api, 'vms:stop', { id: 'lab-1', force: 'yes' })
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringMatching(/force/) },
    })
  })
})
