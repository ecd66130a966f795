// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { VmInfo } from '../../../../../shared/domain/cluster'
import type { DeployProgress, DeployState, SshLoginInfo } from '../../../../../shared/domain/provision'
import { DEPLOY_STARTED_AT, deployProgress, deployStep, logLine } from '../../../test-support/deploy-fixtures'
import { FakeApiClient } from '../../../test-support/fake-api-client'
import { vm } from '../../../test-support/fixtures'
import { renderWithApp } from '../../../test-support/render-app'
import { DeployPanel } from './DeployPanel'

const KEY_LOGIN: SshLoginInfo = {
  address: '192.168.56.10',
  port: 22,
  user: 'ubuntu',
  auth: 'key',
  keyPath: '~/.ssh/id_ed25519',
  secretStored: false,
  hostKeyFingerprint: 'SHA256:abc',
}

const host = (overrides: Partial<VmInfo> = {}) =>
  vm({ name: 'lab-host-1', provider: 'ssh', agent: null, login: KEY_LOGIN, ...overrides })

const NOTHING_RAN: DeployState = { progress: null, log: [] }

async function openPanel(target = host(), state: DeployState = NOTHING_RAN) {
  const client = new FakeApiClient().on('deploy:get', () => state)
  const onClose = vi.fn()
  const app = renderWithApp(<DeployPanel vm={target} onClose={onClose} />, { client })
  await waitFor(() => expect(client.callsTo('deploy:get')).toEqual([{ id: target.name }]))
  if (state.progress?.state !== 'running') await screen.findByRole('form', { name: 'Options' })
  const emit = (progress: Partial<DeployProgress>) =>
    act(() =>
      client.emit({ name: 'deploy:progress', data: deployProgress({ vmId: target.name, ...progress }) }),
    )
  const emitLog = (...lines: ReturnType<typeof logLine>[]) =>
    act(() => client.emit({ name: 'deploy:log', data: lines }))
  return { ...app, client, onClose, emit, emitLog }
}

const panel = () => within(screen.getByRole('dialog', { name: 'Agent on lab-host-1' }))
const steps = () =>
  within(panel().getByRole('list', { name: 'Steps' }))
    .getAllByRole('listitem')
    .map((item) => item.textContent)

const FAILED_AT_DOCKER: Partial<DeployProgress> = {
  state: 'failed',
  error: 'VM lab-host-1: Docker is not installed; run the deploy again with “Install Docker” ticked',
  steps: [
    deployStep({ id: 'connect', title: 'Connect over SSH', state: 'done' }),
    deployStep({ id: 'docker', title: 'Install Docker', state: 'failed', detail: 'Docker is not installed' }),
  ],
  endedAt: DEPLOY_STARTED_AT + 2_000,
}

const HOST_KEY_CHANGED = 'The host key of 192.168.56.10:22 changed: was SHA256:abc, now SHA256:xyz'

afterEach(cleanup)

describe('the agent panel', () => {
  it('takes the focus, shows the login, and closes on Escape', async () => {
    const { onClose } = await openPanel()
    expect(document.activeElement).toBe(panel().getByRole('heading', { name: 'Agent on lab-host-1' }))
    expect(panel().getByText('ubuntu@192.168.56.10:22, key ~/.ssh/id_ed25519')).toBeTruthy()
    fireEvent.keyDown(panel().getByRole('button', { name: 'Start deploy' }), { key: 'Escape' })
    expect(onClose).toHaveBeenCalledOnce()
  })

  it('starts a deploy, then shows its steps and log as the events come', async () => {
    const { client, emit, emitLog } = await openPanel()
    client.on('deploy:start', () => deployProgress({ vmId: 'lab-host-1' }))
    fireEvent.click(panel().getByLabelText('Install Docker if missing'))
    fireEvent.click(panel().getByRole('button', { name: 'Start deploy' }))
    await waitFor(() =>
      expect(client.callsTo('deploy:start')).toEqual([{ id: 'lab-host-1', installDocker: true }]),
    )
    expect((await panel().findByRole('status')).textContent).toBe(
      'Deploying the agent: step 1 of 3, Connect over SSH',
    )
    expect(panel().queryByRole('form', { name: 'Options' })).toBeNull()

    emit({
      steps: [
        deployStep({
          id: 'connect',
          title: 'Connect over SSH',
          state: 'done',
          startedAt: DEPLOY_STARTED_AT,
          endedAt: DEPLOY_STARTED_AT + 400,
        }),
        deployStep({
          id: 'docker',
          title: 'Install Docker',
          state: 'running',
          startedAt: DEPLOY_STARTED_AT + 400,
        }),
        deployStep({ id: 'hello', title: 'Wait for the agent to connect' }),
      ],
    })
    emitLog(
      logLine('lab-host-1', 'Reading package lists...', { step: 'docker' }),
      logLine('lab-host-1', 'debconf: unable to initialize frontend', { step: 'docker', stream: 'stderr' }),
      logLine('other-host', 'not for this panel'),
    )
    expect(steps()).toEqual([
      expect.stringMatching(/Connect over SSH\s*done\s*0\.4 s/),
      expect.stringMatching(/Install Docker\s*running/),
      expect.stringMatching(/Wait for the agent to connect\s*pending/),
    ])
    const log = panel().getByRole('log', { name: 'Log' })
    expect(log.textContent).toContain('Reading package lists...')
    expect(log.textContent).toContain('stderr: debconf: unable to initialize frontend')
    expect(log.textContent).not.toContain('not for this panel')

    emit({
      state: 'succeeded',
      steps: [deployStep({ id: 'hello', title: 'Wait for the agent to connect', state: 'done' })],
    })
    expect(panel().getByRole('status').textContent).toContain("lab-host-1's agent connected")
  })

  it('shows the state so far when it opens in the middle of a deploy', async () => {
    await openPanel(host(), {
      progress: deployProgress({ vmId: 'lab-host-1' }),
      log: [logLine('lab-host-1', '$ ssh ubuntu@192.168.56.10', { stream: 'info' })],
    })
    expect(await panel().findByText('$ ssh ubuntu@192.168.56.10')).toBeTruthy()
    expect(steps()[0]).toMatch(/Connect over SSH\s*running/)
    expect(panel().getByText(/You can close this panel/)).toBeTruthy()
  })

  it('shows a failure’s message and tries again with the options changed', async () => {
    const { client, emit } = await openPanel()
    emit(FAILED_AT_DOCKER)
    const alert = panel().getByRole('alert')
    expect(alert.textContent).toContain('Deploy failed at “Install Docker”')
    expect(alert.textContent).toContain('run the deploy again with “Install Docker” ticked')
    expect(panel().queryByRole('button', { name: 'Forget host key' })).toBeNull()

    client.on('deploy:start', () =>
      deployProgress({ vmId: 'lab-host-1', startedAt: DEPLOY_STARTED_AT + 60_000 }),
    )
    fireEvent.click(panel().getByLabelText('Install Docker if missing'))
    fireEvent.click(panel().getByRole('button', { name: 'Try again' }))
    await waitFor(() =>
      expect(client.callsTo('deploy:start')).toEqual([{ id: 'lab-host-1', installDocker: true }]),
    )
    await waitFor(() => expect(panel().queryByRole('alert')).toBeNull())
  })

  it('offers to forget a changed host key, then to try again', async () => {
    const { client, emit } = await openPanel()
    client.on('vms:forgetHostKey', () => ({ ok: true, forgotten: 'SHA256:abc' }))
    emit({ ...FAILED_AT_DOCKER, error: HOST_KEY_CHANGED, errorCode: 'host_key_changed' })
    expect(panel().getByRole('alert').textContent).toContain(HOST_KEY_CHANGED)
    fireEvent.click(panel().getByRole('button', { name: 'Forget host key' }))
    await waitFor(() => expect(client.callsTo('vms:forgetHostKey')).toEqual([{ id: 'lab-host-1' }]))
    expect((await panel().findByText(/old host key is forgotten/)).getAttribute('role')).toBe('status')
    expect(document.activeElement).toBe(panel().getByRole('button', { name: 'Try again' }))
  })

  it('says why a kept password cannot be used when the key that seals it is damaged', async () => {
    const problem = 'secret.key is damaged (17 bytes, expected 32): kept passwords cannot be read.'
    const password = { ...KEY_LOGIN, auth: 'password' as const, keyPath: null }
    await openPanel(host({ login: { ...password, secretStored: false, secretProblem: problem } }))
    expect(panel().getByLabelText('Password')).toBeTruthy()
    expect(panel().getByText(`The kept one cannot be read: ${problem}`)).toBeTruthy()
  })

  it('asks for a password only when the login needs one the VIM does not keep', async () => {
    const password = { ...KEY_LOGIN, auth: 'password' as const, keyPath: null }
    await openPanel(host({ login: { ...password, secretStored: true } }))
    expect(panel().queryByLabelText('Password')).toBeNull()
    cleanup()

    await openPanel(host())
    expect(panel().queryByLabelText('Password')).toBeNull()
    expect(panel().queryByLabelText('Key passphrase')).toBeNull()
    cleanup()

    const { client } = await openPanel(host({ login: password }))
    client.on('deploy:start', () => deployProgress({ vmId: 'lab-host-1' }))
    fireEvent.click(panel().getByRole('button', { name: 'Start deploy' }))
    const field = panel().getByLabelText('Password') as HTMLInputElement
    expect(field.getAttribute('aria-invalid')).toBe('true')
    expect(document.activeElement).toBe(field)
    expect(client.callsTo('deploy:start')).toEqual([])

    fireEvent.change(field, { target: { value: 's3cret' } })
    fireEvent.click(panel().getByRole('button', { name: 'Start deploy' }))
    await waitFor(() =>
      expect(client.callsTo('deploy:start')).toEqual([
        { id: 'lab-host-1', installDocker: false, password: 's3cret' },
      ]),
    )
  })

  it('asks for a key’s passphrase once the VIM found the key encrypted', async () => {
    const { emit } = await openPanel()
    emit({
      ...FAILED_AT_DOCKER,
      error: 'The key ~/.ssh/id_ed25519 is encrypted: enter its passphrase',
      errorCode: 'secret_needed',
    })
    expect(panel().getByLabelText('Key passphrase')).toBeTruthy()
  })

  it('uninstalls after a confirmation, removing the containers unless told not to', async () => {
    const { client } = await openPanel(
      host({
        agent: {
          version: '0.2.0',
          runtime: 'docker',
          mode: 'following',
          connectedAt: 0,
          recommendation: null,
        },
      }),
    )
    client.on('deploy:uninstall', () => deployProgress({ vmId: 'lab-host-1', operation: 'uninstall' }))
    expect(panel().getByRole('button', { name: 'Start upgrade' })).toBeTruthy()
    fireEvent.click(panel().getByRole('button', { name: 'Uninstall agent' }))
    const confirm = panel().getByRole('button', { name: 'Uninstall from lab-host-1' })
    await waitFor(() => expect(document.activeElement).toBe(confirm))
    expect((panel().getByLabelText('Also remove its containers') as HTMLInputElement).checked).toBe(true)
    fireEvent.click(confirm)
    await waitFor(() =>
      expect(client.callsTo('deploy:uninstall')).toEqual([{ id: 'lab-host-1', removeContainers: true }]),
    )
    expect((await panel().findByRole('status')).textContent).toMatch(/^Uninstalling the agent/)
  })

  it('shows a refused call as a toast with the VIM’s message', async () => {
    const { client } = await openPanel()
    client.fail('deploy:start', 'unavailable', 'Agent deployment is not set up in this VIM.')
    fireEvent.click(panel().getByRole('button', { name: 'Start deploy' }))
    const toast = await screen.findByRole('alert')
    expect(toast.textContent).toContain('Could not deploy the agent to lab-host-1')
    expect(toast.textContent).toContain('Agent deployment is not set up in this VIM.')
  })

  it('follows the log unless the reader scrolled up', async () => {
    const { emit, emitLog } = await openPanel()
    emit({})
    const log = panel().getByRole('log')
    Object.defineProperty(log, 'scrollHeight', { configurable: true, value: 1000 })
    Object.defineProperty(log, 'clientHeight', { configurable: true, value: 100 })
    emitLog(logLine('lab-host-1', 'first'))
    expect(log.scrollTop).toBe(1000)

    log.scrollTop = 200
    fireEvent.scroll(log)
    emitLog(logLine('lab-host-1', 'second'))
    expect(log.scrollTop).toBe(200)
    fireEvent.click(panel().getByRole('button', { name: 'Follow the log' }))
    expect(log.scrollTop).toBe(1000)
  })
})
