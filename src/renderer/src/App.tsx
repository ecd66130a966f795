// The app frame: sidebar, header with the connection indicator, and the current page.
import { useEffect } from 'react'
import { useApp } from './app-context'
import { ConnectionIndicator } from './components/ConnectionIndicator'
import { Sidebar } from './components/Sidebar'
import { ToastViewport } from './components/toasts/ToastViewport'
import { PAGE_TITLES, type Page } from './store/app-store'
import { applyTheme } from './theme'
import { MetricsHistoryProvider } from './views/charts/MetricsHistoryProvider'
import { EventsView } from './views/events/EventsView'
import { SettingsView } from './views/SettingsView'
import { ScalingView } from './views/scaling/ScalingView'
import { TopologyView } from './views/topology/TopologyView'
import { TrafficView } from './views/traffic/TrafficView'
import { VmsView } from './views/vms/VmsView'

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
          {/* The charts' history outlives page switches, so the Topology page's charts keep their past. */}
          <MetricsHistoryProvider>
            <CurrentPage page={page} />
          </MetricsHistoryProvider>
        </main>
      </div>
      <ToastViewport />
    </div>
  )
}

function CurrentPage({ page }: { page: Page }) {
  switch (page) {
    case 'topology':
      return <TopologyView />
    case 'vms':
      return <VmsView />
    case 'scaling':
      return <ScalingView />
    case 'events':
      return <EventsView />
    case 'traffic':
      return <TrafficView />
    case 'settings':
      return <SettingsView />
  }
}
