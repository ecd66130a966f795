// Where toasts appear: the bottom-right corner, newest last, above every page.
import { useApp } from '../../app-context'
import { ToastItem } from './ToastItem'

export function ToastViewport() {
  const toasts = useApp((state) => state.toasts)
  return (
    <section className="toast-viewport" aria-label="Notifications">
      <ol>
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} />
        ))}
      </ol>
    </section>
  )
}
