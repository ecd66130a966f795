import { describe, expect, it } from 'vitest'
import { DEFAULT_BALANCER_SETTINGS } from '../balancer/balancer-settings'
import {
  type AppliedServer,
  appliedFromConfig,
  planServers,
  trustedPeer,
  trustedPeerCommands,
} from './runtime-commands'

const settings = { health: DEFAULT_BALANCER_SETTINGS.health, queue: DEFAULT_BALANCER_SETTINGS.queue }
const idle = () => false
const applied = (entries: [string, AppliedServer][]) => new Map(entries)

describe('planServers', () => {
  it('adds a new server with its checks on, then makes it ready (dynamic servers start in maintenance)', () => {
    const plan = planServers(
      new Map(),
      [{ id: 'c1', host: '127.0.0.1', port: 4001, weight: 1 }],
      settings,
      idle,
    )
    expect(plan.commands).toEqual([
      'add server workload/c1 127.0.0.1:4001 weight 1 maxconn 16 slowstart 5000 check inter 2000 fall 2 rise 2',
      'enable health workload/c1',
      'set server workload/c1 state ready',
    ])
    expect(plan.applied.get('c1')).toEqual({ address: '127.0.0.1:4001', weight: 1, leaving: false })
  })

  it('changes only the weight of a server that stays (weight 0 drains it)', () => {
    const before = appliedFromConfig([{ id: 'lab-1', host: '127.0.0.1', port: 4001, weight: 2 }])
    expect(
      planServers(before, [{ id: 'lab-1', host: '127.0.0.1', port: 4001, weight: 3 }], settings, idle)
        .commands,
    ).toEqual(['set server workload/lab-1 weight 3', 'set maxconn server workload/lab-1 48'])
    expect(
      planServers(before, [{ id: 'lab-1', host: '127.0.0.1', port: 4001, weight: 0 }], settings, idle)
        .commands,
    ).toEqual(['set server workload/lab-1 weight 0'])
    expect(
      planServers(before, [{ id: 'lab-1', host: '127.0.0.1', port: 4001, weight: 2 }], settings, idle)
        .commands,
    ).toEqual([])
  })

  it('puts a leaving server in maintenance and deletes it only once no connection uses it', () => {
    const before = applied([['c1', { address: '127.0.0.1:4001', weight: 1, leaving: false }]])
    const busy = planServers(before, [], settings, () => true)
    expect(busy.commands).toEqual(['set server workload/c1 state maint'])
    expect(busy.applied.get('c1')?.leaving).toBe(true)
    const later = planServers(busy.applied, [], settings, idle)
    expect(later.commands).toEqual(['del server workload/c1'])
    expect(later.applied.size).toBe(0)
  })

  it('replaces a server whose address changed', () => {
    const before = applied([['c1', { address: '127.0.0.1:4001', weight: 1, leaving: false }]])
    const plan = planServers(before, [{ id: 'c1', host: '127.0.0.1', port: 4002, weight: 1 }], settings, idle)
    expect(plan.commands.slice(0, 3)).toEqual([
      'set server workload/c1 state maint',
      'del server workload/c1',
      'add server workload/c1 127.0.0.1:4002 weight 1 maxconn 16 slowstart 5000 check inter 2000 fall 2 rise 2',
    ])
  })

  it('refuses an id that is not a server name', () => {
    expect(() =>
      planServers(new Map(), [{ id: 'c1; del', host: '127.0.0.1', port: 1, weight: 1 }], settings, idle),
    ).toThrow(/cannot name/)
  })
})

describe('trusted peers', () => {
  it('replaces the list through the Runtime API and accepts only addresses and blocks', () => {
    expect(trustedPeerCommands('/d/t.acl', ['10.0.0.0/8', '::ffff:127.0.0.1'])).toEqual([
      'clear acl /d/t.acl',
      'add acl /d/t.acl 10.0.0.0/8',
      'add acl /d/t.acl 127.0.0.1',
    ])
    expect(() => trustedPeer('10.0.0.1 or 1')).toThrow(/not an address/)
  })
})
