import { describe, expect, it } from 'vitest'
import {
  nodeProviderState,
  nodeView,
  type SwarmNodeView,
  type SwarmTaskView,
  taskRoutes,
  taskState,
  taskView,
} from './swarm-view'

const node = (
  id: string,
  hostname: string,
  address: string,
  extra: Partial<SwarmNodeView> = {},
): SwarmNodeView => ({
  id,
  hostname,
  address,
  state: 'ready',
  availability: 'active',
  manager: false,
  engineVersion: '20.10.24',
  ...extra,
})
const task = (
  id: string,
  slot: number,
  nodeId: string,
  extra: Partial<SwarmTaskView> = {},
): SwarmTaskView => ({
  id,
  slot,
  nodeId,
  state: 'running',
  desiredState: 'running',
  containerId: `c-${id}`,
  error: undefined,
  ...extra,
})

describe('nodeView', () => {
  it('takes a manager’s advertised address when it reports 0.0.0.0', () => {
    const view = nodeView({
      ID: 'm1',
      Description: { Hostname: 'vim', Engine: { EngineVersion: '27.0.1' } },
      Spec: { Availability: 'active', Role: 'manager' },
      Status: { State: 'ready', Addr: '0.0.0.0' },
      ManagerStatus: { Addr: '10.231.4.1:2377' },
    })
    expect(view).toMatchObject({
      hostname: 'vim',
      address: '10.231.4.1',
      manager: true,
      availability: 'active',
    })
  })

  it('skips tasks not yet given a slot and a node', () => {
    expect(taskView({ ID: 't', Slot: 1 })).toBeUndefined()
    expect(
      taskView({ ID: 't', Slot: 2, NodeID: 'n', Status: { State: 'running' }, DesiredState: 'running' }),
    ).toMatchObject({ slot: 2, state: 'running' })
  })
})

describe('taskState', () => {
  it.each([
    [{ state: 'running' }, true, 'ready'],
    [{ state: 'running' }, false, 'starting'],
    [{ state: 'running', desiredState: 'shutdown' }, true, 'draining'],
    [{ state: 'preparing' }, false, 'starting'],
    [{ state: 'failed' }, false, 'crashed'],
    [{ state: 'failed', desiredState: 'shutdown' }, false, undefined],
    [{ state: 'shutdown', desiredState: 'shutdown' }, false, undefined],
  ] as const)('%o, answered %s → %s', (fields, answered, expected) => {
    expect(taskState(task('t', 1, 'n', fields), answered)).toBe(expected)
  })

  it('calls a drained node stopped and a paused or leaving one stopping', () => {
    expect(nodeProviderState(node('n', 'h', 'a'), false)).toBe('running')
    expect(nodeProviderState(node('n', 'h', 'a'), true)).toBe('stopping')
    expect(nodeProviderState(node('n', 'h', 'a', { availability: 'pause' }), false)).toBe('stopping')
    expect(nodeProviderState(node('n', 'h', 'a', { availability: 'drain' }), false)).toBe('stopped')
    expect(nodeProviderState(node('n', 'h', 'a', { state: 'down' }), false)).toBe('unknown')
  })
})

describe('taskRoutes', () => {
  it('routes to each answered running task at its node’s address and slot port, named node/task', () => {
    const nodes = [
      node('n1', 'vim', '10.231.4.1'),
      node('n2', 'lab-h1', '10.231.4.11'),
      node('n3', 'lab-h2', '10.231.4.12', { state: 'down' }),
    ]
    const tasks = [
      task('a', 1, 'n1'),
      task('b', 2, 'n2'),
      task('c', 3, 'n2'), // not answered yet
      task('d', 4, 'n2', { desiredState: 'shutdown' }), // on its way out
      task('e', 5, 'n3'), // its node is down
      task('f', 6, 'n2', { state: 'starting' }),
    ]
    const routes = taskRoutes('c1', 30000, nodes, tasks, new Set(['a', 'b', 'd', 'e', 'f']))
    expect(routes).toEqual([
      { id: 'lab-h1/acs-workload-c1.2.b', vmName: 'lab-h1', taskId: 'b', host: '10.231.4.11', port: 30002 },
      { id: 'vim/acs-workload-c1.1.a', vmName: 'vim', taskId: 'a', host: '10.231.4.1', port: 30001 },
    ])
  })
})
