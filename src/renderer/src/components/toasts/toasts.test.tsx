// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderWithApp } from '../../test-support/render-app'
import { useAction } from './use-action'

function FailingButton() {
  const run = useAction()
  return (
    <button
      type="button"
      onClick={() =>
        void run('Could not stop lab-1', () =>
          Promise.reject(new Error('lab-1 is not running: start it first')),
        )
      }
    >
      Stop
    </button>
  )
}

afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

describe('toasts', () => {
  it('show a failed action with its message, as an alert, until dismissed', async () => {
    renderWithApp(<FailingButton />)
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Could not stop lab-1')
    expect(alert.textContent).toContain('lab-1 is not running: start it first')

    fireEvent.click(screen.getByRole('button', { name: 'Dismiss: Could not stop lab-1' }))
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('hide by themselves, and a repeated failure shows once', async () => {
    vi.useFakeTimers()
    const { store } = renderWithApp(<FailingButton />)
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Stop' }))
      fireEvent.click(screen.getByRole('button', { name: 'Stop' }))
    })
    expect(store.getState().toasts).toHaveLength(1)
    act(() => void vi.advanceTimersByTime(9_000))
    expect(screen.queryByRole('alert')).not.toBeNull()
    act(() => void vi.advanceTimersByTime(1_500))
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('notices are polite (role=status)', () => {
    const { store } = renderWithApp(<p>page</p>)
    act(
      () =>
        void store.getState().showToast({ tone: 'info', title: 'lab-3 added', message: 'It connects soon.' }),
    )
    expect(screen.getByRole('status').textContent).toContain('lab-3 added')
  })
})
