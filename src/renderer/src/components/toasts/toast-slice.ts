// The toasts in the app store: short notices about what an action did, failures first of all.
// At most a few at once, and a repeated notice replaces its older copy instead of stacking.

export type ToastTone = 'error' | 'info'

export interface Toast {
  id: number
  tone: ToastTone
  /** What was tried, e.g. "Could not stop lab-1". */
  title: string
  /** What to do about it: the ApiError's message for failures. */
  message: string
}

export interface ToastState {
  toasts: Toast[]
  showToast(toast: Omit<Toast, 'id'>): number
  dismissToast(id: number): void
}

export const MAX_TOASTS = 4

type SetToasts = (update: (state: ToastState) => Pick<ToastState, 'toasts'>) => void

export function createToastSlice(set: SetToasts): ToastState {
  let nextId = 1
  return {
    toasts: [],
    showToast: (toast) => {
      const id = nextId++
      set(({ toasts }) => {
        const others = toasts.filter(
          (t) => t.tone !== toast.tone || t.title !== toast.title || t.message !== toast.message,
        )
        return { toasts: [...others, { ...toast, id }].slice(-MAX_TOASTS) }
      })
      return id
    },
    dismissToast: (id) => set(({ toasts }) => ({ toasts: toasts.filter((t) => t.id !== id) })),
  }
}
