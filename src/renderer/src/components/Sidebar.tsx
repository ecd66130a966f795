import { useApp } from '../app-context'
import { PAGE_TITLES, PAGES } from '../store/app-store'

export function Sidebar() {
  const page = useApp((state) => state.page)
  const showPage = useApp((state) => state.showPage)
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">Auto Cloud Scaler</div>
      <ul>
        {PAGES.map((id) => (
          <li key={id}>
            <button
              type="button"
              aria-current={id === page ? 'page' : undefined}
              onClick={() => showPage(id)}
            >
              {PAGE_TITLES[id]}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  )
}
