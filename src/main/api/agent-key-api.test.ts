// vms:forgetAgentKey: forgets a VM name's pinned agent key, says so in the event log, and shows the pin
// (or its absence) with the VM.
import { describe, expect, it } from 'vitest'
import { generateAgentKey } from '../../shared/protocol/agent-identity'
import { ClusterStore } from '../cluster/cluster-store'
import { EventLog } from '../cluster/event-log'
import { AgentKeys } from '../hub/agent-keys'
import { createControlApi } from './control-api'
import { dispatchApiCall } from './dispatch'

function setUp() {
  const store = new ClusterStore()
  const events = new EventLog()
  const agentKeys = new AgentKeys()
  store.agentKeyOf = (name) => agentKeys.info(name)
  store.providerVm({ name: 'lab-3', provider: 'lab', state: 'running', capacity: 4 })
  const api = createControlApi({ store, events, agentKeys, version: '1', startedAt: 0 })
  return { store, events, agentKeys, api }
}

describe('vms:forgetAgentKey', () => {
  it('forgets the pin, logs it, and the VM shows no key afterwards', async () => {
    const { api, agentKeys, events } = setUp()
    const key = generateAgentKey()
    agentKeys.pin('lab-3', key.publicKey, 'lab', 1234)
    expect((await api['vms:list']({}))[0]?.agentKey).toEqual({
      fingerprint: key.fingerprint,
      pinnedAt: 1234,
      how: 'lab',
    })
    expect(await api['vms:forgetAgentKey']({ id: 'lab-3' })).toEqual({ ok: true, forgotten: key.fingerprint })
    expect(agentKeys.get('lab-3')).toBeUndefined()
    expect((await api['vms:list']({}))[0]?.agentKey).toBeNull()
    expect(events.list({}).map((e) => e.message)).toContain(
      `lab-3: agent key ${key.fingerprint} forgotten; the next agent to join under this name is trusted`,
    )
    expect(await api['vms:forgetAgentKey']({ id: 'lab-3' })).toEqual({ ok: true, forgotten: null })
  })

  it('answers 404 for a name with neither a VM nor a pin', async () => {
    const { api } = setUp()
    expect(await dispatchApiCall(api, 'vms:forgetAgentKey', { id: 'nope' })).toEqual({
      ok: false,
      error: { code: 'not_found', message: "There is no VM 'nope'." },
    })
  })
})
