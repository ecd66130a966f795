// One toast: a failure is announced at once (role=alert), a notice politely (role=status). It hides by
// itself, but not while the pointer or the keyboard focus is on it, so it can be read to the end.
import { useEffect, useState } from 'react'
import { useApp } from '../../app-context'
import type { Toast } from './toast-slice'

/** Failures stay longer: their message says what to do, which takes a moment to read. */
export const TOAST_TIMEOUT_MS: Record<Toast['tone'], number> = { error: 10_000, info: 5_000 }

export function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useApp((state) => state.dismissToast)
  const [paused, setPaused] = useState(false)

  useEffect(() => {
    if (paused) return
    const timer = setTimeout(() => dismiss(toast.id), TOAST_TIMEOUT_MS[toast.tone])
    return () => clearTimeout(timer)
  }, [paused, toast.id, toast.tone, dismiss])

  return (
    <li
      className={`toast toast-${toast.tone}`}
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      <div className="toast-text" role={toast.tone === 'error' ? 'alert' : 'status'}>
        <strong>{toast.title}</strong>
        <p>{toast.message}</p>
      </div>
      <button
        type="button"
        className="toast-close"
        aria-label={`Dismiss: ${toast.title}`}
        onClick={() => dismiss(toast.id)}
      >
        ×
      </button>
    </li>
  )
}
