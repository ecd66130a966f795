// The renderer's one way to reach the core. Desktop and browser differ only in the transport.
import type { ApiCallName, ApiEvent, ApiInput, ApiOutput } from '../../../shared/api/contract'
import { createHttpClient } from './http-client'
import { createIpcClient } from './ipc-client'

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'unauthorized'

export interface ApiClient {
  readonly transport: 'ipc' | 'http'
  call<C extends ApiCallName>(channel: C, input: ApiInput<C>): Promise<ApiOutput<C>>
  /** Live events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void
  onConnection(listener: (state: ConnectionState) => void): () => void
}

export function createApiClient(): ApiClient {
  return window.acs ? createIpcClient(window.acs) : createHttpClient(window.location)
}
