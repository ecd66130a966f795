// Mounts a view the way main.tsx mounts the app: a fresh store fed by a (fake) client's events.
import { render } from '@testing-library/react'
import type { ReactElement } from 'react'
import { AppProvider } from '../app-context'
import { ToastViewport } from '../components/toasts/ToastViewport'
import { type AppStore, createAppStore } from '../store/app-store'
import { FakeApiClient } from './fake-api-client'

export interface RenderedApp extends ReturnType<typeof render> {
  client: FakeApiClient
  store: AppStore
}

export function renderWithApp(
  ui: ReactElement,
  { client = new FakeApiClient(), store = createAppStore('light') } = {},
): RenderedApp {
  client.onConnection((state) => store.getState().setConnection(state))
  client.onEvent((event) => store.getState().applyEvent(event))
  const rendered = render(
    <AppProvider store={store} client={client}>
      {ui}
      <ToastViewport />
    </AppProvider>,
  )
  return { ...rendered, client, store }
}
