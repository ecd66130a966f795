import { describe, expect, it } from 'vitest'
import { helloFields, readyReport } from '../../../test/support/hub-client'
import { DEFAULT_MEMBERSHIP_SETTINGS, type MembershipSettings } from '../../shared/domain/membership'
import { DEFAULT_POLICY } from '../../shared/policy/scaling-policy'
import { CloseCode } from '../../shared/protocol/close-codes'
import { type HelloMessage, PROTOCOL_VERSION, type ReportMessage } from '../../shared/protocol/messages'
import type { AgentSession } from '../hub/agent-hub'
import { HubEmitter } from '../hub/hub-events'
import { AgentMembership } from './agent-membership'
import { ClusterStore } from './cluster-store'
import type { EventInput } from './event-log'
import { ClusterSeries } from './time-series'

function hello(vmName: string, overrides: Partial<HelloMessage> = {}): HelloMessage {
  return {
    ...helloFields({ vmName, agentId: `agent-${vmName}` }),
    type: 'hello',
    v: PROTOCOL_VERSION,
    auth: { nonce: 'n'.repeat(43), hmac: '0'.repeat(64) },
    identity: { publicKey: 'key', signature: 'signature' },
    ...overrides,
  }
}

const report = (ready: number): ReportMessage => ({ ...readyReport(1, ready), v: PROTOCOL_VERSION })

function setup(settings: Partial<MembershipSettings> | (() => Partial<MembershipSettings>) = {}) {
  const current = typeof settings === 'function' ? settings : () => settings
  let now = 1_000_000
  const clock = { now: () => now, advance: (ms: number) => (now += ms) }
  const store = new ClusterStore(undefined, clock.now)
  const events: EventInput[] = []
  const membership = new AgentMembership({
    store,
    series: new ClusterSeries(),
    events: { append: (event) => events.push(event) },
    settings: () => ({ ...DEFAULT_MEMBERSHIP_SETTINGS, ...current() }),
    self: () => ({ localAddresses: new Set(['127.0.0.1', '10.0.0.1']), reservedPorts: new Set([17000]) }),
    agentPolicy: () => DEFAULT_POLICY,
    now: clock.now,
  })
  const hub = new HubEmitter({ info: () => {}, warn: () => {} })
  membership.attach(hub)
  const closed: { vm: string; code: number | undefined }[] = []
  const join = (message: HelloMessage, remoteAddress = '10.0.0.2'): AgentSession => {
    const session = {
      sessionId: `s-${Math.random()}`,
      agentId: message.agentId,
      vmName: message.vmName,
      hello: message,
      remoteAddress,
      connectedAt: now,
      close: (_reason?: string, code?: number) => closed.push({ vm: message.vmName, code }),
    } as unknown as AgentSession
    hub.emit('connected', session)
    return session
  }
  return { store, events, membership, hub, join, closed, clock }
}

describe('AgentMembership.admit', () => {
  it('welcomes a new VM with the policy and what it already runs', () => {
    const { membership } = setup()
    expect(membership.admit(hello('vm-1', { replicas: 3 }), '10.0.0.2')).toEqual({
      policy: DEFAULT_POLICY,
      target: 3,
    })
  })

  it('refuses a new name once the cluster holds maxVms VMs, but not a known one', () => {
    const { membership, join } = setup({ maxVms: 2 })
    join(hello('vm-1'))
    join(hello('vm-2'))
    const refused = membership.admit(hello('vm-3'), '10.0.0.3')
    expect(refused).toMatchObject({ refused: { code: CloseCode.clusterFull } })
    expect(membership.admit(hello('vm-2'), '10.0.0.2')).toHaveProperty('target')
  })

  it('admits at most newVmsPerMinute new names a minute', () => {
    const { membership, clock } = setup({ newVmsPerMinute: 3 })
    const admitted = (name: string) => !('refused' in membership.admit(hello(name), '10.0.0.2'))
    expect(['a', 'b', 'c', 'd'].map(admitted)).toEqual([true, true, true, false])
    expect(membership.admit(hello('e'), '10.0.0.2')).toMatchObject({
      refused: { code: CloseCode.tooFrequent },
    })
    clock.advance(20_000) // one new name per 20 s
    expect(admitted('f')).toBe(true)
  })

  it("refuses an agent that would have public traffic sent to one of the VIM's own ports", () => {
    const { membership } = setup()
    const refused = membership.admit(hello('vm-1', { lbHost: '127.0.0.1', lbPort: 17000 }), '127.0.0.1')
    expect(refused).toMatchObject({
      refused: { code: CloseCode.addressRefused, reason: expect.stringContaining("the VIM's own ports") },
    })
  })
})

describe('AgentMembership sessions', () => {
  it("sends a VM's traffic to the address its agent connected from, not the one it claims", () => {
    const { store, join, events } = setup()
    join(hello('vm-1', { lbHost: '203.0.113.9', lbPort: 8000 }), '10.0.0.2')
    expect(store.vm('vm-1')?.address).toBe('10.0.0.2:8000')
    expect(events.at(-1)?.message).toContain('public traffic goes to 10.0.0.2:8000')
  })

  it('uses the address the user set for a VM behind NAT', () => {
    const { store, join } = setup({ addressOverrides: [{ vm: 'vm-1', address: 'gateway.lab:9001' }] })
    join(hello('vm-1'), '10.0.0.2')
    expect(store.vm('vm-1')?.address).toBe('gateway.lab:9001')
  })

  it('ignores what a replaced session still sends, and its end', () => {
    const { store, join, hub, closed } = setup()
    const first = join(hello('vm-1'), '10.0.0.2')
    const second = join(hello('vm-1'), '10.0.0.2')
    expect(closed).toEqual([{ vm: 'vm-1', code: CloseCode.duplicateAgent }])
    hub.emit('report', second, report(2))
    hub.emit('report', first, report(0))
    expect(store.vm('vm-1')?.containers.size).toBe(2)
    hub.emit('disconnected', first, { code: 4409, reason: 'replaced', by: 'hub' })
    expect(store.vm('vm-1')?.agent).not.toBeNull()
    hub.emit('disconnected', second, { code: 1000, reason: 'bye', by: 'agent' })
    expect(store.vm('vm-1')?.agent).toBeNull()
  })
})

describe('AgentMembership.forgetGone', () => {
  it('forgets a VM no provider lists once its agent has been gone for forgetAfterSeconds', () => {
    const { store, join, hub, membership, clock, events } = setup({ forgetAfterSeconds: 60 })
    const session = join(hello('vm-1'))
    join(hello('vm-2'))
    hub.emit('disconnected', session, { code: 1000, reason: 'bye', by: 'agent' })
    clock.advance(59_000)
    expect(membership.forgetGone()).toEqual([])
    clock.advance(1_000)
    expect(membership.forgetGone()).toEqual(['vm-1'])
    expect(store.vm('vm-1')).toBeUndefined()
    expect(store.vm('vm-2')).toBeDefined()
    expect(events.at(-1)).toMatchObject({ kind: 'vm', vmId: 'vm-1' })
  })

  it('keeps a VM its provider lists, and forgets it once the provider no longer does', () => {
    const { store, membership, clock } = setup({ forgetAfterSeconds: 60 })
    const listed = {
      name: 'lab-1',
      provider: 'lab' as const,
      state: 'stopped' as const,
      capacity: 4,
    }
    store.providerListed('lab', [listed])
    clock.advance(3_600_000)
    store.providerListed('lab', [listed])
    expect(membership.forgetGone()).toEqual([])
    store.providerListed('lab', [])
    expect(store.vm('lab-1')?.providerState).toBeUndefined()
    clock.advance(60_000)
    expect(membership.forgetGone()).toEqual(['lab-1'])
  })
})

describe('AgentMembership.refreshAddresses', () => {
  it('moves a live VM to the address the user set, and back', () => {
    let overrides: MembershipSettings['addressOverrides'] = []
    const { store, join, membership } = setup(() => ({ addressOverrides: overrides }))
    join(hello('vm-1'), '10.0.0.2')
    overrides = [{ vm: 'vm-1', address: '192.168.7.7:9000' }]
    membership.refreshAddresses()
    expect(store.vm('vm-1')?.address).toBe('192.168.7.7:9000')
    overrides = []
    membership.refreshAddresses()
    expect(store.vm('vm-1')?.address).toBe('10.0.0.2:8000')
  })
})
