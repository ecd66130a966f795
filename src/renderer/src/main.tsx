// First: zod must not probe for eval, which the CSP forbids.
import './components/zod-without-eval'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { createApiClient } from './api/client'
import { AppProvider } from './app-context'
import { createAppStore } from './store/app-store'
import { loadTheme } from './theme'
import './styles.css'

const store = createAppStore(loadTheme())
const client = createApiClient()
client.onConnection((state) => store.getState().setConnection(state))
client.onEvent((event) => store.getState().applyEvent(event))

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <AppProvider store={store} client={client}>
      <App />
    </AppProvider>
  </StrictMode>,
)
