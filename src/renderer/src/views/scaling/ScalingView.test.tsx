// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { VimSettings } from '../../../../shared/domain/settings'
import { FakeApiClient } from '../../test-support/fake-api-client'
import { container, defaultSettings, snapshot, vm } from '../../test-support/fixtures'
import { renderWithApp } from '../../test-support/render-app'
import { ScalingView } from './ScalingView'

/** A core that keeps one settings object, like the VIM's settings store. */
function policyServer(initial: VimSettings = defaultSettings()) {
  let settings = initial
  return new FakeApiClient()
    .on('policy:get', () => settings)
    .on('policy:set', (patch) => {
      settings = { ...settings, ...(patch as Partial<VimSettings>) }
      return settings
    })
}

async function setUp(client = policyServer()) {
  const app = renderWithApp(<ScalingView />, { client })
  await screen.findByRole('form', { name: 'Scaling policy' })
  return app
}

const field = (name: RegExp) => screen.getByLabelText(name) as HTMLInputElement
const type = (name: RegExp, value: string) => fireEvent.change(field(name), { target: { value } })
const applyButton = () => screen.getByRole('button', { name: 'Apply' }) as HTMLButtonElement
const messageOf = (input: HTMLElement) =>
  (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id))
    .find((el) => el?.className === 'field-error')?.textContent

afterEach(cleanup)

describe('the policy editor', () => {
  it('shows the applied policy, in percent where it is a fraction', async () => {
    await setUp()
    expect(field(/^Target CPU utilization/).value).toBe('60')
    expect(field(/^Scale down: Stabilization window/).value).toBe('60')
    expect(field(/^Scale-down headroom/).value).toBe('5')
    expect((screen.getByLabelText('Placement') as HTMLSelectElement).value).toBe('spread')
    expect((screen.getByLabelText('Balancer algorithm') as HTMLSelectElement).value).toBe('least-outstanding')
    expect(applyButton().disabled).toBe(true)
  })

  it('rejects a target of 150 % with a message next to it and disables Apply', async () => {
    await setUp()
    type(/^Target CPU utilization/, '150')
    const input = field(/^Target CPU utilization/)
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(messageOf(input)).toMatch(/at most 100 %/)
    expect(applyButton().disabled).toBe(true)
    expect(screen.getByText('Fix the highlighted fields to see what this policy would do.')).toBeTruthy()
  })

  it('applies a valid change with exactly the edited settings, and shows what the VIM kept', async () => {
    const { client } = await setUp()
    type(/^Target CPU utilization/, '70')
    type(/^Max VMs/, '6')
    fireEvent.change(screen.getByLabelText('Placement'), { target: { value: 'bin-pack' } })
    fireEvent.click(applyButton())

    const expected = defaultSettings()
    expected.scaling.policy.targetUtilization = 0.7
    expected.scaling.maxVms = 6
    expected.scaling.placement = 'bin-pack'
    await waitFor(() =>
      expect(client.callsTo('policy:set')).toEqual([
        { scaling: expected.scaling, balancer: expected.balancer },
      ]),
    )
    await waitFor(() => expect(applyButton().disabled).toBe(true))
    expect(field(/^Target CPU utilization/).value).toBe('70')
    expect(await screen.findByText('Policy applied')).toBeTruthy()
  })

  it('reverts the edits to the applied policy', async () => {
    await setUp()
    type(/^Target CPU utilization/, '150')
    type(/^Min replicas/, '3')
    fireEvent.click(screen.getByRole('button', { name: 'Revert' }))
    expect(field(/^Target CPU utilization/).value).toBe('60')
    expect(field(/^Min replicas/).value).toBe('1')
    expect(field(/^Target CPU utilization/).getAttribute('aria-invalid')).toBeNull()
    expect((screen.getByRole('button', { name: 'Revert' }) as HTMLButtonElement).disabled).toBe(true)
  })

  it('shows the VIM’s refusal next to Apply and as a toast', async () => {
    const client = policyServer().fail(
      'policy:set',
      'internal',
      'Could not save the settings to /data/settings.json: EACCES',
    )
    await setUp(client)
    type(/^Max replicas/, '12')
    fireEvent.click(applyButton())
    const form = within(screen.getByRole('form', { name: 'Scaling policy' }))
    expect((await form.findByRole('alert')).textContent).toContain('EACCES')
    expect(screen.getAllByRole('alert')).toHaveLength(2)
    expect(field(/^Max replicas/).value).toBe('12')
  })

  it('previews what the current load would do under the edited policy', async () => {
    const { client } = await setUp()
    act(() =>
      client.emit({
        name: 'cluster:snapshot',
        data: snapshot([
          vm({
            name: 'lab-1',
            target: 2,
            containers: [container({ name: 'a', cpuPercent: 90 }), container({ name: 'b', cpuPercent: 90 })],
          }),
          vm({ name: 'lab-2', target: 1, containers: [container({ name: 'c', cpuPercent: 90 })] }),
        ]),
      }),
    )
    expect(screen.getByTestId('preview-total').textContent).toBe('With this policy: 3 → 5 replicas')
    expect(screen.getByTestId('preview-lab-2').textContent).toBe('lab-2 gets 3 (1 now)')
    expect(screen.getByTestId('preview-lab-1').textContent).toBe('lab-1 keeps 2')

    type(/^Target CPU utilization/, '90')
    expect(screen.getByTestId('preview-total').textContent).toBe('With this policy: 3 → 3 replicas')
    expect(screen.getByTestId('preview-applied').textContent).toBe('With the applied policy: 3 → 5 replicas.')
  })

  it('says what to do when no VM is ready to measure', async () => {
    const { client, store } = await setUp()
    act(() => client.emit({ name: 'cluster:snapshot', data: snapshot([]) }))
    fireEvent.click(screen.getByRole('button', { name: 'Add a VM on the VMs page' }))
    expect(store.getState().page).toBe('vms')
  })

  it('offers to try again when the policy cannot be loaded', async () => {
    const client = new FakeApiClient().fail('policy:get', 'unavailable', 'The settings store is not running.')
    renderWithApp(<ScalingView />, { client })
    expect(
      await screen.findByRole('heading', { name: 'The scaling policy could not be loaded' }),
    ).toBeTruthy()
    client.on('policy:get', () => defaultSettings())
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('form', { name: 'Scaling policy' })).toBeTruthy()
  })
})
