// Runs a user's action and turns a failure into a toast carrying the core's message, so every page
// reports errors alike and no failure is silently lost.
import { useCallback } from 'react'
import { ApiError } from '../../../../shared/api/contract'
import { useApp } from '../../app-context'

export type ActionResult<T> = { ok: true; value: T } | { ok: false; message: string }

/** The sentence a person reads: the API's own message, never a stack trace. */
export function failureMessage(error: unknown): string {
  if (error instanceof ApiError || error instanceof Error) return error.message
  return String(error)
}

/** `run(title, action)`: on failure shows a toast titled `title` and resolves with the message. */
export function useAction(): <T>(title: string, action: () => Promise<T>) => Promise<ActionResult<T>> {
  const showToast = useApp((state) => state.showToast)
  return useCallback(
    async <T>(title: string, action: () => Promise<T>): Promise<ActionResult<T>> => {
      try {
        return { ok: true, value: await action() }
      } catch (error) {
        const message = failureMessage(error)
        showToast({ tone: 'error', title, message })
        return { ok: false, message }
      }
    },
    [showToast],
  )
}

/** For confirmations and notices that are not failures ("lab-3 added"). */
export function useNotify(): (title: string, message: string) => void {
  const showToast = useApp((state) => state.showToast)
  return useCallback((title, message) => void showToast({ tone: 'info', title, message }), [showToast])
}
