// The app frame: sidebar, header with the connection indicator, and the current page.
import { useEffect } from 'react'
import { useApp } from './app-context'
import { ConnectionIndicator } from './components/ConnectionIndicator'
import { Sidebar } from './components/Sidebar'
import { PAGE_TITLES, type Page } from './store/app-store'
import { applyTheme } from './theme'
import { PlannedView } from './views/PlannedView'
import { SettingsView } from './views/SettingsView'
import { TopologyView } from './views/TopologyView'

export function App() {
  const page = useApp((state) => state.page)
  const theme = useApp((state) => state.theme)
  useEffect(() => applyTheme(theme), [theme])

  return (
    <div className="app-frame">
      <Sidebar />
      <div className="app-main">
        <header className="app-header">
          <h1>{PAGE_TITLES[page]}</h1>
          <ConnectionIndicator />
        </header>
        <main className="app-content" aria-label={PAGE_TITLES[page]}>
          <CurrentPage page={page} />
        </main>
      </div>
    </div>
  )
}

function CurrentPage({ page }: { page: Page }) {
  switch (page) {
    case 'topology':
      return <TopologyView />
    case 'settings':
      return <SettingsView />
    default:
      return <PlannedView page={page} />
  }
}
