// Hands the store and the API client to every view, so tests can mount views with their own.
import { createContext, type ReactNode, useContext } from 'react'
import { useStore } from 'zustand'
import type { ApiClient } from './api/client'
import type { AppState, AppStore } from './store/app-store'

interface AppContextValue {
  store: AppStore
  client: ApiClient
}

const AppContext = createContext<AppContextValue | undefined>(undefined)

export function AppProvider({ store, client, children }: AppContextValue & { children: ReactNode }) {
  return <AppContext.Provider value={{ store, client }}>{children}</AppContext.Provider>
}

function useAppContext(): AppContextValue {
  const value = useContext(AppContext)
  if (!value) throw new Error('AppProvider is missing')
  return value
}

export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useAppContext().store, selector)
}

export function useApiClient(): ApiClient {
  return useAppContext().client
}
