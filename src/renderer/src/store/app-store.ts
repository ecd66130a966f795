// Renderer state: what the core last told us, and which page the user looks at.
import { create } from 'zustand'
import type { ApiEvent } from '../../../shared/api/contract'
import type { ClusterSnapshot } from '../../../shared/domain/cluster'
import { applyClusterDelta } from '../../../shared/domain/cluster-delta'
import type { ConnectionState } from '../api/client'
import { createToastSlice, type ToastState } from '../components/toasts/toast-slice'
import { createDecisionLogSlice, type DecisionLogState } from '../views/events/decision-log'
import { createDeployRunsSlice, type DeployRunsState } from './deploy-runs'

export const PAGES = ['topology', 'vms', 'scaling', 'traffic', 'events', 'settings'] as const
export type Page = (typeof PAGES)[number]
export const PAGE_TITLES: Record<Page, string> = {
  topology: 'Topology',
  vms: 'VMs',
  scaling: 'Scaling',
  traffic: 'Traffic',
  events: 'Events',
  settings: 'Settings',
}

export type ThemeChoice = 'system' | 'light' | 'dark'

export interface AppState extends DecisionLogState, DeployRunsState, ToastState {
  connection: ConnectionState
  cluster: ClusterSnapshot | undefined
  page: Page
  theme: ThemeChoice
  setConnection(state: ConnectionState): void
  applyEvent(event: ApiEvent): void
  showPage(page: Page): void
  setTheme(theme: ThemeChoice): void
}

export const createAppStore = (initialTheme: ThemeChoice = 'system') =>
  create<AppState>()((set, get) => ({
    connection: 'connecting',
    cluster: undefined,
    page: 'topology',
    theme: initialTheme,
    setConnection: (connection) => set({ connection }),
    applyEvent: (event) => {
      switch (event.name) {
        case 'cluster:snapshot':
          set({ cluster: event.data })
          break
        case 'cluster:delta': {
          // A delta against another snapshot (none yet, or one missed) waits for the next full one.
          const current = get().cluster
          const next = current && applyClusterDelta(current, event.data)
          if (next) set({ cluster: next })
          break
        }
        case 'events:appended':
          get().addDecisionLog(event.data)
          break
        case 'deploy:progress':
          get().applyDeployProgress(event.data)
          break
        case 'deploy:log':
          get().appendDeployLog(event.data)
          break
      }
    },
    showPage: (page) => set({ page }),
    setTheme: (theme) => set({ theme }),
    ...createDecisionLogSlice(set),
    ...createDeployRunsSlice(set),
    ...createToastSlice(set),
  }))

export type AppStore = ReturnType<typeof createAppStore>
