// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { SwarmStatus } from '../../../../shared/domain/swarm'
import { deployProgress } from '../../test-support/deploy-fixtures'
import { FakeApiClient } from '../../test-support/fake-api-client'
import { container, snapshot, vm } from '../../test-support/fixtures'
import { renderWithApp } from '../../test-support/render-app'
import { REMEMBER_LABEL } from './SshHostFields'
import { VmsView } from './VmsView'

const HUB = {
  url: 'wss://10.0.0.1:17070',
  joinUrls: ['wss://10.0.0.1:17070'],
  fingerprint: 'SHA256:AB:CD',
  joinToken: 'secret-join-token',
  clusterId: 'c0ffee01',
}

const SWARM_OFF: SwarmStatus = {
  mode: 'off',
  managerAddress: null,
  service: null,
  replicas: null,
  nodes: [],
  problem: null,
}

function setUp() {
  const client = new FakeApiClient().on('hub:get', () => HUB).on('swarm:get', () => SWARM_OFF)
  const app = renderWithApp(<VmsView />, { client })
  act(() =>
    client.emit({
      name: 'cluster:snapshot',
      data: snapshot([
        vm({
          name: 'lab-1',
          target: 3,
          containers: [container({ name: 'c1' }), container({ name: 'c2' })],
        }),
        vm({
          name: 'ssh-10.0.0.5',
          provider: 'ssh',
          address: '10.0.0.5:18100',
          capacity: { containers: 8 },
          agent: {
            version: '0.2.0',
            runtime: 'process',
            mode: 'following',
            connectedAt: 0,
            recommendation: null,
          },
        }),
        vm({ name: 'lab-2', status: 'stopped', address: '', agent: null }),
      ]),
    }),
  )
  return app
}

const row = (name: string) => {
  const cell = screen.getByRole('rowheader', { name })
  return within(cell.closest('tr') as HTMLElement)
}

afterEach(cleanup)

describe('the VMs page', () => {
  it('lists every VM with provider, address, agent, runtime, state and containers/target/capacity', () => {
    setUp()
    expect(screen.getAllByRole('row')).toHaveLength(4)
    const lab1 = row('lab-1')
    expect(lab1.getByText('Lab')).toBeTruthy()
    expect(lab1.getByText('127.0.0.1:18100')).toBeTruthy()
    expect(lab1.getByText('0.1.0')).toBeTruthy()
    expect(lab1.getByText('Docker')).toBeTruthy()
    expect(lab1.getByText('ready')).toBeTruthy()
    expect(lab1.getByText('2 containers, target 3, capacity 4')).toBeTruthy()
    expect(row('ssh-10.0.0.5').getByText('no isolation')).toBeTruthy()
    expect(row('lab-2').getByText('not connected')).toBeTruthy()
    expect(row('lab-2').getByText('stopped')).toBeTruthy()
  })

  it('shows a VM the user stopped as draining, with the reason, while its replicas move', () => {
    const client = new FakeApiClient().on('hub:get', () => HUB).on('swarm:get', () => SWARM_OFF)
    renderWithApp(<VmsView />, { client })
    const reason = "stopping at the user's request: its replicas move to other VMs, then it drains"
    act(() =>
      client.emit({
        name: 'cluster:snapshot',
        data: snapshot([vm({ name: 'lab-1', status: 'draining', leaving: { action: 'stop', reason } })]),
      }),
    )
    expect(row('lab-1').getByText('draining')).toBeTruthy()
    expect(row('lab-1').getByText(reason)).toBeTruthy()
  })

  it('stops a VM with vms:stop', async () => {
    const { client } = setUp()
    client.on('vms:stop', () => ({ ok: true }))
    fireEvent.click(screen.getByRole('button', { name: 'Stop lab-1' }))
    await waitFor(() => expect(client.callsTo('vms:stop')).toEqual([{ id: 'lab-1' }]))
  })

  it('disables start and stop, with the reason as tooltip, where the provider cannot', () => {
    setUp()
    const stop = screen.getByRole('button', { name: 'Stop ssh-10.0.0.5' }) as HTMLButtonElement
    expect(stop.disabled).toBe(true)
    expect(stop.title).toMatch(/SSH host .* power it on and off yourself/)
    const start = screen.getByRole('button', { name: 'Start lab-1' }) as HTMLButtonElement
    expect(start.disabled).toBe(true)
    expect((screen.getByRole('button', { name: 'Start lab-2' }) as HTMLButtonElement).disabled).toBe(false)
  })

  it('removes a VM only after a confirmation', async () => {
    const { client } = setUp()
    client.on('vms:remove', () => ({ ok: true }))
    fireEvent.click(screen.getByRole('button', { name: 'Remove lab-2' }))
    expect(client.callsTo('vms:remove')).toEqual([])
    const confirm = screen.getByRole('button', { name: 'Remove lab-2' })
    expect(document.activeElement).toBe(confirm)
    fireEvent.click(confirm)
    await waitFor(() => expect(client.callsTo('vms:remove')).toEqual([{ id: 'lab-2' }]))
  })

  it('adds a lab VM, and shows a failure as a toast with the core’s message', async () => {
    const { client } = setUp()
    client.fail(
      'vms:add',
      'unavailable',
      'The local lab is off (started with --lab 0): restart with --lab N.',
    )
    fireEvent.click(screen.getByRole('button', { name: 'Add lab VM' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('restart with --lab N')
    expect(client.callsTo('vms:add')).toEqual([{ provider: 'lab' }])
  })

  it('shows how agents join, with the token masked until revealed', async () => {
    setUp()
    const token = await screen.findByTestId('join-token')
    expect(token.textContent).not.toContain('secret-join-token')
    expect(screen.getByText(/--vim wss:\/\/10\.0\.0\.1:17070 --ca-fingerprint SHA256:AB:CD/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Reveal' }))
    expect(token.textContent).toBe('secret-join-token')
    expect(screen.getByText(/ACS_AGENT_TOKEN=secret-join-token node vmm-agent\.mjs/)).toBeTruthy()
  })

  it('tells a newcomer what to do when there is no VM', () => {
    const client = new FakeApiClient().on('hub:get', () => HUB).on('swarm:get', () => SWARM_OFF)
    renderWithApp(<VmsView />, { client })
    act(() => client.emit({ name: 'cluster:snapshot', data: snapshot([]) }))
    expect(screen.getByRole('heading', { name: 'No VMs yet' })).toBeTruthy()
  })
})

describe('the add-host form', () => {
  const open = () => {
    const app = setUp()
    fireEvent.click(screen.getByRole('button', { name: 'Add SSH host / VirtualBox VM / Swarm node' }))
    return app
  }
  const type = (label: string, value: string) =>
    fireEvent.change(screen.getByLabelText(label), { target: { value } })

  it('rejects a bad port with a message next to it, without asking the VIM', async () => {
    const { client } = open()
    type('Address', '192.168.56.10')
    type('Port', '70000')
    type('User', 'ubuntu')
    type('Private key path', '~/.ssh/id_ed25519')
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }))
    const port = screen.getByLabelText('Port')
    expect(port.getAttribute('aria-invalid')).toBe('true')
    const message = document.getElementById(port.getAttribute('aria-describedby') ?? '')
    expect(message?.textContent).toBe('The port must be from 1 to 65535.')
    await waitFor(() => expect(document.activeElement).toBe(port))
    expect(client.callsTo('vms:add')).toEqual([])
  })

  it('shows the VIM’s refusal as it said it, next to the form and as a toast', async () => {
    const { client } = open()
    client.fail('vms:add', 'unavailable', 'SSH hosts cannot be added in this process (no SSH-host provider).')
    type('Address', '192.168.56.10')
    type('User', 'ubuntu')
    fireEvent.change(screen.getByLabelText('Authentication'), { target: { value: 'agent' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }))
    await waitFor(() =>
      expect(client.callsTo('vms:add')).toEqual([
        { provider: 'ssh', address: '192.168.56.10', port: 22, user: 'ubuntu', auth: 'agent' },
      ]),
    )
    const form = within(
      screen.getByRole('form', { name: 'Add an SSH host, a VirtualBox VM or a Swarm node' }),
    )
    expect((await form.findByRole('alert')).textContent).toContain('no SSH-host provider')
    expect(screen.getAllByRole('alert')).toHaveLength(2)
  })

  it('sends a password login with its name, capacity and “remember”, then offers the deploy', async () => {
    const { client } = open()
    const added = vm({ name: 'lab-host-1', provider: 'ssh', agent: null, address: '' })
    client.on('vms:add', () => added).on('deploy:get', () => ({ progress: null, log: [] }))
    type('Address', '192.168.56.10')
    type('User', 'ubuntu')
    fireEvent.change(screen.getByLabelText('Authentication'), { target: { value: 'password' } })
    type('Password', 'pw')
    type('Name (optional)', 'lab-host-1')
    type('Capacity (optional)', '6')
    fireEvent.click(screen.getByLabelText(REMEMBER_LABEL))
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }))
    await waitFor(() =>
      expect(client.callsTo('vms:add')).toEqual([
        {
          provider: 'ssh',
          name: 'lab-host-1',
          capacity: 6,
          address: '192.168.56.10',
          port: 22,
          user: 'ubuntu',
          auth: 'password',
          password: 'pw',
          remember: true,
        },
      ]),
    )
    const deployNow = await screen.findByRole('button', { name: 'Deploy agent now' })
    expect(document.activeElement).toBe(deployNow)
    fireEvent.click(deployNow)
    const panel = await screen.findByRole('dialog', { name: 'Agent on lab-host-1' })
    fireEvent.keyDown(panel, { key: 'Escape' })
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(document.activeElement).toBe(deployNow)
  })

  it('offers Swarm: a Swarm node joins with its SSH login, and Swarm mode switches on', async () => {
    const { client } = open()
    const node = vm({ name: 'lab-h1', provider: 'swarm', address: '10.231.4.11' })
    client.on('vms:add', () => node)
    client.on('swarm:start', () => ({
      ...SWARM_OFF,
      mode: 'owned' as const,
      managerAddress: '10.231.4.1:2377',
      service: 'acs-workload-c0ffee01',
      replicas: 1,
    }))
    fireEvent.click(screen.getByLabelText('Swarm node'))
    expect(screen.queryByLabelText('Name (optional)')).toBeNull()
    type('Address', '10.231.4.11')
    type('User', 'acs')
    type('Private key path', '/keys/acs_ed25519')
    fireEvent.click(screen.getByRole('button', { name: 'Join the Swarm' }))
    await waitFor(() =>
      expect(client.callsTo('vms:add')).toEqual([
        {
          provider: 'swarm',
          address: '10.231.4.11',
          port: 22,
          user: 'acs',
          auth: 'key',
          keyPath: '/keys/acs_ed25519',
        },
      ]),
    )
    const swarm = within(screen.getByRole('region', { name: 'Swarm mode' }))
    fireEvent.click(swarm.getByRole('button', { name: 'Switch Swarm mode on' }))
    await waitFor(() => expect(client.callsTo('swarm:start')).toEqual([{}]))
    expect(await swarm.findByText('acs-workload-c0ffee01 · 1 tasks')).toBeTruthy()
    expect(swarm.getByRole('button', { name: 'Switch Swarm mode off' })).toBeTruthy()
  })

  it('shows a key passphrase field and no “remember” for the SSH agent', () => {
    open()
    expect(screen.getByLabelText('Key passphrase (optional)')).toBeTruthy()
    expect(screen.getByLabelText(REMEMBER_LABEL)).toBeTruthy()
    fireEvent.change(screen.getByLabelText('Authentication'), { target: { value: 'agent' } })
    expect(screen.queryByLabelText('Key passphrase (optional)')).toBeNull()
    expect(screen.queryByLabelText(REMEMBER_LABEL)).toBeNull()
  })

  it('names a bad capacity next to its field', async () => {
    const { client } = open()
    type('Address', '192.168.56.10')
    type('User', 'ubuntu')
    type('Private key path', '~/.ssh/id_ed25519')
    type('Capacity (optional)', '100')
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }))
    const capacity = screen.getByLabelText('Capacity (optional)')
    await waitFor(() => expect(document.activeElement).toBe(capacity))
    expect(document.getElementById('host-capacity-error')?.textContent).toMatch(/from 1 to 64/)
    expect(client.callsTo('vms:add')).toEqual([])
  })
})

describe('the agent panel from the table', () => {
  it('is offered on SSH hosts and VirtualBox VMs, not on lab VMs', () => {
    setUp()
    expect(row('lab-1').queryByRole('button', { name: /agent/ })).toBeNull()
    expect(row('ssh-10.0.0.5').getByRole('button', { name: 'Upgrade agent on ssh-10.0.0.5' })).toBeTruthy()
  })

  it('opens for a VM, says on its row what runs, and gives the focus back on close', async () => {
    const { client } = setUp()
    client.on('deploy:get', () => ({ progress: null, log: [] }))
    const upgrade = screen.getByRole('button', { name: 'Upgrade agent on ssh-10.0.0.5' })
    fireEvent.click(upgrade)
    const panel = within(await screen.findByRole('dialog', { name: 'Agent on ssh-10.0.0.5' }))
    expect(await panel.findByRole('button', { name: 'Start upgrade' })).toBeTruthy()
    act(() =>
      client.emit({
        name: 'deploy:progress',
        data: deployProgress({ vmId: 'ssh-10.0.0.5', operation: 'upgrade' }),
      }),
    )
    expect(upgrade.textContent).toBe('Upgrading…')
    expect(upgrade.getAttribute('aria-label')).toBe('Upgrading the agent on ssh-10.0.0.5: show progress')
    fireEvent.click(panel.getByRole('button', { name: 'Close' }))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(document.activeElement).toBe(upgrade)
  })
})
